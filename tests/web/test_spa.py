"""Serving the UI: it answers every non-API path, and never shadows the API or the media."""

from __future__ import annotations

import httpx

ROOT = "http://test"


async def test_index_is_served_at_the_root_and_revalidated(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{ROOT}/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert '<script type="module" src="/js/main.js">' in response.text


async def test_unknown_page_paths_fall_back_to_the_app(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{ROOT}/characters/some-deep-link")
    assert response.status_code == 200
    assert '<main class="app-main"' in response.text


async def test_unknown_api_paths_are_json_404s_not_the_app(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_api_routes_still_answer_with_the_ui_mounted(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")


async def test_missing_media_is_a_404_not_the_app(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{ROOT}/media/avatars/nope.webp")
    assert response.status_code == 404
    assert "<html" not in response.text


async def test_scripts_styles_and_translations_are_served(client: httpx.AsyncClient) -> None:
    for path, kind in (
        ("/js/main.js", "javascript"),
        ("/css/base.css", "text/css"),
        ("/i18n/ru.json", "json"),
    ):
        response = await client.get(f"{ROOT}{path}")
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"], path
        assert response.headers["cache-control"] == "no-cache"


async def test_a_missing_script_is_a_404_rather_than_html(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{ROOT}/js/pages/missing.js")
    assert response.status_code == 404


async def test_python_sources_of_the_package_are_never_served(client: httpx.AsyncClient) -> None:
    for path in ("/spa.py", "/__init__.py", "/__pycache__/spa.cpython-311.pyc"):
        response = await client.get(f"{ROOT}{path}")
        assert "mount_web_ui" not in response.text, path
        assert "SinglePageApp" not in response.text, path


async def test_writes_to_ui_paths_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{ROOT}/index.html", content=b"x")
    assert response.status_code == 405

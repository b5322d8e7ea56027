"""Settings are checked when read: a mistake stops the start with the variable's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.config import SettingsInvalid, load_settings, served_url


@pytest.fixture(autouse=True)
def _no_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # away from any `.env` of the working copy


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HEARTH_AUTH_RATE", "5 per minutes please"),
        ("HEARTH_SEND_RATE", "lots"),
        ("HEARTH_SEND_IP_RATE", "0/minute"),
        ("HEARTH_UPLOAD_RATE", "5/minute;10/hour"),
    ],
)
def test_a_malformed_rate_limit_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsInvalid) as refused:
        load_settings()

    assert str(refused.value).startswith(f"{variable}: {value!r} is not one rate like")


def test_a_negative_unit_weight_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_UNIT_WEIGHTS", '{"openai/gpt-4o": -5}')

    with pytest.raises(SettingsInvalid, match=r"HEARTH_UNIT_WEIGHTS: .*must be 0 or more"):
        load_settings()


def test_unit_weights_that_are_not_json_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_UNIT_WEIGHTS", "{openai/gpt-4o: 5}")

    with pytest.raises(SettingsInvalid, match=r"^HEARTH_UNIT_WEIGHTS: not valid JSON"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HEARTH_UNIT_WEIGHTS", '{"gpt-4o": 2}'),
        ("HEARTH_LOG_LEVEL", "verbose"),
        ("HEARTH_SMTP_URL", "mail.example.com:25"),
        ("HEARTH_REDIS_URL", "127.0.0.1:6379"),
        ("HEARTH_PUBLIC_URL", "hearth.example.com"),
        ("HEARTH_MODERATION_URL", "ftp://mod.example.com"),
        ("HEARTH_CORS_ORIGINS", "https://app.example.com/"),
        ("HEARTH_MODERATION_RULES", "/no/such/rules.txt"),
    ],
)
def test_other_settings_that_could_only_fail_later_are_refused_at_once(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsInvalid, match=f"^{variable}: "):
        load_settings()


def test_well_formed_settings_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in {
        "HEARTH_AUTH_RATE": "10/15 minutes",
        "HEARTH_SEND_RATE": "5 per minute",
        "HEARTH_UNIT_WEIGHTS": '{"openai/gpt-4o": 5, "local/llama": 0}',
        "HEARTH_LOG_LEVEL": "debug",
        "HEARTH_SMTP_URL": "smtp+starttls://user:pass@mail.example.com:587",
        "HEARTH_REDIS_URL": "rediss://cache.example.com:6380/0",
        "HEARTH_CORS_ORIGINS": "https://app.example.com, http://localhost:3000",
    }.items():
        monkeypatch.setenv(variable, value)

    settings = load_settings()

    assert settings.auth_rate == "10/15 minutes"
    assert settings.log_level == "DEBUG"
    assert settings.cors_origins == ["https://app.example.com", "http://localhost:3000"]


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 9000, "http://127.0.0.1:9000"),
        ("chat.local", 8080, "http://chat.local:8080"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::", 9000, "http://127.0.0.1:9000"),
        ("::1", 9000, "http://[::1]:9000"),
    ],
)
def test_the_served_url_is_one_a_browser_on_this_machine_can_open(
    host: str, port: int, url: str
) -> None:
    assert served_url(host, port) == url

"""The `hearth` command: serve, migrate, create-admin, version."""

from __future__ import annotations

import asyncio
import os
import sys

import typer

from hearth import __version__
from hearth.config import (
    WILDCARD_HOSTS,
    Settings,
    SettingsInvalid,
    load_settings,
    loaded,
    served_url,
)
from hearth.llm.cli import llm_app

app = typer.Typer(
    help="Hearth: talk with AI characters.", no_args_is_help=True, add_completion=False
)
app.add_typer(llm_app, name="llm")


def _settings() -> Settings:
    """The settings, or exit 2 with a line per bad variable (not a traceback)."""
    from hearth.llm.settings import LLMSettings

    try:
        settings = load_settings()
        loaded(LLMSettings)  # the providers' settings, read again when the app starts
        return settings
    except SettingsInvalid as exc:
        typer.echo(f"error: invalid settings\n{exc}", err=True)
        raise typer.Exit(2) from None


def _migrate(settings: Settings) -> None:
    from hearth.core.migrate import upgrade

    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)


def _links_follow_the_listen_address(settings: Settings, host: str, port: int) -> None:
    """Unless the operator set HEARTH_PUBLIC_URL, emailed links point where this server
    listens. The workers (new interpreters) read it from the environment."""
    if "public_url" in settings.model_fields_set:
        return
    settings.public_url = served_url(host, port)
    os.environ["HEARTH_PUBLIC_URL"] = settings.public_url
    if host in WILDCARD_HOSTS:
        typer.echo(
            f"note: links in emails point to {settings.public_url}; set HEARTH_PUBLIC_URL to"
            " the address people open Hearth at",
            err=True,
        )


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Worker processes (use Redis with more than one)."),
    migrate: bool = typer.Option(True, help="Apply database migrations first."),
) -> None:
    """Apply migrations, then serve the API and the web UI."""
    import uvicorn

    from hearth.core.logging import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, json_output=settings.log_json)
    _links_follow_the_listen_address(settings, host, port)
    if migrate:
        _migrate(settings)
    if workers > 1 and not settings.redis_url:
        typer.echo(
            "note: without HEARTH_REDIS_URL each worker keeps its own rate limits, and a client"
            " that re-attaches to a reply through another worker gets its text from the database"
            " every half second",
            err=True,
        )
    typer.echo(f"Hearth is running at {served_url(host, port)}/", err=True)
    uvicorn.run(
        "hearth.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


@app.command()
def migrate() -> None:
    """Apply database migrations up to the latest."""
    settings = _settings()
    _migrate(settings)
    typer.echo("database is up to date")


@app.command("create-admin")
def create_admin(
    email: str = typer.Option(..., help="Email of the administrator."),
    username: str = typer.Option(..., help="Username (3–32 of a–z, 0–9, _)."),
    password: str = typer.Option(..., prompt=True, hide_input=True, help="Password."),
) -> None:
    """Create an administrator account, or promote an existing one with that email."""
    from hearth.users.admin_bootstrap import ensure_admin

    settings = _settings()
    _migrate(settings)
    try:
        created = asyncio.run(ensure_admin(settings, email, username, password))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{'created' if created else 'promoted'} administrator {email}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"hearth {__version__} (Python {sys.version.split()[0]})")


if __name__ == "__main__":
    app()

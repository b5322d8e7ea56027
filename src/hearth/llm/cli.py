"""`hearth llm ...` commands (mounted by hearth/cli.py)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from hearth.core.db import Database
    from hearth.llm.check import ProviderCheck
    from hearth.llm.gateway import LLMGateway

llm_app = typer.Typer(help="LLM providers: diagnose the configuration.", no_args_is_help=True)


@llm_app.callback()
def llm() -> None:
    """LLM providers: diagnose the configuration."""
    # A callback keeps `check` a sub-command even while it is the only one.


@llm_app.command("check")
def check(
    timeout: float = typer.Option(30.0, min=1.0, help="Seconds to wait for each provider."),
) -> None:
    """Call each configured provider with a tiny prompt; print status and latency.

    Providers come from the environment and, when the database exists, from those stored by
    administrators; stored ones an administrator disabled are listed as such, not called.
    Exit status: 0 all enabled ones OK, 1 some provider failed, 2 none configured or enabled.
    """
    from hearth.llm.check import render_checks

    checks = asyncio.run(_run_checks(timeout))
    typer.echo(render_checks(checks))
    if all(c.disabled for c in checks):  # none at all, too
        raise typer.Exit(2)
    if any(c.failed for c in checks):
        raise typer.Exit(1)


async def _run_checks(wait_seconds: float) -> list[ProviderCheck]:
    from hearth.llm.check import check_providers

    gateway, disabled = await _gateway()
    try:
        return [*await check_providers(gateway, wait_seconds=wait_seconds), *disabled]
    finally:
        await gateway.aclose()


async def _gateway() -> tuple[LLMGateway, list[ProviderCheck]]:
    """The gateway the app would build, and a row for each stored provider it leaves out
    because an administrator disabled it."""
    from sqlalchemy.exc import SQLAlchemyError

    from hearth.config import Settings
    from hearth.core.db import Database
    from hearth.llm.gateway import LLMGateway
    from hearth.llm.lifespan import start_gateway
    from hearth.llm.settings import LLMSettings

    settings = Settings()
    # Never create a database (or a secret) just to run a diagnosis.
    default_db = settings.data_dir / "hearth.db"
    if not settings.database_url and not default_db.exists():
        return LLMGateway(LLMSettings()), []
    database = Database(settings.resolved_database_url)
    try:
        gateway = await start_gateway(settings, database)
        return gateway, await _disabled(database, gateway)
    except SQLAlchemyError as exc:
        typer.echo(f"note: stored providers not loaded ({type(exc).__name__})", err=True)
        return LLMGateway(LLMSettings()), []
    finally:
        await database.dispose()


async def _disabled(database: Database, gateway: LLMGateway) -> list[ProviderCheck]:
    from sqlalchemy import select

    from hearth.llm.check import disabled_checks
    from hearth.llm.models import LLMProviderRecord

    async with database.sessionmaker() as session:
        records = await session.scalars(
            select(LLMProviderRecord)
            .where(LLMProviderRecord.enabled.is_(False))
            .order_by(LLMProviderRecord.name)
        )
        return disabled_checks(gateway, records)

"""`hearth llm ...` commands (mounted by hearth/cli.py)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from hearth.llm.check import ProviderCheck

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

    Exit status: 0 all OK, 1 some provider failed, 2 none configured.
    """
    from hearth.llm.check import render_checks

    checks = asyncio.run(_run_checks(timeout))
    typer.echo(render_checks(checks))
    if not checks:
        raise typer.Exit(2)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


async def _run_checks(wait_seconds: float) -> list[ProviderCheck]:
    from hearth.llm.check import check_providers
    from hearth.llm.gateway import LLMGateway
    from hearth.llm.settings import LLMSettings

    gateway = LLMGateway(LLMSettings())
    try:
        return await check_providers(gateway, wait_seconds=wait_seconds)
    finally:
        await gateway.aclose()

"""What the chaos probe breaks around a running server (`bench/chat_chaos.py`): its Redis,
its database connections, one of its worker processes."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from pathlib import Path

from sqlalchemy import text

from bench.chat_load import HOST, free_port
from hearth.core.db import build_engine


class FailingRedis:
    """A Redis of the probe's own (`redis-server` on a free port), which it breaks."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None
        self.timeline: list[str] = []

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.sleep(0.5)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            await self.process.wait()

    async def fail(self, after: float) -> None:
        """After `after` s: it stops answering for 6 s (stalled), is down for 3 s
        (refusing), then starts again, empty."""
        started = time.monotonic()
        await asyncio.sleep(after)
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.timeline.append(f"{time.monotonic() - started:.1f} s: stalled")
        await asyncio.sleep(6)
        await self.stop()
        self.timeline.append(f"{time.monotonic() - started:.1f} s: down")
        await asyncio.sleep(3)
        await self.start()
        self.timeline.append(f"{time.monotonic() - started:.1f} s: up again, empty")


async def cut_database_connections(database_url: str, times: int, seconds: float) -> list[str]:
    """Every server connection to the database ended `times` times, evenly over `seconds`
    (as a PostgreSQL restart or failover does). Returns how many each time."""
    engine = build_engine(database_url)
    cuts = []
    try:
        for _ in range(times):
            await asyncio.sleep(seconds / (times + 1))
            async with engine.connect() as conn:
                ended = await conn.scalar(text(CUT_CONNECTIONS))
            cuts.append(f"{ended} connections ended")
    finally:
        await engine.dispose()
    return cuts


CUT_CONNECTIONS = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


def worker_pids(server_pid: int) -> list[int]:
    """The worker processes uvicorn spawned for `hearth serve --workers N`."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            spawned = b"spawn_main" in (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if parent == server_pid and spawned:
            workers.append(int(stat.parent.name))
    return workers


async def kill_a_worker(server_pid: int, after: float) -> None:
    """`kill -9` one worker half-way through; uvicorn starts another."""
    await asyncio.sleep(after)
    os.kill(random.choice(worker_pids(server_pid)), signal.SIGKILL)

"""Chat load: N concurrent chats through a real `hearth serve` (SQLite; PostgreSQL with
`--postgres URL`) and, in the same run, directly against the fake LLM server, to measure
what Hearth adds.

    .venv/bin/python -m bench.chat_load --chats 200

Reports time to first token (TTFT) through Hearth and direct, the added TTFT (p50/p99),
the inter-token gap p99, errors, how many replies were persisted complete, and the server's
CPU and memory. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from tests.database import fresh_postgres

from bench.calibrate import calibration_ms
from bench.fake_llm import reply_tokens
from bench.sse_client import HTTPFailure, stream_events
from hearth.core.db import build_engine

HOST = "127.0.0.1"
CHATS_PER_USER = 50
PASSWORD = "bench password 123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Stats:
    ttft: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    complete: int = 0

    def record(self, started: float, times: list[float]) -> None:
        if times:
            self.ttft.append((times[0] - started) * 1000)
            self.gaps.extend((b - a) * 1000 for a, b in itertools.pairwise(times))


class ProcessMeter:
    """CPU seconds and peak RSS of one process and its children (workers), from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss_mb = 0.0
        self.tick = os.sysconf("SC_CLK_TCK")
        self._task: asyncio.Task[None] | None = None

    def pids(self) -> list[int]:
        tree = [self.pid]
        for pid in tree:
            with contextlib.suppress(OSError):
                tree.extend(
                    int(child)
                    for task in Path(f"/proc/{pid}/task").iterdir()
                    for child in (task / "children").read_text().split()
                )
        return tree

    def stats(self) -> list[list[str]]:
        """/proc/<pid>/stat of each live process of the tree, the fields after the name."""
        out = []
        for pid in self.pids():
            with contextlib.suppress(OSError):  # exited meanwhile
                out.append(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())
        return out

    def cpu_seconds(self) -> float:
        return sum(int(f[11]) + int(f[12]) for f in self.stats()) / self.tick  # utime + stime

    def rss_mb(self) -> float:
        pages = sum(int(f[21]) for f in self.stats())  # rss
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    async def _sample(self) -> None:
        while True:
            self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())
            await asyncio.sleep(0.25)

    def start(self) -> None:
        self.cpu_start, self.wall_start = self.cpu_seconds(), time.perf_counter()
        self._task = asyncio.create_task(self._sample())

    def stop(self) -> dict[str, float]:
        if self._task:
            self._task.cancel()
        cpu = self.cpu_seconds() - self.cpu_start
        wall = time.perf_counter() - self.wall_start
        return {
            "cpu_seconds": round(cpu, 2),
            "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
            "peak_rss_mb": round(max(self.peak_rss_mb, self.rss_mb()), 1),
        }


async def start_fake(
    port: int, ttft_ms: float, tps: float, tokens: int, faults: float = 0.0
) -> tuple[asyncio.subprocess.Process, str]:
    """The fake LLM server in its own process, and its base URL."""
    fake = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.fake_llm",
        "--port",
        str(port),
        "--ttft-ms",
        str(ttft_ms),
        "--tps",
        str(tps),
        "--tokens",
        str(tokens),
        "--faults",
        str(faults),
        stdout=asyncio.subprocess.PIPE,
    )
    assert fake.stdout is not None
    return fake, (await fake.stdout.readline()).decode().strip()


def server_env(workdir: Path, fake_url: str) -> dict[str, str]:
    """A Hearth server on SQLite in `workdir`, served by the fake, limits out of the way."""
    return {
        **os.environ,
        "HEARTH_DATA_DIR": str(workdir / "data"),
        "HEARTH_SECRET_KEY": "bench-secret-key-that-is-long-enough-for-hs256",
        "HEARTH_LOCAL_LLM_BASE_URL": fake_url,
        "HEARTH_LOCAL_LLM_MODEL": "fake-model",
        "HEARTH_DEFAULT_MODEL": "local/fake-model",
        "HEARTH_LOG_LEVEL": "WARNING",
        "HEARTH_AUTH_RATE": "1000000/minute",
        "HEARTH_SEND_RATE": "1000000/minute",
        "HEARTH_SEND_IP_RATE": "1000000/minute",
        "HEARTH_SEED_DEMO": "false",
        "HEARTH_DAILY_UNITS": "1000000000",
    }


async def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def setup_chats(
    base: str, chats: int, per_user: int = CHATS_PER_USER
) -> list[tuple[str, str]]:
    """(access token, chat id) for each chat; one shared public character."""
    users = max(1, -(-chats // per_user))
    out: list[tuple[str, str]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        tokens = []
        for n in range(users):
            body = {
                "email": f"bench{n}@example.com",
                "username": f"bench{n}",
                "password": PASSWORD,
            }
            (await http.post("/auth/register", json=body)).raise_for_status()
            login = await http.post(
                "/auth/login", json={"login": body["username"], "password": body["password"]}
            )
            login.raise_for_status()
            tokens.append(login.json()["access_token"])
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        character = await http.post(
            "/characters",
            json={
                "name": "Bench",
                "description": "A benchmark character.",
                "greeting": "Hello, {{user}}.",
                "visibility": "public",
            },
            headers=auth,
        )
        character.raise_for_status()
        character_id = character.json()["id"]
        for n in range(chats):
            token = tokens[n % users]
            made = await http.post(
                "/chats",
                json={"character_id": character_id},
                headers={"Authorization": f"Bearer {token}"},
            )
            made.raise_for_status()
            out.append((token, made.json()["id"]))
    return out


async def hearth_chat(
    port: int, token: str, chat_id: str, turns: int, delay: float, expected: str, stats: Stats
) -> None:
    await asyncio.sleep(delay)
    path = f"/api/v1/chats/{chat_id}/messages"
    for turn in range(turns):
        started = time.perf_counter()
        times: list[float] = []
        text: list[str] = []
        done: dict[str, Any] | None = None
        body = json.dumps({"content": f"Message {turn}: how are you today?"}).encode()
        try:
            async for event in stream_events(
                HOST,
                port,
                path,
                body,
                {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
            ):
                if event.raw.startswith(b"event: delta"):
                    times.append(event.at)
                    text.append(json.loads(event.raw.split(b"data: ", 1)[1])["text"])
                elif event.raw.startswith(b"event: done"):
                    done = json.loads(event.raw.split(b"data: ", 1)[1])
                elif event.raw.startswith(b"event: error"):
                    stats.errors.append(event.raw.decode()[:200])
        except (HTTPFailure, OSError, asyncio.IncompleteReadError) as exc:
            stats.errors.append(f"hearth: {exc!r}"[:200])
            continue
        stats.record(started, times)
        if done is None or done.get("status") != "complete" or "".join(text) != expected:
            stats.errors.append(f"hearth: incomplete reply in {chat_id}")
        else:
            stats.complete += 1


async def direct_chat(port: int, turns: int, delay: float, expected: str, stats: Stats) -> None:
    await asyncio.sleep(delay)
    for turn in range(turns):
        started = time.perf_counter()
        times: list[float] = []
        text: list[str] = []
        body = json.dumps(
            {
                "model": "fake-model",
                "stream": True,
                "messages": [{"role": "user", "content": f"Message {turn}"}],
            }
        ).encode()
        try:
            async for event in stream_events(HOST, port, "/v1/chat/completions", body, {}):
                payload = event.raw.split(b"data: ", 1)[1]
                if payload == b"[DONE]":
                    break
                choices = json.loads(payload).get("choices") or []
                content = choices[0].get("delta", {}).get("content") if choices else None
                if content:
                    times.append(event.at)
                    text.append(content)
        except (HTTPFailure, OSError, asyncio.IncompleteReadError) as exc:
            stats.errors.append(f"direct: {exc!r}"[:200])
            continue
        stats.record(started, times)
        if "".join(text) == expected:
            stats.complete += 1
        else:
            stats.errors.append("direct: incomplete reply")


async def persisted_complete(database_url: str, expected: str) -> int:
    engine = build_engine(database_url)
    try:
        async with engine.connect() as conn:
            count = await conn.scalar(
                text(
                    "SELECT count(*) FROM messages WHERE role = 'assistant'"
                    " AND status = 'complete' AND content = :expected"
                ),
                {"expected": expected},
            )
    finally:
        await engine.dispose()
    return int(count or 0)


def summary(stats: Stats) -> dict[str, Any]:
    return {
        "replies": len(stats.ttft),
        "complete": stats.complete,
        "errors": len(stats.errors),
        "ttft_p50_ms": round(percentile(stats.ttft, 50), 2),
        "ttft_p99_ms": round(percentile(stats.ttft, 99), 2),
        "gap_p50_ms": round(percentile(stats.gaps, 50), 2),
        "gap_p99_ms": round(percentile(stats.gaps, 99), 2),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if not args.postgres:
        return await _run(args, None)
    async with fresh_postgres(args.postgres, "hearth_bench") as database_url:
        return await _run(args, database_url)


async def _run(args: argparse.Namespace, database_url: str | None) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    speed = calibration_ms()
    workdir = Path(tempfile.mkdtemp(prefix="hearth-bench-"))
    database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'data' / 'hearth.db'}"
    fake_port, hearth_port = free_port(), free_port()
    expected = "".join(reply_tokens(args.tokens))
    fake, fake_url = await start_fake(fake_port, args.ttft_ms, args.tps, args.tokens)
    env = {**server_env(workdir, fake_url), "HEARTH_DATABASE_URL": database_url}
    hearth_bin = Path(sys.executable).with_name("hearth")
    serve = [str(hearth_bin), "serve", "--port", str(hearth_port), "--workers", str(args.workers)]
    if os.environ.get("BENCH_SERVE_CMD"):  # profiling hook: another way to start the server
        serve = [sys.executable, os.environ["BENCH_SERVE_CMD"], str(hearth_port)]
    if args.schema == "create_all":
        from tests.database import create_schema

        (workdir / "data").mkdir(parents=True)
        await create_schema(database_url)
        serve.append("--no-migrate")
    server = await asyncio.create_subprocess_exec(
        *serve,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(workdir / "server.log", "wb"),  # noqa: ASYNC230, SIM115
    )
    try:
        await wait_http(f"http://{HOST}:{hearth_port}/healthz")
        chats = await setup_chats(f"http://{HOST}:{hearth_port}/api/v1", args.chats)
        ramp = args.ramp_seconds
        delays = [ramp * n / max(1, args.chats) for n in range(args.chats)]

        # Warm-up, not measured: first use loads the provider SDK and opens its connections.
        await direct_chat(fake_port, 1, 0, expected, Stats())
        await hearth_chat(hearth_port, *chats[0], 1, 0, expected, Stats())

        direct = Stats()
        await asyncio.gather(
            *(direct_chat(fake_port, args.turns, d, expected, direct) for d in delays)
        )

        through = Stats()
        meter = ProcessMeter(server.pid)
        meter.start()
        started = time.perf_counter()
        await asyncio.gather(
            *(
                hearth_chat(hearth_port, token, chat_id, args.turns, d, expected, through)
                for (token, chat_id), d in zip(chats, delays, strict=True)
            )
        )
        elapsed = time.perf_counter() - started
        usage = meter.stop()
        await asyncio.sleep(0.5)
        stored = await persisted_complete(database_url, expected)
    finally:
        for process in (server, fake):
            if process.returncode is None:
                process.terminate()
                await process.wait()

    h, d = summary(through), summary(direct)
    return {
        "config": {
            "chats": args.chats,
            "turns": args.turns,
            "tokens": args.tokens,
            "fake_ttft_ms": args.ttft_ms,
            "fake_tokens_per_second": args.tps,
            "ramp_seconds": args.ramp_seconds,
            "workers": args.workers,
            "cpus": os.cpu_count(),
            "load_average": load_before,
            "calibration_ms": speed,
            "database": "postgresql" if args.postgres else "sqlite",
        },
        "hearth": h,
        "direct": d,
        "added_ttft_p50_ms": round(h["ttft_p50_ms"] - d["ttft_p50_ms"], 2),
        "added_ttft_p99_ms": round(h["ttft_p99_ms"] - d["ttft_p99_ms"], 2),
        "added_gap_p99_ms": round(h["gap_p99_ms"] - d["gap_p99_ms"], 2),
        "expected_replies": args.chats * args.turns + 1,  # + the warm-up reply
        "persisted_complete": stored,
        "server": {**usage, "seconds": round(elapsed, 1)},
        "error_samples": (through.errors + direct.errors)[:5],
        "workdir": str(workdir),
    }


def add_fake_options(parser: argparse.ArgumentParser) -> None:
    """How the fake LLM server answers: --tokens, --tps, --ttft-ms."""
    parser.add_argument("--tokens", type=int, default=60, help="tokens per reply")
    parser.add_argument("--tps", type=float, default=30.0, help="fake tokens/s per stream")
    parser.add_argument("--ttft-ms", type=float, default=200.0, help="fake time to first token")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=200, help="concurrent chats")
    parser.add_argument("--turns", type=int, default=3, help="messages sent per chat")
    add_fake_options(parser)
    parser.add_argument(
        "--ramp-seconds",
        type=float,
        default=None,
        help="spread the chats' starts over this long (default chats/100 s)",
    )
    parser.add_argument("--workers", type=int, default=1, help="hearth serve --workers")
    parser.add_argument(
        "--schema",
        choices=["migrate", "create_all"],
        default="migrate",
        help="how the server's database is made (Alembic migrations, or from the models)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="serve from a fresh database on this PostgreSQL server, not from SQLite",
    )
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    if args.ramp_seconds is None:
        args.ramp_seconds = args.chats / 100
    report = asyncio.run(run(args))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()

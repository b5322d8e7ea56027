"""Chat chaos: many clients change the same few chats at once, through a real `hearth serve`,
and the run checks that nothing broke.

    .venv/bin/python -m bench.chat_chaos --seconds 60

Each chat gets `--actors` clients that loop for `--seconds`: read the newest page, then do
one of: send (read to the end, or hang up mid-reply), send and wait for JSON, regenerate,
continue, stop, delete a message (alone or with all after it), edit, pick a swipe, hide,
rate, branch (and sometimes move on to the branch), trash and restore, re-attach (with a
random `Last-Event-ID`), export, rename. A 409 (a reply is running), a 404 (another client
deleted it) or a 422 (no such swipe) is a fine answer here. Problems are:

- a 5xx answer or a broken connection;
- once the clients stop and the replies end, a message still `streaming`, or a chat still
  locked by a generation (every send to it would be 409 for good);
- a line of level `error` in the server's log.

It prints a JSON report and exits with 1 when there was a problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from tests.database import fresh_postgres

from bench.chat_load import HOST, free_port, server_env, setup_chats, start_fake, wait_http
from hearth.core.db import build_engine

ACTIONS = (
    ["send"] * 4
    + ["send_json", "regenerate", "continue", "stop", "stop", "delete", "edit", "swipe"]
    + ["hide", "rate", "branch", "trash", "reattach", "reattach", "export", "rename"]
)


@dataclass
class Tally:
    answers: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def note(self, action: str, response: httpx.Response) -> None:
        self.answers[f"{action} {response.status_code}"] += 1
        if response.status_code >= 500:
            self.problems.append(f"{action}: {response.status_code} {response.text[:200]}")


class Actor:
    """One client working on one chat (and on the branches it moves to)."""

    def __init__(
        self, http: httpx.AsyncClient, token: str, chat_id: str, rng: random.Random, tally: Tally
    ) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}
        self.chat_id = chat_id
        self.rng = rng
        self.tally = tally

    async def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            action = self.rng.choice(ACTIONS)
            try:
                await self.step(action)
            except httpx.HTTPError as exc:
                self.tally.problems.append(f"{action}: {exc!r}")

    async def step(self, action: str) -> None:
        base = f"/chats/{self.chat_id}"
        page = await self.http.get(f"{base}/messages", params={"limit": 20}, headers=self.headers)
        self.tally.note("page", page)
        items = page.json()["items"] if page.status_code == 200 else []
        if not items:
            return
        latest, some = items[0], self.rng.choice(items)
        one = f"{base}/messages/{some['id']}"
        if action == "send":
            await self.stream(action, "POST", f"{base}/messages", {"content": "Hello"})
        elif action == "send_json":
            headers = {**self.headers, "Accept": "application/json"}
            answer = await self.http.post(
                f"{base}/messages", json={"content": "Hi"}, headers=headers
            )
            self.tally.note(action, answer)
        elif action in ("regenerate", "continue"):
            await self.stream(action, "POST", f"{base}/messages/{latest['id']}/{action}")
        elif action == "stop":
            answer = await self.http.post(
                f"{base}/messages/{latest['id']}/stop", headers=self.headers
            )
            self.tally.note(action, answer)
        elif action == "delete":
            cascade = self.rng.choice(["true", "false"])
            answer = await self.http.delete(f"{one}?cascade={cascade}", headers=self.headers)
            self.tally.note(action, answer)
        elif action in ("edit", "hide", "rate"):
            changes: dict[str, dict[str, Any]] = {
                "edit": {"content": "Edited"},
                "hide": {"hidden": self.rng.random() < 0.5},
                "rate": {"rating": self.rng.randint(1, 4)},
            }
            answer = await self.http.patch(one, json=changes[action], headers=self.headers)
            self.tally.note(action, answer)
        elif action == "swipe":
            index = {"index": self.rng.randint(0, 3)}
            answer = await self.http.put(f"{one}/swipe", json=index, headers=self.headers)
            self.tally.note(action, answer)
        elif action == "branch":
            answer = await self.http.post(
                f"{base}/branch", json={"message_id": some["id"]}, headers=self.headers
            )
            self.tally.note(action, answer)
            if answer.status_code == 201 and self.rng.random() < 0.3:
                self.chat_id = answer.json()["id"]
        elif action == "trash":
            self.tally.note(action, await self.http.delete(base, headers=self.headers))
            await asyncio.sleep(self.rng.random() * 0.3)
            self.tally.note(
                "restore", await self.http.post(f"{base}/restore", headers=self.headers)
            )
        elif action == "reattach":
            headers = dict(self.headers)
            if self.rng.random() < 0.5:
                headers["Last-Event-ID"] = str(self.rng.randint(0, 20))
            await self.stream(action, "GET", f"{one}/stream", headers=headers)
        elif action == "export":
            fmt = self.rng.choice(["jsonl", "md"])
            answer = await self.http.get(f"{base}/export?format={fmt}", headers=self.headers)
            self.tally.note(action, answer)
        elif action == "rename":
            title = {"title": f"Chat {self.rng.randint(0, 999)}", "pinned": self.rng.random() < 0.5}
            self.tally.note(action, await self.http.patch(base, json=title, headers=self.headers))

    async def stream(
        self,
        action: str,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Read an SSE answer to its end, or (one time in three) hang up part-way."""
        hang_up_after = self.rng.randint(1, 30) if self.rng.random() < 1 / 3 else None
        async with self.http.stream(
            method, url, json=body, headers=headers or self.headers
        ) as answer:
            if answer.status_code != 200:
                await answer.aread()
            self.tally.note(action, answer)
            if answer.status_code != 200:
                return
            lines = 0
            async for _line in answer.aiter_lines():
                lines += 1
                if hang_up_after is not None and lines >= hang_up_after:
                    return


async def exercise(
    http: httpx.AsyncClient,
    chats: Sequence[tuple[str, str]],
    *,
    actors: int,
    seconds: float,
    seed: int,
) -> Tally:
    """Run `actors` clients on each of `chats` (access token, chat id) for `seconds`."""
    tally = Tally()
    master = random.Random(seed)
    deadline = time.monotonic() + seconds
    clients = [
        Actor(http, token, chat_id, random.Random(master.random()), tally)
        for token, chat_id in chats
        for _ in range(actors)
    ]
    await asyncio.gather(*(client.run(deadline) for client in clients))
    return tally


LEFTOVERS = {
    "streaming_messages": "SELECT count(*) FROM messages WHERE status = 'streaming'",
    "locked_chats": "SELECT count(*) FROM chats WHERE active_message_id IS NOT NULL",
}


async def leftovers(database_url: str, settle_seconds: float = 15) -> dict[str, int]:
    """Replies still running and chats still locked, once the running replies had time
    to end."""
    engine = build_engine(database_url)
    try:
        deadline = time.monotonic() + settle_seconds
        while True:
            async with engine.connect() as conn:
                found = {
                    name: int(await conn.scalar(text(sql)) or 0) for name, sql in LEFTOVERS.items()
                }
            if not any(found.values()) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if not args.postgres:
        return await _run(args, None)
    async with fresh_postgres(args.postgres, "hearth_chaos") as database_url:
        return await _run(args, database_url)


async def _run(args: argparse.Namespace, database_url: str | None) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="hearth-chaos-"))
    database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'data' / 'hearth.db'}"
    fake, fake_url = await start_fake(free_port(), ttft_ms=50, tps=100, tokens=30)
    port = free_port()
    env = {
        **server_env(workdir, fake_url),
        "HEARTH_DATABASE_URL": database_url,
        "HEARTH_LOG_LEVEL": "INFO",
    }
    hearth_bin = Path(sys.executable).with_name("hearth")
    log_path = workdir / "server.log"
    server = await asyncio.create_subprocess_exec(
        *[str(hearth_bin), "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(log_path, "wb"),  # noqa: ASYNC230, SIM115
    )
    try:
        await wait_http(f"http://{HOST}:{port}/healthz")
        base = f"http://{HOST}:{port}/api/v1"
        chats = await setup_chats(base, args.chats)
        limits = httpx.Limits(max_connections=args.chats * args.actors + 10)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            tally = await exercise(
                http, chats, actors=args.actors, seconds=args.seconds, seed=args.seed
            )
        left = await leftovers(database_url)
    finally:
        for process in (server, fake):
            if process.returncode is None:
                process.terminate()
                await process.wait()
    errors = [
        line
        for line in log_path.read_text(errors="replace").splitlines()
        if '"level": "error"' in line
    ]
    return {
        "config": {
            "chats": args.chats,
            "actors_per_chat": args.actors,
            "seconds": args.seconds,
            "seed": args.seed,
            "workers": args.workers,
            "database": "postgresql" if args.postgres else "sqlite",
        },
        "answers": dict(sorted(tally.answers.items())),
        "problems": tally.problems[:20],
        "leftovers": left,
        "server_errors": [line[:500] for line in errors[:10]],
        "workdir": str(workdir),
    }


def failed(report: dict[str, Any]) -> bool:
    return bool(report["problems"] or any(report["leftovers"].values()) or report["server_errors"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=8, help="chats worked on together")
    parser.add_argument("--actors", type=int, default=3, help="clients per chat")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long they work")
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' choices")
    parser.add_argument("--workers", type=int, default=1, help="hearth serve --workers")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="serve from a fresh database on this PostgreSQL server, not from SQLite",
    )
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print(json.dumps(report, indent=2))
    sys.exit(1 if failed(report) else 0)


if __name__ == "__main__":
    main()

"""Chat chaos: many clients change the same few chats at once, through a real `hearth serve`,
and the run checks that nothing broke.

    .venv/bin/python -m bench.chat_chaos --seconds 60

Each chat gets `--actors` clients that loop for `--seconds`: read the newest page, then do
one of: send (read to the end, or hang up mid-reply), send and wait for JSON, regenerate,
continue, stop, delete a message (alone or with all after it), edit, pick a swipe, hide,
rate, re-attach (with a random `Last-Event-ID`), inspect a prompt, impersonate; branch (and
sometimes move on to the branch), trash and restore, export, rename, set the author's note,
the persona or the model, search, import; add or delete a persona, edit the character (as
its owner), like it, read the day's usage. A 409 (a reply is running), a 404 (another client
deleted it), a 422 (no such swipe or persona) or a 429 (imports) is a fine answer here.
Problems are:

- a 5xx answer, a broken connection, or a step not over after `STEP_SECONDS`;
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

# How often each is picked: the chat's own messages most, what is around the chat less.
ACTIONS = (
    ["send"] * 4
    + ["send_json", "regenerate", "continue", "stop", "stop", "delete", "edit", "swipe"]
    + ["hide", "rate", "branch", "trash", "reattach", "reattach", "export", "rename"]
    + ["impersonate", "author_note", "prompt", "settings", "persona", "character", "like"]
    + ["search", "usage", "import"]
)
# A reply takes 0.35 s here; a step still going after this has hung (an SSE stream whose
# reply never ends stays open for good: heartbeats keep it alive).
STEP_SECONDS = 30
TAGS = ("cozy", "mystery", "space", "tea", "rain")
IMPORTED_CHAT = (
    b'{"user_name":"You","character_name":"Bench","create_date":"2026-12-07 @06h00m"}\n'
    b'{"name":"Bench","is_user":false,"mes":"Hello.","send_date":"2026-12-07 @06h00m"}\n'
    b'{"name":"You","is_user":true,"mes":"Hi!","send_date":"2026-12-07 @06h01m"}\n'
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
    """One client working on one chat (and on the branches it moves to), and on what its
    chat uses: the account's personas, the character (its owner's), the model."""

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
                async with asyncio.timeout(STEP_SECONDS):
                    await self.step(action)
            except httpx.HTTPError as exc:
                self.tally.problems.append(f"{action}: {exc!r}")
            except TimeoutError:
                self.tally.problems.append(f"{action}: not over after {STEP_SECONDS} s")

    async def step(self, action: str) -> None:
        self.base = f"/chats/{self.chat_id}"
        page = await self.http.get(
            f"{self.base}/messages", params={"limit": 20}, headers=self.headers
        )
        self.tally.note("page", page)
        items = page.json()["items"] if page.status_code == 200 else []
        if not items:  # every message was deleted: start the chat again
            await self.do_send("send")
            return
        self.latest, self.some = items[0], self.rng.choice(items)
        self.one = f"{self.base}/messages/{self.some['id']}"
        await getattr(self, f"do_{action}")(action)

    async def call(self, action: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        answer = await self.http.request(method, url, headers=self.headers, **kwargs)
        self.tally.note(action, answer)
        return answer

    # -- the chat's messages ---------------------------------------------------------------

    async def do_send(self, action: str) -> None:
        await self.stream(action, "POST", f"{self.base}/messages", {"content": "Hello"})

    async def do_send_json(self, action: str) -> None:
        answer = await self.http.post(
            f"{self.base}/messages",
            json={"content": "Hi"},
            headers={**self.headers, "Accept": "application/json"},
        )
        self.tally.note(action, answer)

    async def do_regenerate(self, action: str) -> None:
        await self.stream(action, "POST", f"{self.base}/messages/{self.latest['id']}/{action}")

    do_continue = do_regenerate

    async def do_stop(self, action: str) -> None:
        await self.call(action, "POST", f"{self.base}/messages/{self.latest['id']}/stop")

    async def do_delete(self, action: str) -> None:
        cascade = self.rng.choice(["true", "false"])
        await self.call(action, "DELETE", f"{self.one}?cascade={cascade}")

    async def do_edit(self, action: str) -> None:
        await self.call(action, "PATCH", self.one, json={"content": "Edited"})

    async def do_hide(self, action: str) -> None:
        await self.call(action, "PATCH", self.one, json={"hidden": self.rng.random() < 0.5})

    async def do_rate(self, action: str) -> None:
        await self.call(action, "PATCH", self.one, json={"rating": self.rng.randint(1, 4)})

    async def do_swipe(self, action: str) -> None:
        await self.call(action, "PUT", f"{self.one}/swipe", json={"index": self.rng.randint(0, 3)})

    async def do_reattach(self, action: str) -> None:
        headers = dict(self.headers)
        if self.rng.random() < 0.5:
            headers["Last-Event-ID"] = str(self.rng.randint(0, 20))
        await self.stream(action, "GET", f"{self.one}/stream", headers=headers)

    async def do_prompt(self, action: str) -> None:
        await self.call(action, "GET", f"{self.one}/prompt")

    async def do_impersonate(self, action: str) -> None:
        await self.call(action, "POST", f"{self.base}/impersonate")

    # -- the chat --------------------------------------------------------------------------

    async def do_branch(self, action: str) -> None:
        answer = await self.call(
            action, "POST", f"{self.base}/branch", json={"message_id": self.some["id"]}
        )
        if answer.status_code == 201 and self.rng.random() < 0.3:
            self.chat_id = answer.json()["id"]

    async def do_trash(self, action: str) -> None:
        await self.call(action, "DELETE", self.base)
        await asyncio.sleep(self.rng.random() * 0.3)
        await self.call("restore", "POST", f"{self.base}/restore")

    async def do_export(self, action: str) -> None:
        await self.call(
            action, "GET", f"{self.base}/export?format={self.rng.choice(['jsonl', 'md'])}"
        )

    async def do_rename(self, action: str) -> None:
        title = {"title": f"Chat {self.rng.randint(0, 999)}", "pinned": self.rng.random() < 0.5}
        await self.call(action, "PATCH", self.base, json=title)

    async def do_author_note(self, action: str) -> None:
        note = {"text": "Mind the rain.", "depth": self.rng.randint(0, 6), "frequency": 1}
        await self.call(action, "PUT", f"{self.base}/author-note", json=note)

    async def do_settings(self, action: str) -> None:
        """Another persona (or none) and model for the chat, perhaps as one is deleted."""
        personas = await self.call("personas", "GET", "/me/personas")
        ids = [p["id"] for p in personas.json()] if personas.status_code == 200 else []
        models = await self.call("models", "GET", "/models")
        names = [m["id"] for m in models.json()] if models.status_code == 200 else []
        change = {
            "persona_id": self.rng.choice([*ids, None]),
            "model": self.rng.choice([*names, None]),
        }
        await self.call(action, "PATCH", self.base, json=change)

    async def do_search(self, action: str) -> None:
        await self.call(action, "GET", "/chats", params={"q": "Hello", "limit": 10})

    async def do_import(self, action: str) -> None:
        character_id = await self.character_id()
        if character_id is None:
            return
        files = {"file": ("chat.jsonl", IMPORTED_CHAT, "application/x-ndjson")}
        form = {"character_id": character_id}
        answer = await self.call(action, "POST", "/chats/import", files=files, data=form)
        if answer.status_code == 201 and self.rng.random() < 0.3:
            self.chat_id = answer.json()["id"]

    # -- what the chat uses ----------------------------------------------------------------

    async def do_persona(self, action: str) -> None:
        """Add one (sometimes as the default), or delete one that a chat may be using."""
        listed = await self.call("personas", "GET", "/me/personas")
        personas = listed.json() if listed.status_code == 200 else []
        if personas and (len(personas) > 3 or self.rng.random() < 0.4):
            gone = self.rng.choice(personas)["id"]
            await self.call(f"{action} delete", "DELETE", f"/me/personas/{gone}")
        else:
            body = {"name": f"Traveller {self.rng.randint(0, 99)}"}
            body["is_default"] = self.rng.random() < 0.5
            await self.call(f"{action} add", "POST", "/me/personas", json=body)

    async def do_character(self, action: str) -> None:
        """Its owner changes the chat's character (tags too) while replies use it."""
        character_id = await self.character_id()
        if character_id is None:
            return
        change = {
            "description": f"A benchmark character, take {self.rng.randint(0, 999)}.",
            "tags": self.rng.sample(TAGS, self.rng.randint(0, 3)),
        }
        await self.call(action, "PATCH", f"/characters/{character_id}", json=change)

    async def do_like(self, action: str) -> None:
        character_id = await self.character_id()
        if character_id is not None:
            method = self.rng.choice(["POST", "DELETE"])
            await self.call(f"{action} {method}", method, f"/characters/{character_id}/like")

    async def do_usage(self, action: str) -> None:
        await self.call(action, "GET", "/me/usage")

    async def character_id(self) -> str | None:
        chat = await self.call("chat", "GET", self.base)
        return chat.json()["character_id"] if chat.status_code == 200 else None

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

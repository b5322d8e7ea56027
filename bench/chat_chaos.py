"""Chat chaos: many clients change the same few chats at once, through a real `hearth serve`,
and the run checks that nothing broke.

    .venv/bin/python -m bench.chat_chaos --seconds 60

Each chat gets `--actors` clients that loop for `--seconds`: read the newest page, then do
one of: send (read to the end, or hang up mid-reply), send and wait for JSON, regenerate,
continue, stop, delete a message (alone or with all after it), edit, pick a swipe, hide,
rate, re-attach (with a random `Last-Event-ID`), inspect a prompt, impersonate; branch (and
sometimes move on to the branch), trash and restore (or delete for good, on a chat of its
own), export, rename, set the author's note, the persona or the model, search, import; add
or delete a persona, edit the character (as its owner), like it, report a message or the
character, read the day's usage. Beside them
an operator (an admin) blocks and unblocks the accounts (two chats each) and the character,
moves accounts between plans, changes balances, resolves and dismisses the reports, adds
and removes moderation rules on words the clients write, and reads the console's pages; a
client whose sessions a block ended signs in again. A 409 (a reply is running), a 404
(another client deleted it), a 422 (no such swipe or persona, a blocked word), a 401 or 403
(blocked) or a 429 (imports) is a fine answer here.
Problems are:

- a 5xx answer, a broken connection, or a step not over after `STEP_SECONDS`;
- once the clients stop and the replies end, a message still `streaming`, or a chat still
  locked by a generation (every send to it would be 409 for good);
- a line of level `error` in the server's log.

With `--redis-outage` the server uses a Redis of the probe's own, which it stalls, stops and
starts again empty part-way through; with `--cut-connections` (PostgreSQL) every server
connection to the database is ended three times. A 503 is then a fine answer too; with
`--provider-faults SHARE` that share of the fake LLM's replies fail, and a 502 is fine; with
`--kill-worker` one worker is killed half-way through, and cut connections are fine.

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
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from tests.database import fresh_postgres

from bench.chat_load import (
    HOST,
    PASSWORD,
    free_port,
    server_env,
    setup_chats,
    start_fake,
    wait_http,
)
from bench.faults import FailingRedis, cut_database_connections, kill_a_worker
from hearth.core.db import build_engine

# How often each is picked: the chat's own messages most, what is around the chat less.
ACTIONS = (
    ["send"] * 4
    + ["send_json", "regenerate", "continue", "stop", "stop", "delete", "edit", "swipe"]
    + ["hide", "rate", "branch", "trash", "reattach", "reattach", "export", "rename"]
    + ["impersonate", "author_note", "prompt", "settings", "persona", "character", "like"]
    + ["search", "usage", "import", "report"]
)
# What the operator (an admin, working alongside) does, each as often.
OPERATOR_ACTIONS = (
    "block_user",
    "block_character",
    "plan",
    "deposit",
    "resolve_report",
    "rule",
    "stats",
    "users",
    "user",
    "admin_chat",
    "audit",
    "admin_characters",
)
ADMIN = {"email": "chaos-admin@example.com", "username": "chaosadmin", "password": PASSWORD}
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
    # 5xx answers that are fine in this run: 503 while a service is out, 502 while the
    # provider fails.
    fine: frozenset[int] = frozenset()
    cuts_fine: bool = False  # and a connection cut (a worker was killed)

    def note(self, action: str, response: httpx.Response) -> None:
        self.answers[f"{action} {response.status_code}"] += 1
        if response.status_code >= 500 and response.status_code not in self.fine:
            self.problems.append(f"{action}: {response.status_code} {response.text[:200]}")

    def broken(self, action: str, exc: httpx.HTTPError) -> None:
        if self.cuts_fine and isinstance(exc, httpx.TransportError):
            self.answers[f"{action} cut"] += 1
            return
        self.problems.append(f"{action}: {exc!r}")


class Actor:
    """One client working on one chat (and on the branches it moves to), and on what its
    chat uses: the account's personas, the character (its owner's), the model."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: str,
        chat_id: str,
        rng: random.Random,
        tally: Tally,
        password: str = PASSWORD,
    ) -> None:
        self.http = http
        self.password = password
        self.headers = {"Authorization": f"Bearer {token}"}
        self.chat_id = self.home = chat_id
        self.rng = rng
        self.tally = tally

    async def run(self, deadline: float) -> None:
        self.username = (await self.http.get("/me", headers=self.headers)).json()["username"]
        while time.monotonic() < deadline:
            action = self.rng.choice(ACTIONS)
            try:
                async with asyncio.timeout(STEP_SECONDS):
                    await self.step(action)
            except httpx.HTTPError as exc:
                self.tally.broken(action, exc)
            except TimeoutError:
                self.tally.problems.append(f"{action}: not over after {STEP_SECONDS} s")

    async def step(self, action: str) -> None:
        self.base = f"/chats/{self.chat_id}"
        page = await self.http.get(
            f"{self.base}/messages", params={"limit": 20}, headers=self.headers
        )
        self.tally.note("page", page)
        if page.status_code == 401:  # the operator blocked the account: its sessions ended
            await self.sign_in_again()
            return
        if page.status_code == 403:  # still blocked
            await asyncio.sleep(0.2)
            return
        items = page.json()["items"] if page.status_code == 200 else []
        if not items:  # every message was deleted: start the chat again
            await self.do_send("send")
            return
        self.latest, self.some = items[0], self.rng.choice(items)
        self.one = f"{self.base}/messages/{self.some['id']}"
        await getattr(self, f"do_{action}")(action)

    async def sign_in_again(self) -> None:
        """Refused (403) while the account is still blocked."""
        body = {"login": self.username, "password": self.password}
        answer = await self.call("login", "POST", "/auth/login", json=body)
        if answer.status_code == 200:
            self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

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
        if self.chat_id != self.home and self.rng.random() < 0.5:
            # A chat of this client's own (a branch or an import): deleted for good, maybe
            # while a reply it hung up on is still being written there.
            await self.call("delete_forever", "DELETE", self.base, params={"permanent": "true"})
            self.chat_id = self.home
            return
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

    async def do_report(self, action: str) -> None:
        """A message of the chat, or its character, for the operator to resolve."""
        if self.rng.random() < 0.5:
            target = {"target_type": "message", "target_id": self.some["id"]}
        else:
            character_id = await self.character_id()
            if character_id is None:
                return
            target = {"target_type": "character", "target_id": character_id}
        await self.call(action, "POST", "/reports", json={**target, "reason": "other"})

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


class Operator(Actor):
    """An admin at work while the chats go on: blocks and unblocks the accounts and the
    character, changes plans and balances, resolves reports, adds and removes moderation
    rules, and reads the console's pages."""

    def __init__(self, http: httpx.AsyncClient, token: str, rng: random.Random, tally: Tally):
        super().__init__(http, token, "", rng, tally)

    async def run(self, deadline: float) -> None:
        users = await self.call("users", "GET", "/admin/users", params={"limit": 100})
        self.user_ids = [user["id"] for user in users.json()["items"] if not user["is_admin"]]
        characters = await self.call("admin_characters", "GET", "/admin/characters")
        self.character_ids = [item["id"] for item in characters.json()["items"]]
        plan = {"name": "Prepaid", "requires_balance": True, "daily_units": 1_000_000_000}
        self.plan_id = (await self.call("plans", "POST", "/admin/plans", json=plan)).json()["id"]
        while time.monotonic() < deadline:
            action = self.rng.choice(OPERATOR_ACTIONS)
            try:
                async with asyncio.timeout(STEP_SECONDS):
                    await getattr(self, f"do_{action}")(action)
            except httpx.HTTPError as exc:
                self.tally.broken(action, exc)
            except TimeoutError:
                self.tally.problems.append(f"{action}: not over after {STEP_SECONDS} s")
            await asyncio.sleep(self.rng.random() * 0.5)
        for user_id in self.user_ids:  # what the checks after the run read needs no account
            await self.call("unblock_user", "POST", f"/admin/users/{user_id}/unblock")

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.random() * 1.5)

    async def do_block_user(self, action: str) -> None:
        url = f"/admin/users/{self.rng.choice(self.user_ids)}"
        await self.call(action, "POST", f"{url}/block", json={"reason": "chaos"})
        await self.pause()
        await self.call("unblock_user", "POST", f"{url}/unblock")

    async def do_block_character(self, action: str) -> None:
        url = f"/admin/characters/{self.rng.choice(self.character_ids)}"
        await self.call(action, "POST", f"{url}/block", json={"reason": "chaos"})
        await self.pause()
        await self.call("unblock_character", "POST", f"{url}/unblock")

    async def do_plan(self, action: str) -> None:
        """Prepaid (sends refused until there is money) or back to the default plan."""
        plan_id = self.rng.choice([self.plan_id, None])
        user_id = self.rng.choice(self.user_ids)
        await self.call(action, "PUT", f"/admin/users/{user_id}/plan", json={"plan_id": plan_id})

    async def do_deposit(self, action: str) -> None:
        amount = self.rng.choice([1_000_000, -1_000_000, 50])
        user_id = self.rng.choice(self.user_ids)
        await self.call(action, "POST", f"/admin/users/{user_id}/deposit", json={"amount": amount})

    async def do_resolve_report(self, action: str) -> None:
        listed = await self.call("reports", "GET", "/admin/reports", params={"status": "open"})
        reports = listed.json()["items"] if listed.status_code == 200 else []
        if not reports:
            return
        url = f"/admin/reports/{self.rng.choice(reports)['id']}"
        if self.rng.random() < 0.5:
            await self.call("dismiss_report", "POST", f"{url}/dismiss", json={})
            return
        blocks = {"block_character": self.rng.random() < 0.2, "block_user": False}
        await self.call(action, "POST", f"{url}/resolve", json={"note": "seen", **blocks})
        if blocks["block_character"]:
            await self.pause()
            for character_id in self.character_ids:
                await self.call(
                    "unblock_character", "POST", f"/admin/characters/{character_id}/unblock"
                )

    async def do_rule(self, action: str) -> None:
        """A word of the chats' messages blocked for a while."""
        rule = {"pattern": self.rng.choice(["Edited", "Hello", "rain"]), "scope": "messages"}
        added = await self.call(action, "POST", "/admin/moderation/rules", json=rule)
        await self.pause()
        if added.status_code == 201:
            await self.call(
                "rule_delete", "DELETE", f"/admin/moderation/rules/{added.json()['id']}"
            )

    async def do_stats(self, action: str) -> None:
        await self.call(action, "GET", "/admin/stats")

    async def do_users(self, action: str) -> None:
        await self.call(action, "GET", "/admin/users", params={"q": "bench", "limit": 50})

    async def do_user(self, action: str) -> None:
        user_id = self.rng.choice(self.user_ids)
        await self.call(action, "GET", f"/admin/users/{user_id}")
        chats = await self.call("user_chats", "GET", f"/admin/users/{user_id}/chats")
        items = chats.json()["items"] if chats.status_code == 200 else []
        if items:
            self.chat_ids = [item["id"] for item in items]

    async def do_admin_chat(self, action: str) -> None:
        if getattr(self, "chat_ids", None):
            await self.call(action, "GET", f"/admin/chats/{self.rng.choice(self.chat_ids)}")

    async def do_audit(self, action: str) -> None:
        await self.call(action, "GET", "/admin/audit", params={"limit": 50})

    async def do_admin_characters(self, action: str) -> None:
        await self.call(action, "GET", "/admin/characters", params={"q": "Bench"})


async def exercise(
    http: httpx.AsyncClient,
    chats: Sequence[tuple[str, str]],
    *,
    actors: int,
    seconds: float,
    seed: int,
    admin_token: str | None = None,
    password: str = PASSWORD,
    fine: frozenset[int] = frozenset(),
    cuts_fine: bool = False,
) -> Tally:
    """Run `actors` clients on each of `chats` (access token, chat id) for `seconds`, and
    an operator beside them when an admin's token is given (accounts signed up with
    `password`, for signing in again after a block)."""
    tally = Tally(fine=fine, cuts_fine=cuts_fine)
    master = random.Random(seed)
    deadline = time.monotonic() + seconds
    clients = [
        Actor(http, token, chat_id, random.Random(master.random()), tally, password)
        for token, chat_id in chats
        for _ in range(actors)
    ]
    if admin_token is not None:
        clients.append(Operator(http, admin_token, random.Random(master.random()), tally))
    await asyncio.gather(*(client.run(deadline) for client in clients))
    return tally


async def sign_up_admin(http: httpx.AsyncClient) -> str:
    """The server makes this address an admin (HEARTH_ADMIN_EMAILS)."""
    (await http.post("/auth/register", json=ADMIN)).raise_for_status()
    login = await http.post(
        "/auth/login", json={"login": ADMIN["username"], "password": ADMIN["password"]}
    )
    login.raise_for_status()
    return str(login.json()["access_token"])


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
    fake, fake_url = await start_fake(
        free_port(), ttft_ms=50, tps=100, tokens=30, faults=args.provider_faults
    )
    port = free_port()
    env = {
        **server_env(workdir, fake_url),
        "HEARTH_DATABASE_URL": database_url,
        "HEARTH_LOG_LEVEL": "INFO",
        "HEARTH_ADMIN_EMAILS": ADMIN["email"],
    }
    redis = FailingRedis() if args.redis_outage else None
    if redis is not None:
        await redis.start()
        env["HEARTH_REDIS_URL"] = redis.url
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
        # Two chats per account: the operator's blocks stop some clients, not all.
        chats = await setup_chats(base, args.chats, per_user=2)
        limits = httpx.Limits(max_connections=args.chats * args.actors + 10)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            admin_token = await sign_up_admin(http)
            work = exercise(
                http,
                chats,
                actors=args.actors,
                seconds=args.seconds,
                seed=args.seed,
                admin_token=admin_token,
                fine=frozenset(
                    ([503] if redis is not None or args.cut_connections else [])
                    + ([502] if args.provider_faults else [])
                ),
                cuts_fine=args.kill_worker,
            )
            troubles: dict[str, Awaitable[Any]] = {}
            if redis is not None:
                troubles["redis"] = redis.fail(after=args.seconds / 3)
            if args.cut_connections:
                troubles["cuts"] = cut_database_connections(database_url, 3, args.seconds)
            if args.kill_worker:
                troubles["kill"] = kill_a_worker(server.pid, after=args.seconds / 2)
            tally, *outcomes = await asyncio.gather(work, *troubles.values())
            cuts = dict(zip(troubles, outcomes, strict=True)).get("cuts")
        # A killed worker's replies wait for its heartbeat to lapse, then for two sweeps.
        left = await leftovers(database_url, settle_seconds=45 if args.kill_worker else 15)
    finally:
        for process in (server, fake):
            if process.returncode is None:
                process.terminate()
                await process.wait()
        if redis is not None:
            await redis.stop()
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
            "redis_outage": redis.timeline if redis is not None else None,
            "connections_cut": cuts,
            "provider_faults": args.provider_faults,
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
    parser.add_argument(
        "--redis-outage",
        action="store_true",
        help="serve with a Redis of the probe's own, which stops answering for 6 s a third of "
        "the way through, then is down for 3 s and comes back empty (503s are then fine)",
    )
    parser.add_argument(
        "--cut-connections",
        action="store_true",
        help="with --postgres: end every server connection to the database three times during "
        "the run, as a restart or failover would (503s are then fine)",
    )
    parser.add_argument(
        "--provider-faults",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="this share of the fake LLM's replies fail: refused (500, 503, 429), cut off or "
        "ended by an error part-way (502s are then fine)",
    )
    parser.add_argument(
        "--kill-worker",
        action="store_true",
        help="with --workers 2 or more: kill -9 one worker half-way through (cut connections "
        "are then fine; its replies must end up interrupted, not streaming)",
    )
    args = parser.parse_args()
    if args.kill_worker and args.workers < 2:
        parser.error("--kill-worker needs --workers 2 or more")
    if args.cut_connections and not args.postgres:
        parser.error("--cut-connections needs --postgres")
    report = asyncio.run(run(args))
    print(json.dumps(report, indent=2))
    sys.exit(1 if failed(report) else 0)


if __name__ == "__main__":
    main()

"""A process killed mid-reply: after a restart the partial text is kept as `interrupted`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.faults import worker_pids
from sqlalchemy import TextClause, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hearth.core.db import build_engine
from tests.chats.conftest import free_port
from tests.chats.helpers import create_character, new_chat, open_send, parse_sse
from tests.database import create_schema, fresh_database
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

TOKENS = [f"t{n} " for n in range(80)]


class Server:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.database_url = env["HEARTH_DATABASE_URL"]
        self.process: asyncio.subprocess.Process | None = None
        self.workers = 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        hearth = Path(sys.executable).with_name("hearth")
        self.process = await asyncio.create_subprocess_exec(
            str(hearth),
            "serve",
            "--port",
            str(self.port),
            "--no-migrate",
            "--workers",
            str(self.workers),
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                try:
                    if (await http.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("hearth serve did not start")

    async def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)  # no shutdown hook runs: as in a crash
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                async with asyncio.timeout(10):
                    await self.process.wait()
            except TimeoutError:
                await self.kill()


@pytest.fixture
async def server(tmp_path: Path, database_url: str, fake_llm: FakeOpenAI) -> AsyncIterator[Server]:
    """`hearth serve` on a database of its own. The app that every chat test runs in-process
    sweeps the shared one, and takes workers of another data folder for dead: its periodic
    sweep would recover this server's replies itself."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    async with fresh_database(backend, tmp_path) as url:
        await create_schema(url)
        env = {
            **os.environ,
            "HEARTH_DATA_DIR": str(tmp_path / "data"),
            "HEARTH_DATABASE_URL": url,
            "HEARTH_SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
            "HEARTH_ENVIRONMENT": "test",
            "HEARTH_LOCAL_LLM_BASE_URL": fake_llm.base_url,
            "HEARTH_LOCAL_LLM_MODEL": "fake-model",
            "HEARTH_DEFAULT_MODEL": "local/fake-model",
        }
        process = Server(env, free_port())
        yield process
        await process.stop()


@pytest.mark.slow
async def test_kill_during_a_slow_stream_leaves_the_partial_text_interrupted(
    server: Server, fake_llm: FakeOpenAI
) -> None:
    await server.start()
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as http:
        me = await create_account(http)
        chat = await new_chat(http, me)
        fake_llm.script(Reply(tokens=TOKENS, delay=0.1))

        async with await open_send(http, me.headers, chat["id"], "Tell me") as response:
            events = response.aiter_lines()
            seen = await read_text(events, until=len("".join(TOKENS[:15])))
            await asyncio.sleep(1.2)  # more than one flush interval after what we saw
            await server.kill()

    await server.start()  # start-up recovery runs here
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as http:
        listed = await http.get(f"/chats/{chat['id']}/messages", headers=me.headers)
        reply = listed.json()["items"][0]
        assert reply["role"] == "assistant"
        assert reply["status"] == "interrupted"
        assert reply["error"]["code"] == "generation_interrupted"
        assert reply["content"].startswith(seen)
        assert "".join(TOKENS).startswith(reply["content"])
        assert reply["content"] != "".join(TOKENS)
        # The chat is not left locked: the conversation goes on.
        fake_llm.script(Reply(tokens=["Back."]))
        again = await http.post(
            f"/chats/{chat['id']}/messages",
            json={"content": "Still there?"},
            headers={**me.headers, "Accept": "application/json"},
        )
        assert again.status_code == 200, again.text
        assert again.json()["assistant_message"]["content"] == "Back."


@pytest.mark.slow
async def test_kill_during_a_long_import_leaves_no_chat_after_restart(server: Server) -> None:
    lines = [{"user_name": "You", "character_name": "Aria"}]
    lines += [{"name": "You", "is_user": n % 2 == 0, "mes": f"line {n}"} for n in range(60_000)]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    await server.start()
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=60) as http:
        me = await create_account(http)
        character = await create_character(http, me)
        importing = asyncio.create_task(
            http.post(
                "/chats/import",
                data={"character_id": character["id"]},
                files={"file": ("chat.jsonl", body, "application/jsonl")},
                headers=me.headers,
            )
        )
        mine = {"user_id": uuid.UUID(me.user["id"])}
        engine = build_engine(server.database_url)
        try:
            async with engine.connect() as connection:
                while not await _scalar(connection, _IMPORTED_SO_FAR, mine):
                    assert not importing.done(), "the import ended before a batch was seen"
                    await asyncio.sleep(0.005)
            await server.kill()
            with pytest.raises(httpx.TransportError):
                await importing

            await server.start()  # start-up recovery runs here
            async with engine.connect() as connection:
                chats_left = await _scalar(connection, _CHATS_OF, mine)
        finally:
            await engine.dispose()
        listed = await http.get("/chats", headers=me.headers)
        trashed = await http.get("/chats", params={"trashed": True}, headers=me.headers)

    assert chats_left == 0  # its messages went with it (cascade)
    assert listed.json()["items"] == trashed.json()["items"] == []


_USER = bindparam("user_id", type_=Uuid)
_CHATS_OF = text("SELECT count(*) FROM chats WHERE user_id = :user_id").bindparams(_USER)
_IMPORTED_SO_FAR = text(
    "SELECT count(*) FROM messages JOIN chats ON chats.id = messages.chat_id"
    " WHERE chats.user_id = :user_id AND chats.import_worker_id IS NOT NULL"
).bindparams(_USER)


async def _scalar(connection: AsyncConnection, query: TextClause, parameters: Any) -> Any:
    result = await connection.execute(query, parameters)
    value = result.scalar()
    await connection.rollback()  # a fresh snapshot for the next look
    return value


async def read_text(lines: AsyncIterator[str], until: int | None = None) -> str:
    """The deltas' text of an SSE stream: to its end, or once `until` characters came."""
    seen = ""
    block: list[str] = []
    async for line in lines:
        if line:
            block.append(line)
            continue
        for event in parse_sse("\n".join(block) + "\n\n"):
            if event.event == "delta":
                seen += event.data["text"]
        block = []
        if until is not None and len(seen) >= until:
            break
    return seen


def lock_holders(folder: Path) -> dict[int, int]:
    """inode of each worker lock file -> the pid holding its flock (from /proc/locks)."""
    inodes = {path.stat().st_ino for path in folder.glob("*.lock")}
    held = {}
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1] == "FLOCK" and int(fields[5].rsplit(":", 1)[1]) in inodes:
            held[int(fields[5].rsplit(":", 1)[1])] = int(fields[4])
    return held


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
async def test_a_restarted_worker_leaves_its_siblings_reply_streaming(
    server: Server, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    """`--workers 2` without Redis: uvicorn restarts a killed worker, whose start-up recovery
    must not take the reply another worker is writing for orphaned."""
    server.workers = 2
    await server.start()
    assert server.process is not None
    folder = tmp_path / "data" / "workers"
    tokens = [f"t{n} " for n in range(150)]
    async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=60) as http:
        me = await create_account(http)
        chat = await new_chat(http, me)
        fake_llm.script(Reply(tokens=tokens, delay=0.1))
        async with await open_send(http, me.headers, chat["id"], "Tell me") as response:
            events = response.aiter_lines()
            seen = await read_text(events, until=len("".join(tokens[:5])))
            engine = build_engine(server.database_url)
            async with engine.connect() as connection:
                owner = (
                    await connection.execute(
                        text("SELECT worker_id FROM messages WHERE status = 'streaming'")
                    )
                ).scalar_one()
            await engine.dispose()
            holders = lock_holders(folder)
            writing = holders[(folder / f"{owner}.lock").stat().st_ino]
            (sibling,) = set(holders.values()) - {writing}
            assert {writing, sibling} <= set(worker_pids(server.process.pid))
            os.kill(sibling, signal.SIGKILL)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while not set(lock_holders(folder).values()) - {writing, sibling}:
                assert loop.time() < deadline, "uvicorn did not restart the killed worker"
                await asyncio.sleep(0.1)
            await asyncio.sleep(1)  # its start-up recovery runs now

            during = (await http.get(f"/chats/{chat['id']}/messages", headers=me.headers)).json()
            second = await http.post(
                f"/chats/{chat['id']}/messages", json={"content": "And?"}, headers=me.headers
            )
            seen += await read_text(events)

        assert during["items"][0]["status"] == "streaming"
        assert second.status_code == 409
        assert seen == "".join(tokens)
        listed = await http.get(f"/chats/{chat['id']}/messages", headers=me.headers)
        reply = listed.json()["items"][0]
        assert reply["status"] == "complete" and reply["content"] == "".join(tokens)

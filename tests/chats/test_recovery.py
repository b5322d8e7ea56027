"""A process killed mid-reply: after a restart the partial text is kept as `interrupted`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.chats.conftest import free_port
from tests.chats.helpers import create_character, create_chat, parse_sse
from tests.factories import create_account
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply

TOKENS = [f"t{n} " for n in range(80)]


class Server:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: asyncio.subprocess.Process | None = None

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
    env = {
        **os.environ,
        "HEARTH_DATA_DIR": str(tmp_path / "data"),
        "HEARTH_DATABASE_URL": database_url,
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
        character = await create_character(http, me)
        chat = await create_chat(http, me, character["id"])
        fake_llm.script(Reply(tokens=TOKENS, delay=0.1))

        seen = ""
        async with http.stream(
            "POST",
            f"/chats/{chat['id']}/messages",
            json={"content": "Tell me"},
            headers=me.headers,
        ) as response:
            block: list[str] = []
            async for line in response.aiter_lines():
                if line:
                    block.append(line)
                    continue
                for event in parse_sse("\n".join(block) + "\n\n"):
                    if event.event == "delta":
                        seen += event.data["text"]
                block = []
                if len(seen) >= len("".join(TOKENS[:15])):
                    break
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

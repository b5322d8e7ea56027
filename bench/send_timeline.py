"""Where the time to first token that Hearth adds goes: one chat's sends, stage by stage.

    .venv/bin/python -m bench.send_timeline --turns 40

Starts the fake LLM server and a Hearth server (SQLite, migrated) whose send path carries time
marks (this module with `--serve`), sends `--turns` messages directly to the fake server, then
as many through Hearth, one after another (as `chat_load` does). It prints the time to first
token both ways, and for the sends through Hearth the time from the request's arrival at the
server to the end of each stage: the median of every stage's end and of every step (a stage's
end minus the previous one's), in ms.

The marks wrap functions of the send path by name; a renamed one stops the probe at start
rather than leave a stage empty. What the marks cost is in the figures (a few µs a stage).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from bench.calibrate import calibration_ms
from bench.chat_load import (
    HOST,
    add_fake_options,
    free_port,
    server_env,
    setup_chats,
    start_fake,
    wait_http,
)
from bench.sse_client import stream_events

STAGES = [
    "dependencies started",
    "session opened",
    "token read",
    "authenticated",
    "rate limited",
    "message moderated",
    "chat loaded",
    "window read",
    "prompt built",
    "quota held",
    "chat locked",
    "committed",
    "provider request",
    "request written",
    "first token in",
    "first delta out",
]


class Marks:
    """The marks of the send being served (the bench sends one at a time)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.arrived = 0.0
        self.at: dict[str, float] = {}
        self.last_read = 0.0  # when the provider's connection last delivered bytes

    def start(self) -> None:
        self.arrived, self.at = time.perf_counter(), {}

    def mark(self, stage: str, when: float | None = None) -> None:
        if self.arrived and stage not in self.at:
            self.at[stage] = ((when or time.perf_counter()) - self.arrived) * 1000

    def finish(self) -> None:
        with self.out.open("a") as file:
            file.write(json.dumps(self.at) + "\n")
        self.arrived = 0.0


def _before(marks: Marks, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, marking `stage` when it is called."""

    @functools.wraps(function)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        marks.mark(stage)
        return await function(*args, **kwargs)

    return wrapped


def _after(marks: Marks, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, marking `stage` when it returns."""
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def wrapped_async(*args: Any, **kwargs: Any) -> Any:
            result = await function(*args, **kwargs)
            marks.mark(stage)
            return result

        return wrapped_async

    @functools.wraps(function)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        marks.mark(stage)
        return result

    return wrapped


def instrument(marks: Marks) -> None:
    import aiohttp
    from aiohttp import client_proto, http_writer
    from fastapi import routing
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    from uvicorn.protocols.http import httptools_impl

    from hearth.auth import service as auth_service
    from hearth.chats import deps as chat_deps
    from hearth.chats import service as chat_service
    from hearth.chats import turns
    from hearth.llm.adapters.openai_compat import OpenAICompatProvider
    from hearth.safety.moderation import Moderator

    # Middleware, routing and the request body come before FastAPI resolves dependencies.
    routing.solve_dependencies = _before(marks, "dependencies started", routing.solve_dependencies)
    for owner, name, stage in [
        (async_sessionmaker, "__call__", "session opened"),
        (auth_service, "read_access_token", "token read"),
        (auth_service, "authenticate", "authenticated"),
        (chat_deps, "limit_sends", "rate limited"),
        (Moderator, "check", "message moderated"),
        (chat_service, "get_live_chat", "chat loaded"),
        (turns, "read_window", "window read"),
        (turns, "build", "prompt built"),
        (turns, "_reserve", "quota held"),
        (turns, "_lock_chat", "chat locked"),
        (AsyncSession, "commit", "committed"),
    ]:
        setattr(owner, name, _after(marks, stage, getattr(owner, name)))

    protocol, cycle = httptools_impl.HttpToolsProtocol, httptools_impl.RequestResponseCycle
    message_begin, send = protocol.on_message_begin, cycle.send
    request = aiohttp.ClientSession._request
    data_received = client_proto.ResponseHandler.data_received
    write_lines = http_writer.StreamWriter._writelines
    stream = OpenAICompatProvider.stream

    def on_message_begin(self: Any) -> None:
        marks.start()
        message_begin(self)

    async def cycle_send(self: Any, message: Any) -> None:
        if b"event: delta" in message.get("body", b"") and marks.arrived:
            marks.mark("first delta out")
            marks.finish()
        await send(self, message)

    def provider_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        marks.mark("provider request")
        return request(self, *args, **kwargs)

    def request_out(self: Any, chunks: Any) -> None:
        # aiohttp's own work on the request ends here: its bytes go to the socket.
        marks.mark("request written")
        write_lines(self, chunks)

    def on_data(self: Any, data: bytes) -> None:
        marks.last_read = time.perf_counter()
        data_received(self, data)

    async def provider_stream(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        events = stream(self, *args, **kwargs)
        try:
            async for event in events:
                marks.mark("first token in", marks.last_read)
                yield event
        finally:
            await events.aclose()

    protocol.on_message_begin = on_message_begin  # type: ignore[method-assign]
    cycle.send = cycle_send  # type: ignore[method-assign]
    aiohttp.ClientSession._request = provider_request  # type: ignore[method-assign]
    http_writer.StreamWriter._writelines = request_out  # type: ignore[method-assign]
    client_proto.ResponseHandler.data_received = on_data  # type: ignore[method-assign]
    OpenAICompatProvider.stream = provider_stream  # type: ignore[method-assign]


def serve(port: int, marks_file: Path) -> None:
    import uvicorn

    from hearth.app import create_served_app

    instrument(Marks(marks_file))
    app = create_served_app()
    uvicorn.run(app, host=HOST, port=port, http="httptools", log_config=None, access_log=False)


def _has_text(raw: bytes) -> bool:
    """A Hearth `delta` event, or an OpenAI chunk with content."""
    if raw.startswith(b"event: delta"):
        return True
    payload = raw.split(b"data: ", 1)[-1]
    if not payload.startswith(b"{"):
        return False
    choices = json.loads(payload).get("choices") or [{}]
    return bool(choices[0].get("delta", {}).get("content"))


async def time_to_text(port: int, path: str, body: dict[str, Any], token: str = "") -> float:
    """ms from sending the request to the first text; reads the whole reply."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"} if token else {}
    started, first = time.perf_counter(), 0.0
    async for event in stream_events(HOST, port, path, json.dumps(body).encode(), headers):
        if not first and _has_text(event.raw):
            first = event.at
    if not first:
        raise RuntimeError(f"no text came from {path}")
    return (first - started) * 1000


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def summarize(sends: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """The median end of each stage, and of each step (from the previous stage's end)."""
    ends: dict[str, float] = {}
    steps: dict[str, float] = {}
    for index, stage in enumerate(STAGES):
        marked = [send for send in sends if stage in send]
        if not marked:
            continue
        ends[stage] = _median([send[stage] for send in marked])
        previous = STAGES[index - 1] if index else None
        steps[stage] = _median(
            [send[stage] - (send.get(previous, 0.0) if previous else 0.0) for send in marked]
        )
    return {"stage_end_ms": ends, "step_ms": steps}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    speed = calibration_ms()
    workdir = Path(tempfile.mkdtemp(prefix="hearth-timeline-"))
    marks_file = workdir / "marks.jsonl"
    fake_port, hearth_port = free_port(), free_port()
    fake, fake_url = await start_fake(fake_port, args.ttft_ms, args.tps, args.tokens)
    env = server_env(workdir, fake_url)
    hearth_bin = Path(sys.executable).with_name("hearth")
    migrate = await asyncio.create_subprocess_exec(
        str(hearth_bin), "migrate", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    if await migrate.wait() != 0:
        raise RuntimeError("hearth migrate failed")
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.send_timeline",
        "--serve",
        str(hearth_port),
        "--marks",
        str(marks_file),
        env=env,
        stderr=open(workdir / "server.log", "wb"),  # noqa: ASYNC230, SIM115
    )
    hearth_ms: list[float] = []
    direct_ms: list[float] = []
    try:
        await wait_http(f"http://{HOST}:{hearth_port}/healthz")
        [(token, chat_id)] = await setup_chats(f"http://{HOST}:{hearth_port}/api/v1", 1)
        send_path = f"/api/v1/chats/{chat_id}/messages"
        direct_path = "/v1/chat/completions"

        def direct_body(turn: int) -> dict[str, Any]:
            message = {"role": "user", "content": f"Message {turn}"}
            return {"model": "fake-model", "stream": True, "messages": [message]}

        def body(turn: int) -> dict[str, Any]:
            return {"content": f"Message {turn}: how are you today?"}

        # Warm-up, not counted: the first use loads the provider SDK.
        await time_to_text(fake_port, direct_path, direct_body(-1))
        await time_to_text(hearth_port, send_path, body(-1), token)
        warm_up_marks = len(marks_file.read_text().splitlines())
        # As in chat_load: all direct, then all through Hearth (interleaved, each Hearth send
        # would wait twice as long since the last, and find the server's caches colder).
        for turn in range(args.turns):
            direct_ms.append(await time_to_text(fake_port, direct_path, direct_body(turn)))
        for turn in range(args.turns):
            hearth_ms.append(await time_to_text(hearth_port, send_path, body(turn), token))
    finally:
        for process in (server, fake):
            if process.returncode is None:
                process.terminate()
                await process.wait()
    sends = [json.loads(line) for line in marks_file.read_text().splitlines()[warm_up_marks:]]
    return {
        "config": {
            "turns": args.turns,
            "tokens": args.tokens,
            "fake_ttft_ms": args.ttft_ms,
            "fake_tokens_per_second": args.tps,
            "calibration_ms": speed,
        },
        "hearth_ttft_p50_ms": _median(hearth_ms),
        "direct_ttft_p50_ms": _median(direct_ms),
        "added_ttft_p50_ms": round(_median(hearth_ms) - _median(direct_ms), 2),
        "sends_marked": len(sends),
        **summarize(sends),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=40, help="messages sent, one at a time")
    add_fake_options(parser)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the instrumented server
    parser.add_argument("--marks", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.marks)
        return
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()

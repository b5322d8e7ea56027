"""A fake OpenAI-compatible LLM server with a set time to first token and tokens per second.

    .venv/bin/python -m bench.fake_llm --port 9100 --ttft-ms 200 --tps 50 --tokens 60

Reuses the protocol fake of the tests (tests/fakes/openai_server.py): raw asyncio, chunked
SSE exactly like the real API, every reply the same `--tokens` tokens; `--faults 0.2` makes
a fifth of them fail as providers' do.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import signal
import threading

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import Reply


def reply_tokens(count: int) -> list[str]:
    return [f"tok{n} " for n in range(count)]


class FaultyFake(FakeOpenAI):
    """A share of the replies fail as providers' do: refused with a 500, 503 or 429, cut
    off part-way, or ended by an in-band error part-way."""

    def __init__(self, share: float, seed: int = 1) -> None:
        super().__init__()
        self.share = share
        self.rng = random.Random(seed)

    def next_reply(self) -> Reply:
        reply = super().next_reply()
        with self._lock:
            if self.rng.random() >= self.share:
                return reply
            kind = self.rng.choice(["500", "503", "429", "cut", "error"])
            part = self.rng.randint(0, len(reply.tokens))
        if kind == "cut":
            return dataclasses.replace(reply, cut_after=part)
        if kind == "error":
            return dataclasses.replace(reply, error_after=part)
        headers = {"retry-after": "1"} if kind == "429" else {}
        return dataclasses.replace(reply, status=int(kind), headers=headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ttft-ms", type=float, default=200.0)
    parser.add_argument("--tps", type=float, default=50.0, help="tokens per second per stream")
    parser.add_argument("--tokens", type=int, default=60)
    parser.add_argument("--faults", type=float, default=0.0, help="share of replies that fail")
    args = parser.parse_args()

    fake = FaultyFake(args.faults) if args.faults else FakeOpenAI()
    fake.default_reply = Reply(
        tokens=reply_tokens(args.tokens),
        delay=1.0 / args.tps if args.tps > 0 else 0.0,
        first_token_delay=args.ttft_ms / 1000,
        prompt_tokens=100,
    )
    if args.port:
        _serve_on(fake, args.port)
    else:
        fake.start()
    print(fake.base_url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    fake.stop()


def _serve_on(fake: FakeOpenAI, port: int) -> None:
    """FakeOpenAI.start() binds port 0; the bench wants a known port."""
    import asyncio

    ready = threading.Event()
    fake._loop = asyncio.new_event_loop()

    def run() -> None:
        loop = fake._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        fake._server = loop.run_until_complete(
            asyncio.start_server(fake._serve, "127.0.0.1", port, backlog=2048)
        )
        fake.port = port
        ready.set()
        loop.run_forever()

    fake._thread = threading.Thread(target=run, daemon=True)
    fake._thread.start()
    ready.wait(5)


if __name__ == "__main__":
    main()

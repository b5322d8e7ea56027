"""What a large chat import costs the other writers of a SQLite database.

    .venv/bin/python -m bench.import_stall --messages 50000

Starts a Hearth server (SQLite, migrated), then imports a SillyTavern chat file of
`--messages` messages while another user of the same server renames a chat over and over
(a write: it needs SQLite's one write lock, as every send does). Reports how long the
import took and the renames' latency before and during it (p50, p99, max, in ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.chat_load import HOST, free_port, percentile, server_env, setup_chats, wait_http


def chat_file(messages: int) -> bytes:
    header = {"user_name": "You", "character_name": "Bench", "chat_metadata": {}}
    lines = [json.dumps(header)]
    for n in range(messages):
        mine = n % 2 == 0
        text = f"Message {n}: " + ("a few words of a long conversation " * 4)
        lines.append(json.dumps({"name": "You" if mine else "Bench", "is_user": mine, "mes": text}))
    return ("\n".join(lines) + "\n").encode()


def latencies(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "max_ms": round(max(values), 1),
    }


async def renames(
    http: httpx.AsyncClient, path: str, token: str, until: asyncio.Event
) -> list[float]:
    """ms per rename, until `until` is set."""
    out: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    while not until.is_set():
        started = time.perf_counter()
        response = await http.patch(path, json={"title": f"Renamed {len(out)}"}, headers=headers)
        response.raise_for_status()
        out.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.005)
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="hearth-import-"))
    port = free_port()
    env = server_env(workdir, "http://127.0.0.1:9/v1")  # no reply is asked for
    env["HEARTH_UPLOAD_RATE"] = "1000/hour"
    hearth = Path(sys.executable).with_name("hearth")
    server = await asyncio.create_subprocess_exec(
        str(hearth), "serve", "--port", str(port), env=env, stderr=asyncio.subprocess.DEVNULL
    )
    data = chat_file(args.messages)
    try:
        base = f"http://{HOST}:{port}/api/v1"
        await wait_http(f"http://{HOST}:{port}/healthz")
        (importer, chat_id), (other, other_chat) = await setup_chats(base, 2, per_user=1)
        async with httpx.AsyncClient(base_url=base, timeout=120) as http:
            chat = (await http.get(f"/chats/{chat_id}", headers=_auth(importer))).json()
            quiet, busy = asyncio.Event(), asyncio.Event()
            calm = asyncio.create_task(renames(http, f"/chats/{other_chat}", other, quiet))
            await asyncio.sleep(2)
            quiet.set()
            before = await calm
            during = asyncio.create_task(renames(http, f"/chats/{other_chat}", other, busy))
            started = time.perf_counter()
            made = await http.post(
                "/chats/import",
                data={"character_id": chat["character_id"]},
                files={"file": ("chat.jsonl", data, "application/jsonl")},
                headers=_auth(importer),
            )
            seconds = time.perf_counter() - started
            busy.set()
            while_importing = await during
            made.raise_for_status()
            imported = made.json()
    finally:
        server.terminate()
        await server.wait()
    return {
        "messages": args.messages,
        "file_mb": round(len(data) / 1e6, 1),
        "import_seconds": round(seconds, 2),
        "in_trash_after": imported["deleted_at"] is not None,
        "last_message": (imported.get("last_message") or {}).get("content", "")[:12],
        "renames_before": latencies(before),
        "renames_during_import": latencies(while_importing),
    }


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=50_000, help="messages in the file")
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()

"""Prompt building cost: a chat of 100,000 messages against one of 100 (target ≤ 1.2×).

    .venv/bin/python -m bench.prompt_build

Times what a send does before it writes: read the history window from SQLite (newest first,
in pages, until the context budget is full) and assemble the prompt. Messages are ~400
bytes, so even the short chat fills the 8k context: both builds read the same window and
the long chat costs the same, because nothing reads past the window.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert
from tests.database import create_schema

from bench.calibrate import calibration_ms
from hearth.characters.models import Character
from hearth.chats.models import Chat, Message
from hearth.chats.service import ids_after
from hearth.chats.turns import Turn, build, read_window
from hearth.core.clock import utcnow
from hearth.core.db import Database
from hearth.llm.tokens import estimate_tokens
from hearth.users.models import User

CONTEXT = 8192
RESERVE = 1024
TEXT = ("The rain kept falling on the old inn while the travellers talked. " * 6).strip()


async def make_chat(db: Database, user: User, character: Character, size: int) -> Chat:
    now = utcnow()
    chat = Chat(
        id=uuid.uuid4(),
        user_id=user.id,
        character_id=character.id,
        title=f"{size}",
        last_message_at=now,
        created_at=now,
        updated_at=now,
    )
    async with db.sessionmaker() as session:
        session.add(chat)
        await session.flush()
        ids = ids_after(None, size)
        for start in range(0, size, 5000):
            rows = [
                {
                    "id": ids[n],
                    "chat_id": chat.id,
                    "role": "user" if n % 2 else "assistant",
                    "content": f"{n}: {TEXT}",
                    "status": "complete",
                    "swipe_index": 0,
                    "hidden": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(start, min(size, start + 5000))
            ]
            await session.execute(insert(Message), rows)
        await session.commit()
    return chat


async def build_once(db: Database, turn: Turn) -> tuple[float, int]:
    started = time.perf_counter()
    async with db.sessionmaker() as session:
        budget = turn.context_length - turn.reply_reserve
        window = await read_window(session, turn.chat.id, budget=budget)
        history = window.history
        prompt = build(turn, history, window.has_older, "reply", turn_number=1)
        await session.rollback()
    return (time.perf_counter() - started) * 1000, prompt.history_count


async def run(rounds: int, context: int) -> dict[str, object]:
    workdir = Path(tempfile.mkdtemp(prefix="hearth-prompt-bench-"))
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await create_schema(url)
    db = Database(url)
    now = utcnow()
    user = User(
        id=uuid.uuid4(),
        email="b@example.com",
        username="bench",
        password_hash="x",
        created_at=now,
        updated_at=now,
    )
    character = Character(
        id=uuid.uuid4(),
        name="Aria",
        description="An innkeeper.",
        personality="warm",
        scenario="A stormy night.",
        example_dialogue="{{char}}: Welcome!",
        created_at=now,
        updated_at=now,
    )
    async with db.sessionmaker() as session:
        session.add_all([user, character])
        await session.commit()
    short = await make_chat(db, user, character, 100)
    long = await make_chat(db, user, character, 100_000)
    turns = {
        name: Turn(
            chat=chat,
            character=character,
            user_name="Sam",
            persona_description="",
            model_id="local/fake",
            context_length=context,
            reply_reserve=RESERVE,
        )
        for name, chat in (("100", short), ("100000", long))
    }
    times: dict[str, list[float]] = {"100": [], "100000": []}
    counts: dict[str, int] = {}
    for _ in range(20):  # warm-up
        for turn in turns.values():
            await build_once(db, turn)
    for _ in range(rounds):
        for name, turn in turns.items():
            elapsed, count = await build_once(db, turn)
            times[name].append(elapsed)
            counts[name] = count
    await db.dispose()
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "rounds": rounds,
        "context_tokens": context,
        "history_messages_in_prompt": counts,
        "median_ms": {k: round(v, 3) for k, v in medians.items()},
        "ratio_100000_to_100": round(medians["100000"] / medians["100"], 3),
        "target_ratio": 1.2,
        "estimated_tokens_per_message": estimate_tokens(TEXT),
        "calibration_ms": calibration_ms(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument(
        "--context", type=int, default=CONTEXT, help="the model's context, in tokens"
    )
    args = parser.parse_args()
    import json

    print(json.dumps(asyncio.run(run(args.rounds, args.context)), indent=2))


if __name__ == "__main__":
    main()

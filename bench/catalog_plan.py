"""Query plans of a catalog page over 10,000 characters, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.catalog_plan [--count 10000] [--postgres postgresql://postgres@127.0.0.1/test]

Fills a fresh database of each kind (a temporary SQLite file; a temporary PostgreSQL
database created next to the one given, or `HEARTH_TEST_DATABASE_URL`, dropped afterwards),
then prints the plans of the first page of 20 sorted by popularity: with no search, with a
full-text search, for an anonymous visitor (sfw only), with a tag filter, and a page after
a cursor. PostgreSQL plans are `EXPLAIN (ANALYZE, BUFFERS)`: real row counts and timings.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.database import fresh_postgres

from hearth.characters.catalog import CatalogQuery, catalog_statement
from hearth.characters.models import Character, CharacterTag
from hearth.core.db import build_engine
from hearth.core.pagination import encode_cursor
from hearth.models import Base

WORDS = [
    "dragon",
    "knight",
    "wizard",
    "detective",
    "pirate",
    "captain",
    "android",
    "witch",
    "vampire",
    "innkeeper",
    "ghost",
    "samurai",
    "robot",
    "princess",
    "hacker",
    "sailor",
    "thief",
    "bard",
    "healer",
    "oracle",
    "hunter",
    "merchant",
    "spy",
    "дракон",
    "рыцарь",
    "маг",
    "сыщик",
    "пират",
    "капитан",
    "ведьма",
    "призрак",
    "трактирщица",
]
TAGS = [
    "fantasy",
    "sci-fi",
    "romance",
    "horror",
    "mystery",
    "cozy",
    "adventure",
    "comedy",
    "historical",
    "anime",
    "villain",
    "hero",
    "magic",
    "space",
    "school",
]
RATINGS = ["sfw"] * 6 + ["moderate"] * 2 + ["nsfw"] * 2
EVERY = {"sfw", "moderate", "nsfw"}


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ra",
        "ten",
        "vor",
        "el",
        "an",
        "sha",
        "dru",
        "pe",
        "lin",
        "os",
        "tar",
        "qu",
        "ber",
        "ny",
        "zo",
    ]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)]


def _text(rng: random.Random, vocabulary: list[str], words: int) -> str:
    # Zipf-like: a few common words, a long tail; themed words (WORDS) in ~1-2% of rows.
    picked = [
        vocabulary[min(int(rng.paretovariate(0.8)), len(vocabulary)) - 1] for _ in range(words)
    ]
    if rng.random() < 0.04:
        picked.insert(rng.randrange(len(picked)), rng.choice(WORDS))
    return " ".join(picked)


def _rows(count: int, seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    characters, tags = [], []
    for n in range(count):
        character_id = uuid.UUID(int=rng.getrandbits(128))
        picked = rng.sample(TAGS, k=rng.randint(1, 4))
        name = f"{_text(rng, vocabulary, 2).title()} {n}"
        characters.append(
            {
                "id": character_id,
                "name": name,
                "tagline": _text(rng, vocabulary, 8),
                "description": _text(rng, vocabulary, 80),
                "tags_text": ",".join(picked),
                "content_rating": rng.choice(RATINGS),
                # Mostly public; some unlisted/private rows the catalog must skip.
                "visibility": rng.choice(["public"] * 8 + ["unlisted", "private"]),
                "is_blocked": rng.random() < 0.01,
                "chats_count": int(rng.paretovariate(1.2) * 10),
                "likes_count": rng.randint(0, 500),
                "created_at": start + timedelta(minutes=n),
                "updated_at": start + timedelta(minutes=n),
                "alternate_greetings": [],
                "group_only_greetings": [],
                "source": [],
            }
        )
        tags += [{"character_id": character_id, "tag": tag} for tag in picked]
    return characters, tags


async def _fill(engine: AsyncEngine, count: int) -> float:
    characters, tags = _rows(count)
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with engine.begin() as conn:
        for offset in range(0, len(characters), 1000):
            await conn.execute(insert(Character), characters[offset : offset + 1000])
        for offset in range(0, len(tags), 2000):
            await conn.execute(insert(CharacterTag), tags[offset : offset + 2000])
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _cases(count: int) -> list[tuple[str, set[str], CatalogQuery]]:
    cursor = encode_cursor([12, uuid.UUID(int=2**127).hex])
    return [
        ("page 1, sort=popular, no search", EVERY, CatalogQuery(limit=20)),
        ("page 1, sort=popular, q='dragon' (a rare word)", EVERY, CatalogQuery(q="dragon")),
        ("page 1, sort=popular, q='ka' (a very common prefix)", EVERY, CatalogQuery(q="ka")),
        ("page 1, sort=popular, q='ведьм' (prefix)", EVERY, CatalogQuery(q="ведьм", limit=20)),
        ("anonymous (sfw only), sort=popular", {"sfw"}, CatalogQuery(limit=20)),
        ("tags=fantasy,magic, sort=popular", EVERY, CatalogQuery(tags=("fantasy", "magic"))),
        ("page after a cursor, sort=popular", EVERY, CatalogQuery(cursor=cursor, limit=20)),
        ("page 1, sort=new", EVERY, CatalogQuery(sort="new", limit=20)),
    ]


def _sql(engine: AsyncEngine, statement: Any) -> str:
    return str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


async def _explain(engine: AsyncEngine, count: int) -> None:
    dialect = engine.dialect.name
    for title, ratings, query in _cases(count):
        statement = catalog_statement(dialect, ratings, query)
        sql = _sql(engine, statement)
        print(f"\n--- {dialect}: {title}")
        async with engine.connect() as conn:
            if dialect == "sqlite":
                rows = (await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))).all()
                for row in rows:
                    print(f"  {row[-1]}")
                timings = []
                for _ in range(3):  # the first run also warms the page cache
                    started = time.perf_counter()
                    result = (await conn.execute(text(sql))).all()
                    timings.append((time.perf_counter() - started) * 1000)
                print(f"  -> {len(result)} rows in {min(timings):.2f} ms (best of 3)")
            else:
                plan = await conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"))
                for (line,) in plan.all():
                    print(f"  {line}")


async def _sqlite(count: int) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        engine = build_engine(f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}")
        try:
            seconds = await _fill(engine, count)
            print(f"\n===== SQLite: {count} characters inserted in {seconds:.1f} s =====")
            await _explain(engine, count)
        finally:
            await engine.dispose()


async def _postgres(url: str, count: int) -> None:
    async with fresh_postgres(url, "hearth_bench") as database_url:
        engine = build_engine(database_url)
        try:
            seconds = await _fill(engine, count)
            print(f"\n===== PostgreSQL: {count} characters inserted in {seconds:.1f} s =====")
            await _explain(engine, count)
        finally:
            await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--postgres", default=os.environ.get("HEARTH_TEST_DATABASE_URL"))
    args = parser.parse_args()
    await _sqlite(args.count)
    if args.postgres:
        await _postgres(args.postgres, args.count)
    else:
        print("\n(PostgreSQL skipped: pass --postgres URL or set HEARTH_TEST_DATABASE_URL)")


if __name__ == "__main__":
    asyncio.run(main())

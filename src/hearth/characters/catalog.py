"""Lists of characters: the public catalog, the tag cloud, a user's own and favourite ones.

Every list is a keyset page: ordered by (sort key, id) descending, the cursor is the last
row's pair, and the next page starts strictly after it. Rows inserted meanwhile land in
their place in that order, so no row is repeated or skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters import fulltext
from hearth.characters.models import SUMMARY_ONLY, Character, CharacterLike, CharacterTag
from hearth.core.pagination import (
    cursor_datetime,
    cursor_int,
    cursor_uuid,
    decode_cursor,
    encode_cursor,
)
from hearth.safety.age_gate import EVERY_RATING, allowed_ratings
from hearth.users.models import User

MAX_TAG_CLOUD = 200
_SORT_COLUMNS: dict[str, Any] = {
    "popular": Character.chats_count,
    "new": Character.created_at,
    "likes": Character.likes_count,
}


@dataclass(frozen=True)
class CharacterPage:
    items: list[Character]
    next_cursor: str | None


@dataclass(frozen=True)
class CatalogQuery:
    q: str | None = None
    tags: tuple[str, ...] = ()
    ratings: tuple[str, ...] = ()
    sort: str = "popular"
    cursor: str | None = None
    limit: int = 20
    locale: str | None = None


def _after(key: Any, id_column: Any, cursor: str | None, is_datetime: bool) -> list[Any]:
    if cursor is None:
        return []
    value, last_id = decode_cursor(
        cursor, cursor_datetime if is_datetime else cursor_int, cursor_uuid
    )
    bound = tuple_(literal(value, type_=key.type), literal(last_id, type_=id_column.type))
    return [tuple_(key, id_column) < bound]


def _next_cursor(rows: list[Any], limit: int, key_of: Any) -> str | None:
    if len(rows) <= limit:
        return None
    key, row_id = key_of(rows[limit - 1])
    return encode_cursor([key.isoformat() if isinstance(key, datetime) else key, row_id.hex])


def rating_filter(viewer: User | None, requested: tuple[str, ...]) -> set[str]:
    allowed = set(allowed_ratings(viewer))
    return allowed & set(requested) if requested else allowed


def catalog_statement(dialect: str, ratings: set[str], query: CatalogQuery) -> Select[Any]:
    """The query of one catalog page (`limit + 1` rows, to know whether more follow)."""
    key = _SORT_COLUMNS[query.sort]
    conditions: list[ColumnElement[bool]] = [fulltext.listed()]
    if ratings != EVERY_RATING:
        conditions.append(Character.content_rating.in_(sorted(ratings)))
    for tag in query.tags:
        conditions.append(
            Character.id.in_(select(CharacterTag.character_id).where(CharacterTag.tag == tag))
        )
    if query.locale:
        # Characters in that language, and those not tied to one.
        conditions.append(or_(Character.locale == query.locale, Character.locale.is_(None)))
    words = fulltext.query_words(query.q) if query.q else []
    if words:
        conditions.append(fulltext.matches(dialect, words))
    conditions += _after(key, Character.id, query.cursor, query.sort == "new")
    return (
        select(Character)
        .options(SUMMARY_ONLY)
        .where(*conditions)
        .order_by(key.desc(), Character.id.desc())
        .limit(query.limit + 1)
    )


async def list_catalog(db: AsyncSession, viewer: User | None, query: CatalogQuery) -> CharacterPage:
    """Listed characters the viewer may see, filtered, searched and sorted."""
    ratings = rating_filter(viewer, query.ratings)
    if not ratings:
        return CharacterPage([], None)
    statement = catalog_statement(db.get_bind().dialect.name, ratings, query)
    rows = list(await db.scalars(statement))
    key = _SORT_COLUMNS[query.sort].key
    cursor = _next_cursor(rows, query.limit, lambda c: (getattr(c, key), c.id))
    return CharacterPage(rows[: query.limit], cursor)


async def list_own(db: AsyncSession, user: User, cursor: str | None, limit: int) -> CharacterPage:
    """The user's own characters (any visibility), newest first."""
    statement = (
        select(Character)
        .options(SUMMARY_ONLY)
        .where(
            Character.creator_id == user.id,
            Character.deleted_at.is_(None),
            *_after(Character.created_at, Character.id, cursor, True),
        )
        .order_by(Character.created_at.desc(), Character.id.desc())
        .limit(limit + 1)
    )
    rows = list(await db.scalars(statement))
    return CharacterPage(rows[:limit], _next_cursor(rows, limit, lambda c: (c.created_at, c.id)))


async def list_favorites(
    db: AsyncSession, user: User, cursor: str | None, limit: int
) -> CharacterPage:
    """Characters the user liked and may still open, most recently liked first."""
    mine = Character.creator_id == user.id
    statement = (
        select(Character, CharacterLike.created_at)
        .options(SUMMARY_ONLY)
        .join(CharacterLike, CharacterLike.character_id == Character.id)
        .where(
            CharacterLike.user_id == user.id,
            Character.deleted_at.is_(None),
            or_(
                mine,
                and_(
                    Character.visibility != "private",
                    Character.is_blocked.is_(False),
                    Character.content_rating.in_(sorted(allowed_ratings(user))),
                ),
            ),
            *_after(CharacterLike.created_at, CharacterLike.character_id, cursor, True),
        )
        .order_by(CharacterLike.created_at.desc(), CharacterLike.character_id.desc())
        .limit(limit + 1)
    )
    rows = list((await db.execute(statement)).all())
    next_cursor = _next_cursor(rows, limit, lambda row: (row[1], row[0].id))
    return CharacterPage([row[0] for row in rows[:limit]], next_cursor)


async def tag_cloud(db: AsyncSession, viewer: User | None, limit: int) -> list[tuple[str, int]]:
    """The most used tags among listed characters this viewer may see, with counts."""
    count = func.count().label("count")
    conditions: list[ColumnElement[bool]] = [fulltext.listed()]
    ratings = allowed_ratings(viewer)
    if ratings != EVERY_RATING:
        conditions.append(Character.content_rating.in_(sorted(ratings)))
    statement = (
        select(CharacterTag.tag, count)
        .join(Character, Character.id == CharacterTag.character_id)
        .where(*conditions)
        .group_by(CharacterTag.tag)
        .order_by(count.desc(), CharacterTag.tag)
        .limit(min(limit, MAX_TAG_CLOUD))
    )
    return [(tag, int(n)) for tag, n in (await db.execute(statement)).all()]

"""One turn of a chat: read the window, assemble the prompt, store the rows, make the job.

Everything here runs inside the request's transaction; the router commits it and only
then hands the job to the runner, so the user's message is durable before the LLM is called.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import uuid
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import (
    Executable,
    Table,
    Update,
    bindparam,
    delete,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import NullType

from hearth.auth.errors import AccountBlocked, AccountDeactivated
from hearth.characters.models import Character
from hearth.chats import service
from hearth.chats import swipes as swipe_details
from hearth.chats.errors import GenerationInProgress, InvalidChatOperation, TooManySwipes
from hearth.chats.hub import clock_ids
from hearth.chats.lorebook import ParsedLorebooks
from hearth.chats.models import CHATS, MESSAGES, Chat, Message, PromptSnapshot
from hearth.chats.prompt import (
    AssembledPrompt,
    AuthorNote,
    CharacterSheet,
    DepthPrompt,
    HistoryItem,
    Mode,
    PromptRequest,
    assemble_prompt,
    history_read_budget,
)
from hearth.chats.runner import GenerationJob
from hearth.chats.usage import UsageHook, UsageRequest
from hearth.core.clock import utcnow
from hearth.core.sqlite_async import ON_THREAD
from hearth.llm.gateway import LLMGateway
from hearth.llm.tokens import estimate_content_tokens
from hearth.llm.types import GenerationParams, Role
from hearth.users.models import User

PAGE = 64
MAX_PAGE = 1024
# A long-context model's window (a million tokens: ~14,000 messages of a long chat) took
# 200 ms per send, the event loop stopped meanwhile and every stream of the process with it.
# From these sizes on, pages are read on the database's thread and the prompt is assembled
# in a thread (which leaves the loop its turns); below, the hop would cost more than it saves.
THREAD_ROWS = 512
THREAD_ITEMS = 2_000
MAX_REPLY_TOKENS = 1024
MAX_SWIPES = 100


@dataclass
class Turn:
    chat: Chat
    character: Character
    user_name: str
    persona_description: str
    model_id: str
    context_length: int
    reply_reserve: int


@dataclass
class PreparedGeneration:
    job: GenerationJob
    assistant: Message
    user_message: Message | None = None

    @property
    def first_event_id(self) -> int:
        """The id of the generation's first event: its `start`, or the `user_message`
        just before it."""
        start = self.assistant.stream_start or clock_ids()
        return start - 1 if self.user_message is not None else start


def stream_start(previous: Message | None = None) -> int:
    """The `start` event id of a generation beginning now: the clock's, and in any case
    above every id of the message's previous generation (its end's, as its text reads now)."""
    now = clock_ids()
    if previous is None or previous.stream_start is None:
        return now
    generated = len(previous.content) - (previous.stream_from or 0)
    return max(now, previous.stream_start + max(generated, 0) + 3)


async def open_turn(db: AsyncSession, user: User, chat: Chat, gateway: LLMGateway) -> Turn:
    character = await service.character_for_turn(db, user, chat)
    persona = await service.persona_of(db, user, chat.persona_id)
    model_id = chat.model or gateway.default_model
    context_length = gateway.context_length(model_id)
    return Turn(
        chat=chat,
        character=character,
        user_name=service.user_name(user, persona),
        persona_description=persona.description if persona else "",
        model_id=model_id,
        context_length=context_length,
        reply_reserve=min(MAX_REPLY_TOKENS, context_length // 4),
    )


@dataclass
class Window:
    history: list[HistoryItem]  # oldest first
    has_older: bool  # older messages exist that were not read
    newest_id: uuid.UUID | None  # the newest message of the range, hidden ones included


@functools.cache
def _window_page(bounded: bool, through: bool, large: bool) -> Executable:
    """A page of the window, newest first, built once per shape (every turn reads one).

    Core columns, not ORM attributes: the ORM's per-execution setup cost more than the read.
    A `large` page is read on SQLite's thread, not on the event loop (see `THREAD_ROWS`).
    """
    c = MESSAGES.c
    # Ids as the driver returns them: only a page's first and last are used, and converting
    # all of them was a fifth of the read of a long-context window.
    raw_id = type_coerce(c.id, NullType())
    query = select(raw_id, c.role, c.content, c.hidden, c.status).where(
        c.chat_id == bindparam("chat_id")
    )
    if bounded:
        query = query.where(c.id < bindparam("below"))
    if through:
        query = query.where(c.id <= bindparam("through"))
    query = query.order_by(c.id.desc()).limit(bindparam("limit"))
    return query.execution_options(**{ON_THREAD: True}) if large else query


async def read_window(
    db: AsyncSession,
    chat_id: uuid.UUID,
    *,
    budget: int,
    before: uuid.UUID | None = None,
    through: uuid.UUID | None = None,
) -> Window:
    """The newest visible messages whose tokens can fit `budget`, oldest first.

    Reads newest-first in pages and stops once the budget is spent, so the cost depends on
    the context size, never on the length of the chat. Only the columns a prompt needs are
    read (no ORM objects, no JSON columns to decode). Pages grow (64, 128, ... 1024): a
    long-context window (~1000 messages at 128k tokens) takes 5 statements, not 16, while
    a short one still reads a single page of 64. A page is no bigger than what is left of
    the budget needs at the tokens per row read so far (and a margin): a plain doubling
    read 1,984 rows for a window of 999.
    """
    picked: list[HistoryItem] = []
    spent = 0
    rows = 0
    below = before
    newest: uuid.UUID | None = None
    size = PAGE
    while True:
        query = _window_page(below is not None, through is not None, size >= THREAD_ROWS)
        parameters = {"chat_id": chat_id, "below": below, "through": through, "limit": size}
        page = (await db.execute(query, parameters)).all()
        if not page:
            break
        if newest is None:
            newest = _as_uuid(page[0][0])
        below = _as_uuid(page[-1][0])
        for raw_id, role, content, hidden, status in page:
            # An empty reply (stopped or failed before its first word) says nothing, and
            # some providers refuse an empty turn.
            if hidden or status == "streaming" or not content:
                continue
            tokens = estimate_content_tokens(content)
            picked.append(HistoryItem(cast(Role, role), content, tokens, raw_id))
            spent += tokens
            if spent >= budget:
                picked.reverse()
                return Window(picked, True, newest)
        if len(page) < size:
            break
        rows += len(page)
        size = _next_page(size, budget - spent, spent / rows)
    picked.reverse()
    return Window(picked, False, newest)


def _next_page(size: int, left: int, tokens_per_row: float) -> int:
    """Twice the last page at most; fewer rows when the budget left needs fewer."""
    if tokens_per_row <= 0:  # only hidden rows so far: nothing to estimate from
        return min(2 * size, MAX_PAGE)
    needed = math.ceil(1.25 * left / tokens_per_row) + 1
    return max(PAGE, min(2 * size, MAX_PAGE, needed))


def _as_uuid(value: Any) -> uuid.UUID:
    """A raw id: a hex string from SQLite, asyncpg's own UUID subclass from PostgreSQL."""
    return uuid.UUID(str(value))


_LOREBOOKS = ParsedLorebooks()


def character_sheet(character: Character) -> CharacterSheet:
    return CharacterSheet(
        name=character.name,
        nickname=character.nickname or "",
        description=character.description or "",
        personality=character.personality or "",
        scenario=character.scenario or "",
        example_dialogue=character.example_dialogue or "",
        system_prompt=character.system_prompt or "",
        post_history_instructions=character.post_history_instructions or "",
        content_rating=character.content_rating,
        lorebook=_LOREBOOKS.get(character.id, character.updated_at, character.lorebook),
        depth_prompt=depth_prompt(character.extensions_json),
    )


_ROLES: tuple[Role, ...] = ("system", "user", "assistant")


# Keyed by the text: most cards SillyTavern exported have one (often empty), and the
# extensions can be long; the few characters chatted with at a time are parsed once.
@functools.lru_cache(maxsize=64)
def depth_prompt(extensions_json: str | None) -> DepthPrompt | None:
    """The card's character's note, from SillyTavern's `extensions.depth_prompt`
    (`{prompt, depth, role}`); None without one. The extensions are the card's as imported,
    so anything else found there is read as SillyTavern's defaults (depth 4, system)."""
    if not extensions_json or "depth_prompt" not in extensions_json:
        return None
    try:
        found = json.loads(extensions_json).get("depth_prompt")
    except (ValueError, AttributeError, RecursionError):
        return None
    if not isinstance(found, dict) or not isinstance(found.get("prompt"), str):
        return None
    if not found["prompt"].strip():
        return None
    depth = found.get("depth")
    role = found.get("role")
    return DepthPrompt(
        text=found["prompt"],
        depth=depth if isinstance(depth, int) and not isinstance(depth, bool) and depth >= 0 else 4,
        role=role if role in _ROLES else "system",
    )


async def assemble(
    turn: Turn, history: list[HistoryItem], has_older: bool, mode: Mode, *, turn_number: int
) -> AssembledPrompt:
    """`build`, in a thread for a long history (`THREAD_ITEMS`)."""
    if len(history) < THREAD_ITEMS:
        return build(turn, history, has_older, mode, turn_number=turn_number)
    return await asyncio.to_thread(build, turn, history, has_older, mode, turn_number=turn_number)


def build(
    turn: Turn, history: list[HistoryItem], has_older: bool, mode: Mode, *, turn_number: int
) -> AssembledPrompt:
    chat = turn.chat
    return assemble_prompt(
        PromptRequest(
            character=character_sheet(turn.character),
            user_name=turn.user_name,
            persona_description=turn.persona_description,
            history=history,
            has_older_history=has_older,
            author_note=AuthorNote(
                chat.author_note, chat.author_note_depth, chat.author_note_frequency
            ),
            turn=turn_number,
            context_length=turn.context_length,
            reply_reserve=turn.reply_reserve,
            pick_seed=str(chat.id),
            mode=mode,
            model=turn.model_id,
            now=utcnow(),
        )
    )


def params_for(turn: Turn) -> GenerationParams:
    character = turn.character
    return GenerationParams(
        max_tokens=turn.reply_reserve,
        hints={
            "character_name": character.nickname or character.name,
            "greeting": character.greeting or "",
            "example_dialogue": character.example_dialogue or "",
            "user_name": turn.user_name,
        },
    )


_USERS = cast(Table, User.__table__)
# The owner may have been blocked since the request was authenticated. Read inside the
# write transaction, sharing a lock on the user's row: an admin's block either committed
# before (and is seen) or waits for this transaction, and then finds the reply among the
# running ones it stops.
_IN_GOOD_STANDING = (
    select(_USERS.c.id)
    .where(_USERS.c.id == bindparam("b_user"), _USERS.c.is_active, ~_USERS.c.is_blocked)
    .with_for_update(read=True)
    .exists()
)
_STANDING = select(_USERS.c.is_blocked, _USERS.c.is_active).where(
    _USERS.c.id == bindparam("b_user")
)


def _lock_statement(*, new_turn: bool) -> Update:
    table = CHATS  # Core: the result has a rowcount
    values: dict[str, Any] = {
        "active_message_id": bindparam("b_message"),
        "last_message_at": bindparam("b_now"),
    }
    if new_turn:
        values["turns"] = table.c.turns + 1
    return (
        update(table)
        .where(
            table.c.id == bindparam("b_chat"),
            table.c.active_message_id.is_(None),
            _IN_GOOD_STANDING,
        )
        .values(values)
    )


# Built once: they are on the way to every reply's first token.
_LOCK, _LOCK_NEW_TURN = _lock_statement(new_turn=False), _lock_statement(new_turn=True)
_INSERT_MESSAGE = insert(MESSAGES)


async def _lock_chat(
    db: AsyncSession, chat: Chat, message_id: uuid.UUID, *, new_turn: bool
) -> None:
    """The one-generation-per-chat lock, taken only while the owner may still chat: a
    conditional UPDATE, atomic on every backend."""
    now = utcnow()
    statement = _LOCK_NEW_TURN if new_turn else _LOCK
    parameters = {"b_chat": chat.id, "b_message": message_id, "b_now": now, "b_user": chat.user_id}
    result = await db.execute(statement, parameters)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        standing = (await db.execute(_STANDING, {"b_user": chat.user_id})).first()
        if standing is not None and standing.is_blocked:
            raise AccountBlocked()
        if standing is None or not standing.is_active:
            raise AccountDeactivated()
        raise GenerationInProgress()
    # Mirror the row without marking the object dirty (no second UPDATE at flush).
    set_committed_value(chat, "active_message_id", message_id)
    set_committed_value(chat, "last_message_at", now)
    if new_turn:
        set_committed_value(chat, "turns", chat.turns + 1)


async def _lock_or_release(
    db: AsyncSession,
    chat: Chat,
    message_id: uuid.UUID,
    hook: UsageHook,
    reservation: object,
    *,
    new_turn: bool = False,
) -> None:
    try:
        await _lock_chat(db, chat, message_id, new_turn=new_turn)
    except (GenerationInProgress, AccountBlocked, AccountDeactivated):
        await hook.release(reservation)
        raise


async def _reserve(
    db: AsyncSession, hook: UsageHook, user: User, turn: Turn, prompt: AssembledPrompt
) -> object:
    return await hook.reserve(
        UsageRequest(
            user_id=user.id,
            chat_id=turn.chat.id,
            model_id=turn.model_id,
            estimated_tokens=prompt.total_tokens + turn.reply_reserve,
            session=db,
        )
    )


def _job(
    turn: Turn,
    user: User,
    assistant: Message,
    prompt: AssembledPrompt,
    reservation: object,
    base_text: str = "",
    new_messages: int = 0,
) -> GenerationJob:
    return GenerationJob(
        chat_id=turn.chat.id,
        message_id=assistant.id,
        swipe_index=assistant.swipe_index,
        character_id=turn.character.id,
        user_id=user.id,
        model_id=turn.model_id,
        prompt=prompt,
        params=params_for(turn),
        base_text=base_text,
        reservation=reservation,
        new_messages=new_messages,
    )


async def prepare_send(
    db: AsyncSession,
    user: User,
    chat: Chat,
    content: str,
    gateway: LLMGateway,
    hook: UsageHook,
    worker_id: str,
) -> PreparedGeneration:
    """Store the user's message and a `streaming` assistant message; return the job."""
    if chat.active_message_id is not None:
        raise GenerationInProgress()
    turn = await open_turn(db, user, chat, gateway)
    budget = history_read_budget(turn.context_length, turn.reply_reserve)
    window = await read_window(db, chat.id, budget=budget)
    user_id, assistant_id = service.ids_after(window.newest_id, 2)
    history = [*window.history, HistoryItem("user", content, source=user_id)]
    prompt = await assemble(turn, history, window.has_older, "reply", turn_number=chat.turns + 1)
    # One Core INSERT for both rows (the ORM's flush cost several times the statement);
    # the objects stay outside the session, for the response and the job. All is built
    # before the first write, which takes the database's write turn (on SQLite, one for
    # every writer of the file): the turn is held for the three writes and the commit.
    reply = _reply_row(chat, assistant_id, turn, worker_id)
    rows = [
        {
            **reply,
            "id": user_id,
            "role": "user",
            "content": content,
            "status": "complete",
            "swipes": None,
            "model": None,
            "worker_id": None,
            "stream_start": None,
            "stream_from": None,
        },
        reply,
    ]
    user_message, assistant = Message(**rows[0]), Message(**reply)
    reservation = await _reserve(db, hook, user, turn, prompt)
    await _lock_or_release(db, chat, assistant_id, hook, reservation, new_turn=True)
    await db.execute(_INSERT_MESSAGE, rows)
    # The character's message counter is bumped when the reply ends (one statement fewer
    # on the way to the first token): the user's message, and the reply if it completes.
    job = _job(turn, user, assistant, prompt, reservation, new_messages=1)
    return PreparedGeneration(job, assistant, user_message)


def _reply_row(chat: Chat, reply_id: uuid.UUID, turn: Turn, worker_id: str) -> dict[str, Any]:
    """The row of a reply about to be written."""
    now = utcnow()
    return {
        "chat_id": chat.id,
        "created_at": now,
        "updated_at": now,
        "hidden": False,
        "swipe_index": 0,
        "id": reply_id,
        "role": "assistant",
        "content": "",
        "status": "streaming",
        "swipes": [""],
        "model": turn.model_id,
        "worker_id": worker_id,
        "stream_start": stream_start(),
        "stream_from": 0,
    }


async def _prepare_answer(
    db: AsyncSession,
    user: User,
    chat: Chat,
    message: Message,
    gateway: LLMGateway,
    hook: UsageHook,
    worker_id: str,
) -> PreparedGeneration:
    """A reply to the latest message when it is the user's, left unanswered (its reply
    deleted, or it failed before one was stored)."""
    if await service.newest_message_id(db, chat.id) != message.id:
        raise InvalidChatOperation("Only the latest message can be answered again.")
    if message.hidden:
        raise InvalidChatOperation("A hidden message is not in the prompt: show it to answer it.")
    turn = await open_turn(db, user, chat, gateway)
    budget = history_read_budget(turn.context_length, turn.reply_reserve)
    window = await read_window(db, chat.id, budget=budget)
    (reply_id,) = service.ids_after(window.newest_id, 1)
    prompt = await assemble(turn, window.history, window.has_older, "reply", turn_number=chat.turns)
    reservation = await _reserve(db, hook, user, turn, prompt)
    await _lock_or_release(db, chat, reply_id, hook, reservation)
    # Held now, the chat takes no other message: check that none came meanwhile.
    if await service.newest_message_id(db, chat.id) != message.id:
        raise InvalidChatOperation("Only the latest message can be answered again.")
    row = _reply_row(chat, reply_id, turn, worker_id)
    await db.execute(_INSERT_MESSAGE, [row])
    reply = Message(**row)
    return PreparedGeneration(_job(turn, user, reply, prompt, reservation), reply)


async def _last_message_guard(db: AsyncSession, chat: Chat, message: Message) -> None:
    if message.role != "assistant":
        raise InvalidChatOperation("Only a reply of the character can be regenerated or continued.")
    if await service.newest_message_id(db, chat.id) != message.id:
        raise InvalidChatOperation("Only the latest message can be regenerated or continued.")


async def prepare_rerun(
    db: AsyncSession,
    user: User,
    chat: Chat,
    message: Message,
    mode: Literal["reply", "continue"],
    gateway: LLMGateway,
    hook: UsageHook,
    worker_id: str,
) -> PreparedGeneration:
    """Regenerate (a new swipe of `message`) or continue it, streaming into the same row;
    regenerating the user's unanswered latest message writes a new reply to it."""
    if chat.active_message_id is not None:
        raise GenerationInProgress()
    if mode == "reply" and message.role == "user":
        return await _prepare_answer(db, user, chat, message, gateway, hook, worker_id)
    await _last_message_guard(db, chat, message)
    if mode == "continue" and message.hidden:
        # The model would be asked to go on with a text its prompt leaves out.
        raise InvalidChatOperation("A hidden reply is not in the prompt: show it to continue it.")
    if mode == "reply" and len(message.swipes or [message.content]) >= MAX_SWIPES:
        raise TooManySwipes()
    turn = await open_turn(db, user, chat, gateway)
    budget = history_read_budget(turn.context_length, turn.reply_reserve)
    if mode == "continue":
        window = await read_window(db, chat.id, budget=budget, through=message.id)
        history = _unlinked(window.history, message.id)
    else:
        window = await read_window(db, chat.id, budget=budget, before=message.id)
        history = window.history
    prompt = await assemble(turn, history, window.has_older, mode, turn_number=chat.turns)
    reservation = await _reserve(db, hook, user, turn, prompt)
    await _lock_or_release(db, chat, message.id, hook, reservation)
    # Only now is no edit or deletion of the chat's messages possible until the generation
    # ends (they hold the chat's row first): read the message as the ones before left it.
    await service.reread_message(db, message)
    await _last_message_guard(db, chat, message)
    message.stream_start = stream_start(message)
    base_text = ""
    if mode == "continue":
        base_text = message.content
        # The runner writes the prompt of the text as continued.
        await db.execute(
            delete(PromptSnapshot).where(
                PromptSnapshot.message_id == message.id,
                PromptSnapshot.swipe_index == message.swipe_index,
            )
        )
    else:
        swipes = list(message.swipes or [message.content])
        if 0 <= message.swipe_index < len(swipes):
            # The current alternative is `content` (a branch copies a reply that is still
            # being written with its swipe not filled in yet): keep it as it reads.
            swipes[message.swipe_index] = message.content
        # An attempt that failed before writing a word is retried in its place, not kept
        # as an empty alternative.
        if message.status != "error" or message.content:
            message.swipe_info = swipe_details.keep_current(message, len(swipes))
            swipes.append("")
            message.swipe_index = len(swipes) - 1
        message.swipes = swipes
        message.content = ""
        message.rating = None  # a rating is of the swipe it was given to
        for name in swipe_details.DETAILS:
            setattr(message, name, None)  # the new swipe's come when its generation ends
    message.stream_from = len(base_text)
    message.status = "streaming"
    message.error = None
    message.model = turn.model_id
    message.worker_id = worker_id
    await db.flush()
    return PreparedGeneration(_job(turn, user, message, prompt, reservation, base_text), message)


def _unlinked(history: list[HistoryItem], message_id: uuid.UUID) -> list[HistoryItem]:
    """The continued message goes into the prompt's snapshot as text: the continuation is
    about to change the stored one."""
    if history and history[-1].source is not None and _as_uuid(history[-1].source) == message_id:
        last = history[-1]
        seed = str(last.source)  # its macros keep the values they were sent with
        return [*history[:-1], HistoryItem(last.role, last.content, last.tokens, seed=seed)]
    return history


async def impersonate_prompt(
    db: AsyncSession, user: User, chat: Chat, gateway: LLMGateway
) -> tuple[Turn, AssembledPrompt]:
    turn = await open_turn(db, user, chat, gateway)
    budget = history_read_budget(turn.context_length, turn.reply_reserve)
    window = await read_window(db, chat.id, budget=budget)
    return turn, await assemble(
        turn, window.history, window.has_older, "impersonate", turn_number=chat.turns
    )

"""Generations run here, owned by the app (not by an HTTP request).

A client may disconnect, re-attach or stop; the task goes on. Text reaches the database
progressively: one flush loop writes the text of every running generation in ONE short
transaction every `flush_interval` seconds (never per token), so at most that much text is
at risk in a crash and the database load does not grow with tokens per second. The same
loop stores each generation's prompt for the inspector, after its request is out. Each
generation ends with its own transaction (status, usage, cost, latency), then the terminal
hub event, so a client that sees `done` can read the stored message.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters.counters import bump_messages
from hearth.chats import swipes as swipe_details
from hearth.chats.hub import StreamHub
from hearth.chats.models import CHATS, MESSAGES, PROMPT_SNAPSHOTS, Message
from hearth.chats.prompt import AssembledPrompt
from hearth.chats.schemas import message_json
from hearth.chats.usage import Settlement, UsageHook
from hearth.chats.workers import Workers
from hearth.core.clock import utcnow
from hearth.core.db import Database
from hearth.core.errors import outage
from hearth.llm.errors import LLMError
from hearth.llm.gateway import LLMGateway
from hearth.llm.tokens import estimate_tokens
from hearth.llm.types import (
    GenerationParams,
    StreamEnd,
    StreamStart,
    TextDelta,
    Usage,
)

log = logging.getLogger(__name__)

DEFAULT_FLUSH_INTERVAL = 0.5
FINAL_BATCH = 200
INTERRUPTED_BY_SHUTDOWN = {
    "code": "generation_interrupted",
    "message": "The server restarted while this reply was being written.",
}
REPLY_DELETED = {
    "code": "message_not_found",
    "message": "The reply was deleted while it was being written.",
}


# Between attempts to write the ends of replies (7.7 s in all, well inside the recovery
# sweep's first look at a reply left `streaming`).
FINAL_RETRY_PAUSES = (0.2, 0.5, 1.0, 2.0, 4.0)


def _transient(exc: BaseException) -> bool:
    """A database failure that the same write may not meet again; a constraint or a bug would."""
    if isinstance(exc, IntegrityError | ProgrammingError | DataError):
        return False
    return isinstance(exc, DBAPIError | OSError)


class _StoppedEarly(Exception):
    """A stop came before the generation's first step: the provider is not called."""


class _ReplyDeleted(LookupError):
    """The reply's row was gone when its end was written (its chat or account was deleted)."""


@dataclass
class GenerationJob:
    chat_id: uuid.UUID
    message_id: uuid.UUID
    swipe_index: int
    character_id: uuid.UUID
    user_id: uuid.UUID
    model_id: str
    # What is sent, and its estimated tokens. Its snapshot, for the prompt inspector, is
    # written by the flush loop once the request is out (in the send it cost 0.2 ms at 8k
    # context, 2 ms at 128k).
    prompt: AssembledPrompt
    params: GenerationParams
    # `continue` extends what the message already says.
    base_text: str = ""
    reservation: object = None
    # New messages this turn made before the reply (the user's), for the character's counter.
    new_messages: int = 0


@dataclass
class _Final:
    job: GenerationJob
    values: dict[str, Any]
    counted: int
    # What the usage hook settles when the reply is stored; None: release (nothing billable).
    settlement: Settlement | None
    done: asyncio.Future[dict[str, Any]]
    # The prompt's snapshot, when no flush has written it yet (a reply that ended quickly).
    snapshot: dict[str, Any] | None = None


@dataclass
class _Live:
    job: GenerationJob
    parts: list[str] = field(default_factory=list)
    chars: int = 0
    flushed_chars: int = 0
    stop_requested: bool = False
    started: bool = False
    finishing: bool = False
    snapshot_written: bool = False
    task: asyncio.Task[None] | None = None

    def snapshot(self) -> dict[str, Any] | None:
        return None if self.snapshot_written else self.job.prompt.snapshot()

    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts[:] = ["".join(self.parts)]
        return self.job.base_text + (self.parts[0] if self.parts else "")


# Built once, in Core: every reply's end runs them, and the ORM's loading and unit of work
# cost several times the statements (3.4 ms for one reply's end, measured at 1 chat).
_END_GENERATION = (
    update(CHATS)
    .where(CHATS.c.id == bindparam("b_chat"), CHATS.c.active_message_id == bindparam("b_message"))
    .values(active_message_id=None, last_message_at=bindparam("b_now"))
)
_FLUSH_TEXT = (
    update(MESSAGES)
    .where(MESSAGES.c.id == bindparam("b_id"), MESSAGES.c.status == "streaming")
    .values(content=bindparam("b_content"))
)
# What a reply's end sets (`_Final.values`, and the swipes); `_READ_FINALS` reads the rest of
# the row its JSON shows.
_FINAL_COLUMNS = ("content", *swipe_details.DETAILS, "worker_id", "swipes")
_m = MESSAGES.c


@functools.cache
def _write_snapshot(dialect: str) -> Any:
    """The prompt of a reply's swipe, stored unless the reply was deleted meanwhile (a row
    referring to it would fail the whole write). Written again, it replaces the earlier."""
    columns = PROMPT_SNAPSHOTS.c
    values = select(
        bindparam("b_id", type_=columns.message_id.type),
        bindparam("b_swipe", type_=columns.swipe_index.type),
        bindparam("b_snapshot", type_=columns.snapshot.type),
    ).where(exists().where(_m.id == bindparam("b_id")))
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(PROMPT_SNAPSHOTS).from_select(
        ["message_id", "swipe_index", "snapshot"], values
    )
    return statement.on_conflict_do_update(
        index_elements=["message_id", "swipe_index"],
        set_={"snapshot": statement.excluded.snapshot},
    )


_READ_FINALS = select(
    _m.id, _m.chat_id, _m.role, _m.swipes, _m.swipe_index, _m.hidden, _m.rating, _m.created_at
).where(_m.id.in_(bindparam("ids", expanding=True)))
_WRITE_FINAL = (
    update(MESSAGES)
    .where(_m.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}", type_=_m[name].type) for name in _FINAL_COLUMNS})
)


def _snapshot_row(job: GenerationJob, snapshot: dict[str, Any]) -> dict[str, Any]:
    return {"b_id": job.message_id, "b_swipe": job.swipe_index, "b_snapshot": snapshot}


def llm_error_body(exc: LLMError) -> dict[str, str]:
    return {"code": exc.code, "message": f"The model could not answer: {exc.explanation}."}


class GenerationRunner:
    def __init__(
        self,
        database: Database,
        hub: StreamHub,
        gateway: Callable[[], LLMGateway],
        usage_hook: Callable[[], UsageHook],
        *,
        workers: Workers,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
    ) -> None:
        self.database = database
        self._write_snapshot = _write_snapshot(database.engine.dialect.name)
        self.hub = hub
        self._gateway = gateway
        self._usage_hook = usage_hook
        self.workers = workers
        self.worker_id = workers.worker_id
        self.flush_interval = flush_interval
        self._live: dict[uuid.UUID, _Live] = {}
        self._chats: set[uuid.UUID] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._finals: list[_Final] = []
        self._finals_ready = asyncio.Event()
        self._finalizer: asyncio.Task[None] | None = None
        self._closing = False

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self.workers.start()
        except Exception:  # Redis down at start-up: /readyz says so; the loop retries
            log.warning("chat.heartbeat_failed", exc_info=True)
        self._loop_task = asyncio.create_task(self._flush_loop(), name="chat-flush-loop")
        self._finalizer = asyncio.create_task(self._finalize_loop(), name="chat-finalizer")

    async def aclose(self, grace: float = 5.0) -> None:
        """Interrupt what still runs (marked `interrupted`, text kept) and stop the loop."""
        self._closing = True
        tasks = [live.task for live in self._live.values() if live.task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for loop_task in (self._loop_task, self._finalizer):
            if loop_task is not None:
                loop_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop_task

    # -- generations -------------------------------------------------------------------

    def chat_busy(self, chat_id: uuid.UUID) -> bool:
        return chat_id in self._chats

    def claim_chat(self, chat_id: uuid.UUID) -> bool:
        """In-process guard taken before the database lock (cheap 409 for double clicks)."""
        if chat_id in self._chats:
            return False
        self._chats.add(chat_id)
        return True

    def release_chat(self, chat_id: uuid.UUID) -> None:
        self._chats.discard(chat_id)

    def is_running(self, message_id: uuid.UUID) -> bool:
        return message_id in self._live

    def launch(self, job: GenerationJob) -> None:
        """Run `job` in the background; the chat must already be claimed and committed."""
        live = _Live(job)
        self._live[job.message_id] = live
        self._chats.add(job.chat_id)
        live.task = asyncio.create_task(self._run(live), name=f"generation-{job.message_id}")

    async def request_stop(self, message_id: uuid.UUID) -> bool:
        """Stop a generation of this worker, or ask the one that runs it."""
        live = self._live.get(message_id)
        if live is not None and live.task is not None:
            if not live.finishing:
                live.stop_requested = True
                # A task cancelled before its first step never runs a line: it would end
                # without storing the reply or freeing the chat. One not started yet sees
                # `stop_requested` when it does.
                if live.started:
                    live.task.cancel()
            return True
        await self.workers.ask_stop(message_id)
        return True

    async def _run(self, live: _Live) -> None:
        job = live.job
        key = str(job.message_id)
        started = time.monotonic()
        ttft_ms: int | None = None
        served: StreamStart | None = None
        end: StreamEnd | None = None
        error: dict[str, str] | None = None
        live.started = True
        try:
            if live.stop_requested:
                raise _StoppedEarly
            stream = self._gateway().stream(
                job.prompt.messages, model_id=job.model_id, params=job.params
            )
            async for event in stream:
                if isinstance(event, TextDelta):
                    if not event.text:
                        continue
                    if ttft_ms is None:
                        ttft_ms = int((time.monotonic() - started) * 1000)
                    live.parts.append(event.text)
                    live.chars += len(event.text)
                    await self.hub.publish(key, "delta", {"text": event.text})
                elif isinstance(event, StreamStart):
                    served = event
                elif isinstance(event, StreamEnd):
                    end = event
            status = "complete"
        except _StoppedEarly:
            status = "stopped"
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            if live.stop_requested:
                status = "stopped"
            else:
                status, error = "interrupted", dict(INTERRUPTED_BY_SHUTDOWN)
        except LLMError as exc:
            error = llm_error_body(exc)
            status = "interrupted" if live.chars else "error"
        except Exception:
            log.exception("chat.generation_failed message=%s", key)
            error = {"code": "internal_error", "message": "The reply failed on our side."}
            status = "interrupted" if live.chars else "error"
        live.finishing = True
        duration_ms = int((time.monotonic() - started) * 1000)
        try:
            message = await self._finish(
                live, status, served, end, error, ttft_ms=ttft_ms, duration_ms=duration_ms
            )
        except _ReplyDeleted:
            log.info("chat.reply_deleted message=%s", key)
            message, error = None, dict(REPLY_DELETED)
        except Exception:
            log.exception("chat.finish_failed message=%s", key)
            message = None
        finally:
            self._live.pop(job.message_id, None)
            self._chats.discard(job.chat_id)
        if message is None:
            body = error or {"code": "internal_error", "message": "The reply could not be saved."}
            await self.hub.publish(key, "error", {**body, "message_id": key})
        elif error is not None and status in ("error", "interrupted"):
            # `error` is terminal; it carries the stored message (partial text, its status).
            await self.hub.publish(
                key, "error", {**error, "message_id": key, "assistant_message": message}
            )
        else:
            await self.hub.publish(key, "done", message)

    async def _finish(
        self,
        live: _Live,
        status: str,
        served: StreamStart | None,
        end: StreamEnd | None,
        error: dict[str, str] | None,
        *,
        ttft_ms: int | None,
        duration_ms: int,
    ) -> dict[str, Any]:
        job = live.job
        text = live.text()
        generated = text[len(job.base_text) :]
        gateway = self._gateway()
        model_id = served.model_id if served else job.model_id
        if end is not None:
            prompt_tokens, completion_tokens = end.usage.prompt_tokens, end.usage.completion_tokens
        else:
            # No usage from the provider (stopped or cut): bill our estimate of what was made.
            prompt_tokens = job.prompt.total_tokens if served else 0
            completion_tokens = estimate_tokens(generated)
        usage = Usage(prompt_tokens, completion_tokens)
        cost = gateway.price(model_id).cost(usage) if served else 0.0
        values: dict[str, Any] = {
            "content": text,
            "status": status,
            "model": model_id,
            "provider": served.provider if served else None,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "cost": cost,
            "ttft_ms": ttft_ms,
            "duration_ms": duration_ms,
            "finish_reason": end.finish_reason if end else status,
            "error": error,
            "worker_id": None,
        }
        # A send counts its user message, and its reply once complete; a regenerated or
        # continued reply is not a new message.
        counted = job.new_messages + (1 if status == "complete" and job.new_messages else 0)
        settlement = (
            Settlement(job.reservation, usage, cost, job.message_id, served.provider, model_id)
            if served is not None and (completion_tokens > 0 or end is not None)
            else None
        )
        final = _Final(
            job,
            values,
            counted,
            settlement,
            asyncio.get_running_loop().create_future(),
            live.snapshot(),
        )
        self._finals.append(final)
        self._finals_ready.set()
        return await asyncio.shield(final.done)

    # -- progressive persistence -------------------------------------------------------

    async def _finalize_loop(self) -> None:
        """Ends of generations, written together: one transaction for all that are ready."""
        while True:
            await self._finals_ready.wait()
            self._finals_ready.clear()
            batch, self._finals = self._finals[:FINAL_BATCH], self._finals[FINAL_BATCH:]
            if self._finals:
                self._finals_ready.set()
            try:
                bodies = await self._write_finals_retrying(batch)
            except Exception as exc:
                for final in batch:
                    if not final.done.done():
                        final.done.set_exception(exc)
                continue
            for final in batch:
                body = bodies.get(final.job.message_id)
                if final.done.done():
                    continue
                if body is None:
                    final.done.set_exception(_ReplyDeleted())
                else:
                    final.done.set_result(body)

    async def _write_finals_retrying(self, batch: list[_Final]) -> dict[uuid.UUID, dict[str, Any]]:
        """A database that fails for a moment (a deadlock, SQLite busy past its timeout, a
        dropped connection) costs the replies' ends a few seconds, not their status: the
        write is whole or not at all, so it is simply made again."""
        for pause in FINAL_RETRY_PAUSES:
            try:
                return await self._write_finals(batch)
            except Exception as exc:
                if not _transient(exc):
                    raise
                log.warning(
                    "chat.finals_retry messages=%d in=%.1fs reason=%s",
                    len(batch),
                    pause,
                    type(exc).__name__,
                )
                await asyncio.sleep(pause)
        return await self._write_finals(batch)

    async def _write_finals(self, batch: list[_Final]) -> dict[uuid.UUID, dict[str, Any]]:
        async with self.database.inline_sessionmaker() as session:
            try:
                return await self._write_finals_in(session, batch)
            except BaseException:
                # Explicitly, so the usage hook hears of it and settles again on a retry.
                with contextlib.suppress(Exception):
                    await session.rollback()
                raise

    async def _write_finals_in(
        self, session: AsyncSession, batch: list[_Final]
    ) -> dict[uuid.UUID, dict[str, Any]]:
        now = utcnow()
        ids = [final.job.message_id for final in batch]
        found = {row.id: row for row in await session.execute(_READ_FINALS, {"ids": ids})}
        bumps: Counter[uuid.UUID] = Counter()
        chats: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        bodies: dict[uuid.UUID, dict[str, Any]] = {}
        for final in batch:
            # The chat is free again even if its reply was deleted meanwhile.
            chats.append(
                {"b_chat": final.job.chat_id, "b_message": final.job.message_id, "b_now": now}
            )
            stored = found.get(final.job.message_id)
            if stored is None:
                continue
            swipes = list(stored.swipes or [""])
            if 0 <= stored.swipe_index < len(swipes):
                swipes[stored.swipe_index] = final.values["content"]
            values = {**final.values, "swipes": swipes}
            rows.append({"b_id": stored.id, **{f"b_{k}": v for k, v in values.items()}})
            bumps[final.job.character_id] += final.counted
            bodies[stored.id] = message_json(Message(**{**stored._mapping, **values}))
        # Rows are locked in the order a request locks them (PostgreSQL would deadlock
        # otherwise): a send takes the quota counters, then the chat, then writes
        # messages; an edit takes the chat, then changes the message. The charges land
        # in the same transaction as the replies they pay for.
        await self._bill(session, batch)
        await session.execute(_END_GENERATION, chats)
        if rows:
            await session.execute(_WRITE_FINAL, rows)
        snapshots = [
            _snapshot_row(final.job, final.snapshot)
            for final in batch
            if final.snapshot is not None and final.job.message_id in found
        ]
        if snapshots:
            await session.execute(self._write_snapshot, snapshots)
        await bump_messages(session, bumps)
        await session.commit()
        return bodies

    async def _bill(self, session: AsyncSession, batch: list[_Final]) -> None:
        # A bug in the hook is logged and the replies are still stored. A database error
        # here fails the whole end-of-reply write, replies included, and it is made again
        # (PostgreSQL aborts the transaction): the price of one transaction for all.
        hook = self._usage_hook()
        settlements = [final.settlement for final in batch if final.settlement is not None]
        try:
            for final in batch:
                if final.settlement is None:
                    await hook.release(final.job.reservation, session=session)
            await hook.settle_all(settlements, session=session)
        except DBAPIError:
            raise  # the database's failure, not the hook's: the whole write is retried
        except Exception:
            log.exception(
                "chat.usage_hook_failed messages=%s",
                ",".join(str(final.job.message_id) for final in batch),
            )

    async def flush(self) -> int:
        """Write the text of every running generation that grew, and the prompt snapshots
        not written yet; returns how many texts."""
        texts: list[dict[str, Any]] = []
        marks: list[tuple[_Live, int]] = []
        snapshots: list[dict[str, Any]] = []
        fresh: list[_Live] = []
        for live in list(self._live.values()):
            if live.finishing:
                continue
            snapshot = live.snapshot()
            if snapshot is not None:
                fresh.append(live)
                snapshots.append(_snapshot_row(live.job, snapshot))
            if live.chars != live.flushed_chars:
                marks.append((live, live.chars))
                texts.append({"b_id": live.job.message_id, "b_content": live.text()})
        if not texts and not snapshots:
            return 0
        async with self.database.inline_sessionmaker() as session:
            if texts:
                await session.execute(_FLUSH_TEXT, texts)
            if snapshots:
                await session.execute(self._write_snapshot, snapshots)
            await session.commit()
        for live, chars in marks:
            live.flushed_chars = chars
        for live in fresh:
            live.snapshot_written = True
        return len(texts)

    async def _flush_loop(self) -> None:
        """Each step on its own: a database that fails the flush must not stop the
        heartbeat, or the siblings would take this worker's replies for orphans."""
        steps = (self.flush, self._check_remote_stops, self.workers.keep_alive)
        while True:
            await asyncio.sleep(self.flush_interval)
            for step in steps:
                try:
                    await step()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failed = outage(exc) or (type(exc).__name__ if _transient(exc) else None)
                    if failed is None:
                        log.exception("chat.flush_failed step=%s", step.__name__)
                        continue
                    # E.g. PostgreSQL chose this transaction to end a deadlock with a
                    # reply's end, or Redis is out: the texts not written stay marked so,
                    # and the next flush writes them; the heartbeat is tried again too.
                    log.warning("chat.flush_failed step=%s reason=%s", step.__name__, failed)

    async def _check_remote_stops(self) -> None:
        running = [mid for mid, live in self._live.items() if not live.finishing]
        if running:
            for mid in await self.workers.stops_among(running):
                await self.request_stop(mid)

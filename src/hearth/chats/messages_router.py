"""HTTP for messages: paging, send (SSE or JSON), regenerate, continue, stop, re-attach,
swipes, edits, deletion, hiding, rating, impersonation and the prompt inspector."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse

from hearth.auth.deps import CurrentUser
from hearth.chats import editing, inspection, service, turns
from hearth.chats.deps import EngineDep, SendingUser, wants_json
from hearth.chats.engine import ChatEngine
from hearth.chats.errors import GenerationInProgress, MessageNotFound, ModelFailed, NotGenerating
from hearth.chats.hub import HubEvent
from hearth.chats.models import Message
from hearth.chats.recovery import recover_interrupted
from hearth.chats.runner import llm_error_body
from hearth.chats.schemas import (
    HideBody,
    ImpersonateOut,
    MessageCreate,
    MessageEdit,
    MessageOut,
    PromptInspection,
    RateBody,
    SendResult,
    SwipeSelect,
    final_event,
    message_json,
)
from hearth.chats.sse import HEARTBEAT_SECONDS, batched, parse_last_event_id, sse_response
from hearth.chats.usage import UsageRequest, charged
from hearth.chats.workers import WORKER_TTL_SECONDS
from hearth.core.deps import DatabaseDep, DbDep, short_statements
from hearth.core.errors import NotFound, ServiceUnavailable
from hearth.core.pagination import Page
from hearth.limits.deps import SendRateLimit
from hearth.llm.errors import LLMError
from hearth.safety.deps import ModerateMessage

log = logging.getLogger(__name__)
# A reply asked to stop ends within a flush of its worker. A stop unanswered this long was
# sent to a worker that had just died: its heartbeat, which outlives it by no more, is gone.
STOP_WAIT_SECONDS = WORKER_TTL_SECONDS

router = APIRouter(prefix="/chats/{chat_id}/messages", tags=["chats"])
impersonate_router = APIRouter(prefix="/chats", tags=["chats"])

STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events: user_message, start, delta…, done | error",
        "content": {"text/event-stream": {}, "application/json": {}},
    },
    409: {"description": "generation_in_progress, character_unavailable, chat_in_trash"},
}
POLL_SECONDS = 0.5


@router.get("")
async def list_messages(
    chat_id: uuid.UUID,
    user: CurrentUser,
    db: DbDep,
    before: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[MessageOut]:
    """Newest first: `next_cursor` is the `before` of the next (older) page."""
    chat = await service.get_chat(db, user, chat_id)
    rows, next_cursor = await service.page_messages(db, chat, before=before, limit=limit)
    return Page[MessageOut](items=[MessageOut.of(m) for m in rows], next_cursor=next_cursor)


async def _stream_or_wait(
    request: Request,
    engine: ChatEngine,
    key: str,
    user_message: dict[str, Any] | None,
) -> Response:
    if not wants_json(request):
        return sse_response(engine.hub.follow(key, 0, HEARTBEAT_SECONDS))
    terminal: HubEvent | None = None
    async for item in engine.hub.subscribe(key, 0):
        if item.terminal:
            terminal = item
    assert terminal is not None
    assistant = _reply_of(terminal)
    if user_message is None:
        return JSONResponse(assistant)
    return JSONResponse(
        SendResult.model_validate(
            {"user_message": user_message, "assistant_message": assistant}
        ).model_dump(mode="json")
    )


def _reply_of(terminal: HubEvent) -> dict[str, Any]:
    """The stored reply that a generation's last event carries."""
    if terminal.event == "done":
        return terminal.data
    if "assistant_message" in terminal.data:
        return dict(terminal.data["assistant_message"])
    if terminal.data.get("code") == MessageNotFound.code:
        raise MessageNotFound()
    raise ServiceUnavailable()  # its end could not be stored


async def _launch(engine: ChatEngine, prepared: turns.PreparedGeneration) -> str:
    key = str(prepared.assistant.id)
    await engine.hub.open(key, prepared.first_event_id)
    if prepared.user_message is not None:
        await engine.hub.publish(key, "user_message", message_json(prepared.user_message))
    await engine.hub.publish(key, "start", {"message_id": key, "model": prepared.job.model_id})
    engine.runner.launch(prepared.job)
    # The generation goes first, up to its request to the provider: the reply's first token
    # waits on that request, while this response's headers and first events wait on nothing.
    await asyncio.sleep(0)
    return key


@router.post("", responses=STREAM_RESPONSES)
@short_statements
async def send_message(
    chat_id: uuid.UUID,
    body: MessageCreate,
    request: Request,
    user: SendingUser,
    db: DbDep,
    engine: EngineDep,
) -> Response:
    """Store the user's message, then stream the reply (or, with `Accept: application/json`,
    wait and return both messages)."""
    chat = await service.get_live_chat(db, user, chat_id)
    if not engine.runner.claim_chat(chat.id):
        raise GenerationInProgress()
    try:
        prepared = await turns.prepare_send(
            db,
            user,
            chat,
            body.content,
            engine.gateway,
            engine.usage_hook,
            engine.runner.worker_id,
        )
        # Durable before the LLM hears of it: the user's words are never lost.
        await db.commit()
    except BaseException:
        engine.runner.release_chat(chat.id)
        raise
    assert prepared.user_message is not None
    user_out = message_json(prepared.user_message)
    key = await _launch(engine, prepared)
    return await _stream_or_wait(request, engine, key, user_out)


async def _rerun(
    chat_id: uuid.UUID,
    message_id: uuid.UUID,
    mode: Literal["reply", "continue"],
    request: Request,
    user: Any,
    db: DbDep,
    engine: ChatEngine,
) -> Response:
    chat = await service.get_live_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    if not engine.runner.claim_chat(chat.id):
        raise GenerationInProgress()
    try:
        prepared = await turns.prepare_rerun(
            db,
            user,
            chat,
            message,
            mode,
            engine.gateway,
            engine.usage_hook,
            engine.runner.worker_id,
        )
        await db.commit()
    except BaseException:
        engine.runner.release_chat(chat.id)
        raise
    try:
        await engine.runner.workers.clear_stop(message.id)
    except Exception:  # e.g. Redis out: the reply must start all the same, it is committed
        log.warning("chat.stop_not_cleared message=%s", message.id, exc_info=True)
    key = await _launch(engine, prepared)
    return await _stream_or_wait(request, engine, key, None)


@router.post("/{message_id}/regenerate", responses=STREAM_RESPONSES, dependencies=[SendRateLimit])
@short_statements
async def regenerate(
    chat_id: uuid.UUID,
    message_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    engine: EngineDep,
) -> Response:
    """A new alternative (swipe) of the latest reply; earlier ones stay selectable. On the
    user's latest message, left without a reply (its reply deleted), a new reply to it."""
    return await _rerun(chat_id, message_id, "reply", request, user, db, engine)


@router.post("/{message_id}/continue", responses=STREAM_RESPONSES, dependencies=[SendRateLimit])
@short_statements
async def continue_reply(
    chat_id: uuid.UUID,
    message_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    engine: EngineDep,
) -> Response:
    """Extend the latest reply from where it ends."""
    return await _rerun(chat_id, message_id, "continue", request, user, db, engine)


async def _poll_database(
    database: DatabaseDep, message_id: uuid.UUID, after: int
) -> AsyncIterator[HubEvent]:
    """The events after `after` of a reply, from its stored text (another worker writes it,
    without Redis; or it ended and left the hub). The ids are the ones the hub gave: from
    `stream_start`, a delta's is its end in the generated text (`hearth.chats.hub`), so
    `after` says how much of it the client holds. That may be more than is stored yet (the
    runner writes it every second or so): the rest is sent once stored."""
    held: int | None = None  # of the message's text, what the client has
    while True:
        async with database.sessionmaker() as session:
            message = await session.get(Message, message_id)
        if message is None:
            return
        # Stored before stream ids were (an older version's reply): everything, once.
        start = message.stream_start if message.stream_start is not None else after + 1
        begun = message.stream_from or 0
        text = message.content
        if held is None:
            if after < start:
                started = {"message_id": str(message_id), "model": message.model}
                yield HubEvent(start, "start", started)
                held = begun  # a continued reply's text from before: the client has it
            else:
                held = begun + after - start
        position = start + max(len(text) - begun, 0)  # the id of a delta ending the text
        if len(text) > held:
            yield HubEvent(position, "delta", {"text": text[held:]})
            held = len(text)
        if message.status != "streaming":
            if after <= position:
                yield _terminal_of(message, position + 1)
            return
        await asyncio.sleep(POLL_SECONDS)


def _terminal_of(message: Message, event_id: int) -> HubEvent:
    return HubEvent(event_id, *final_event(message))


async def _written_elsewhere(_message: Message) -> bool:
    return False


@router.get("/{message_id}/stream", responses=STREAM_RESPONSES)
async def reattach(
    chat_id: uuid.UUID,
    message_id: uuid.UUID,
    user: CurrentUser,
    db: DbDep,
    database: DatabaseDep,
    engine: EngineDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """The events of a running or finished generation after `Last-Event-ID`."""
    chat = await service.get_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    after = parse_last_event_id(last_event_id)
    key = str(message.id)
    if await engine.hub.knows(key, message.stream_start):
        return sse_response(engine.hub.follow(key, after, HEARTBEAT_SECONDS))
    return sse_response(batched(_poll_database(database, message.id, after)))


@router.post("/{message_id}/stop")
async def stop_generation(
    chat_id: uuid.UUID,
    message_id: uuid.UUID,
    user: CurrentUser,
    db: DbDep,
    database: DatabaseDep,
    engine: EngineDep,
) -> dict[str, Any]:
    """Stop a running reply; what was written is kept (status `stopped`)."""
    chat = await service.get_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    if message.status != "streaming" and not engine.runner.is_running(message.id):
        raise NotGenerating()
    key = str(message.id)
    await db.commit()  # end this transaction: the runner writes the final state
    if await _orphaned(engine, message):
        return await _recovered(db, database, engine, message)
    await engine.runner.request_stop(message.id)
    try:
        async with asyncio.timeout(STOP_WAIT_SECONDS):
            if await engine.hub.knows(key, message.stream_start):
                ending = engine.hub.subscribe(key, 0)
            else:  # another worker runs it, without Redis: its end shows in the database
                ending = _poll_database(database, message.id, 0)
            async for item in ending:
                if item.terminal:
                    return _reply_of(item)
    except TimeoutError:
        pass
    await service.reread_message(db, message)
    if message.status == "streaming" and await _orphaned(engine, message):
        # Its worker died just before: its heartbeat outlived it until now.
        return await _recovered(db, database, engine, message)
    return message_json(message)


async def _orphaned(engine: ChatEngine, message: Message) -> bool:
    return not engine.runner.is_running(message.id) and not await engine.runner.workers.alive(
        message.worker_id
    )


async def _recovered(
    db: DbDep, database: DatabaseDep, engine: ChatEngine, message: Message
) -> dict[str, Any]:
    """The reply of a dead worker, ended now rather than at recovery's next sweep."""
    await recover_interrupted(
        database, _written_elsewhere, engine.hub.end_orphan, message_id=message.id
    )
    await service.reread_message(db, message)
    return message_json(message)


@router.put("/{message_id}/swipe")
async def select_swipe(
    chat_id: uuid.UUID, message_id: uuid.UUID, body: SwipeSelect, user: CurrentUser, db: DbDep
) -> MessageOut:
    chat = await service.get_open_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    return MessageOut.of(await editing.select_swipe(db, chat, message, body.index))


@router.patch("/{message_id}", dependencies=[ModerateMessage])
async def edit_message(
    chat_id: uuid.UUID, message_id: uuid.UUID, body: MessageEdit, user: CurrentUser, db: DbDep
) -> MessageOut:
    chat = await service.get_open_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    values = body.model_dump(exclude_unset=True)
    edited = await editing.edit_message(
        db,
        chat,
        message,
        content=values.get("content"),
        hidden=values.get("hidden"),
        rating=values.get("rating"),
        clear_rating="rating" in values and values["rating"] is None,  # null clears it
    )
    return MessageOut.of(edited)


@router.delete("/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_message(
    chat_id: uuid.UUID,
    message_id: uuid.UUID,
    user: CurrentUser,
    db: DbDep,
    cascade: bool = False,
) -> Response:
    """Delete the message; with `?cascade=true` every later message too."""
    chat = await service.get_open_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    await editing.delete_message(db, chat, message, cascade=cascade)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{message_id}/hidden")
async def hide_message(
    chat_id: uuid.UUID, message_id: uuid.UUID, body: HideBody, user: CurrentUser, db: DbDep
) -> MessageOut:
    """Leave a message out of (or back into) the prompt without deleting it."""
    chat = await service.get_open_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    return MessageOut.of(await editing.edit_message(db, chat, message, hidden=body.hidden))


@router.put("/{message_id}/rating")
async def rate_message(
    chat_id: uuid.UUID, message_id: uuid.UUID, body: RateBody, user: CurrentUser, db: DbDep
) -> MessageOut:
    """1–4 stars for a reply (null clears), kept for the creator's statistics."""
    chat = await service.get_open_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    return MessageOut.of(await editing.rate_message(db, chat, message, body.rating))


@router.get("/{message_id}/prompt")
async def inspect_prompt(
    chat_id: uuid.UUID, message_id: uuid.UUID, user: CurrentUser, db: DbDep
) -> PromptInspection:
    """The prompt that produced this reply, with tokens per part (owner only). A message of
    the chat edited or deleted since is marked in `changed`."""
    chat = await service.get_chat(db, user, chat_id)
    message = await service.get_message(db, chat, message_id)
    recorded = await inspection.recorded_prompt(db, chat, message)
    if recorded is None:
        raise NotFound("No prompt was recorded for this message.", code="prompt_not_recorded")
    return PromptInspection.model_validate(
        {**recorded, "message_id": message.id, "model": message.model}
    )


@impersonate_router.post("/{chat_id}/impersonate", dependencies=[SendRateLimit])
async def impersonate(
    chat_id: uuid.UUID, user: CurrentUser, db: DbDep, engine: EngineDep
) -> ImpersonateOut:
    """A draft of the user's next message written by the model; nothing is stored."""
    chat = await service.get_live_chat(db, user, chat_id)
    turn, prompt = await turns.impersonate_prompt(db, user, chat, engine.gateway)
    await db.commit()
    request = UsageRequest(
        user.id, chat.id, turn.model_id, prompt.total_tokens + turn.reply_reserve
    )
    async with charged(engine.usage_hook, request) as spend:
        try:
            completion = await engine.gateway.complete(
                prompt.messages, model_id=turn.model_id, params=turns.params_for(turn)
            )
        except LLMError as exc:
            body = llm_error_body(exc)
            raise ModelFailed(body["message"], code=body["code"]) from exc
        model_id = completion.model_id or turn.model_id
        spend.add(completion.usage, engine.gateway.price(model_id).cost(completion.usage), model_id)
    return ImpersonateOut(content=completion.text.strip(), model=model_id)

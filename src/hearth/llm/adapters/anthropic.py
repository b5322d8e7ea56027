"""Anthropic Messages API: system prompt apart, strictly alternating turns."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from hearth.llm.adapters.http_client import LazyClient, build_http_client, transport_error
from hearth.llm.adapters.status_map import connection_failed, from_status, timed_out
from hearth.llm.adapters.turns import TurnRole, alternate
from hearth.llm.base import collect
from hearth.llm.catalog import Catalog
from hearth.llm.errors import (
    AuthError,
    BadRequest,
    ContentFiltered,
    LLMError,
    QuotaExceeded,
    RateLimited,
    Timeout,
    Unavailable,
    scrub,
)
from hearth.llm.tokens import estimate_prompt_tokens, estimate_tokens
from hearth.llm.types import (
    ChatMessage,
    Completion,
    GenerationParams,
    ModelInfo,
    ProviderEvent,
    StreamEnd,
    TextDelta,
    Usage,
)

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

DEFAULT_MAX_TOKENS = 1024  # the API requires one; a chat reply rarely needs more
STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length"}

# `error.type` of an error body (HTTP or an `error` event mid-stream) → typed error.
ERROR_TYPES: dict[str, type[LLMError]] = {
    "overloaded_error": Unavailable,
    "api_error": Unavailable,
    "rate_limit_error": RateLimited,
    "authentication_error": AuthError,
    "permission_error": AuthError,
    "billing_error": QuotaExceeded,
    "invalid_request_error": BadRequest,
    "not_found_error": BadRequest,
    "request_too_large": BadRequest,
    "timeout_error": Timeout,
}


def _prefill(turns: list[tuple[TurnRole, str]]) -> list[tuple[TurnRole, str]]:
    """A final assistant turn is a prefill the model continues, and Anthropic rejects one
    that ends in whitespace (400 "final assistant content cannot end with trailing
    whitespace"); a stopped or streamed reply often does."""
    if turns and turns[-1][0] == "assistant":
        return [*turns[:-1], ("assistant", turns[-1][1].rstrip())]
    return turns


class AnthropicProvider:
    def __init__(
        self,
        *,
        name: str,
        api_key: str | None,
        base_url: str | None,
        catalog: Catalog,
        proxy: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.name = name
        self.kind = "anthropic"
        self.base_url = base_url
        self._api_key = api_key
        self._catalog = catalog
        self._proxy = proxy
        self._timeout = timeout
        self._client = LazyClient(self._new_client)

    def _sdk(self) -> AsyncAnthropic:
        return self._client.get()

    def _new_client(self) -> AsyncAnthropic:
        from anthropic import AsyncAnthropic

        return AsyncAnthropic(
            api_key=self._api_key,
            base_url=self.base_url,
            max_retries=0,
            timeout=self._timeout,
            http_client=build_http_client(
                proxy=self._proxy, timeout=self._timeout, transport="anthropic-aiohttp"
            ),
        )

    async def warm_up(self) -> None:
        await self._client.warm_up()

    def _request(
        self, messages: Sequence[ChatMessage], model: str, params: GenerationParams
    ) -> dict[str, Any]:
        turns = alternate(messages)
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": params.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": [{"role": role, "content": text} for role, text in _prefill(turns.turns)],
            "stream": True,
        }
        if turns.system:
            body["system"] = turns.system
        # No temperature/top_p: the installed SDK (2.12) no longer accepts them, and the
        # current Claude models fix their sampling server-side.
        if params.stop:
            body["stop_sequences"] = list(params.stop)
        return body

    async def stream(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> AsyncIterator[ProviderEvent]:
        client = self._sdk()
        try:
            events = await client.messages.create(**self._request(messages, model, params))
        except Exception as exc:
            raise self._map(exc) from None
        input_tokens: int | None = None
        output_tokens: int | None = None
        stop_reason: str | None = None
        stopped = False
        produced: list[str] = []
        try:
            async for event in events:
                if event.type == "message_start":
                    input_tokens = event.message.usage.input_tokens
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    produced.append(event.delta.text)
                    yield TextDelta(event.delta.text)
                elif event.type == "message_delta":
                    stop_reason = event.delta.stop_reason
                    output_tokens = event.usage.output_tokens  # a running total
                elif event.type == "message_stop":
                    stopped = True
        except Exception as exc:
            raise self._map(exc, mid_stream=True) from None
        finally:
            await events.close()
        if stop_reason == "refusal":
            raise ContentFiltered("the model refused to continue", self.name)
        if not stopped:
            raise Unavailable("the stream ended before the model finished", self.name)
        estimated = input_tokens is None or output_tokens is None
        usage = Usage(
            input_tokens if input_tokens is not None else estimate_prompt_tokens(messages),
            output_tokens if output_tokens is not None else estimate_tokens("".join(produced)),
        )
        finish = STOP_REASONS.get(stop_reason or "end_turn", stop_reason or "stop")
        yield StreamEnd(usage, finish, usage_estimated=estimated)

    async def complete(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> Completion:
        return await collect(self.stream(messages, model=model, params=params))

    async def list_models(self) -> list[ModelInfo]:
        return [
            self._catalog.info("anthropic", self.name, m) for m in self._catalog.known("anthropic")
        ]

    async def aclose(self) -> None:
        client = self._client.take()
        if client is not None:
            await client.close()

    def _map(self, exc: BaseException, *, mid_stream: bool = False) -> LLMError:
        import anthropic

        if isinstance(exc, LLMError):
            return exc
        kind = transport_error(exc)
        if kind is None and isinstance(exc, anthropic.APIConnectionError):
            kind = "timeout" if isinstance(exc, anthropic.APITimeoutError) else "connection"
        if kind == "timeout":
            return timed_out(self.name)
        if kind == "connection":
            if mid_stream:
                return Unavailable("connection lost in the middle of the stream", self.name)
            return connection_failed(self.name, f"cannot connect to {self.base_url or 'Anthropic'}")
        if isinstance(exc, anthropic.APIStatusError):
            message = scrub(exc.api_message or exc.message, [self._api_key])
            error_type = exc.type or ""
            if exc.status_code == 200:  # an `error` event in the middle of the stream
                return self._from_type(error_type, message)
            if exc.status_code == 529 or error_type == "overloaded_error":
                return Unavailable(f"HTTP {exc.status_code} overloaded: {message}", self.name)
            return from_status(exc.status_code, message, self.name, headers=exc.response.headers)
        return Unavailable(scrub(f"{type(exc).__name__}: {exc}", [self._api_key]), self.name)

    def _from_type(self, error_type: str, message: str) -> LLMError:
        error_class = ERROR_TYPES.get(error_type, Unavailable)
        text = f"{error_type or 'error'}: {message}"
        if error_class is BadRequest and "credit balance" in message.lower():
            return QuotaExceeded(text, self.name)
        return error_class(text, self.name)

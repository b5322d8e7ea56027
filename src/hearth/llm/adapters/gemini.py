"""Google Gemini through google-genai: `system_instruction`, roles user/model."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from hearth.llm.adapters.http_client import LazyClient, build_http_client, transport_error
from hearth.llm.adapters.status_map import connection_failed, from_status, timed_out
from hearth.llm.adapters.turns import alternate
from hearth.llm.base import collect
from hearth.llm.catalog import Catalog
from hearth.llm.errors import (
    REGION_BLOCKED,
    AuthError,
    ContentFiltered,
    LLMError,
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
    from google.genai import Client

FINISH_REASONS = {"STOP": "stop", "MAX_TOKENS": "length"}
FILTERED = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"}
# Gemini answers a bad key with 400 INVALID_ARGUMENT, and a blocked country with 400
# FAILED_PRECONDITION "User location is not supported".
_BAD_KEY = re.compile(r"api key not valid|API_KEY_INVALID|api key expired", re.I)
_LOCATION = re.compile(r"location is not supported|not available in your country", re.I)


class GeminiProvider:
    def __init__(
        self,
        *,
        name: str,
        api_key: str | None,
        base_url: str | None,
        catalog: Catalog,
        proxy: str | None = None,
        timeout: float = 60.0,
        api_version: str | None = None,
    ) -> None:
        self.name = name
        self.kind = "gemini"
        self.base_url = base_url
        self._api_key = api_key
        self._catalog = catalog
        self._proxy = proxy
        self._timeout = timeout
        self._api_version = api_version
        self._client = LazyClient(self._new_client)

    def _sdk(self) -> Client:
        return self._client.get()

    def _new_client(self) -> Client:
        from google import genai
        from google.genai import types

        # Handing over our httpx2 client also keeps the SDK off aiohttp, which would bypass
        # the proxy and timeout settings.
        return genai.Client(
            api_key=self._api_key,
            http_options=types.HttpOptions(
                base_url=self.base_url,
                api_version=self._api_version,
                timeout=int(self._timeout * 1000),  # per request; None would mean never
                httpx_async_client=build_http_client(proxy=self._proxy, timeout=self._timeout),
            ),
        )

    async def warm_up(self) -> None:
        await self._client.warm_up()

    def _request(self, messages: Sequence[ChatMessage], params: GenerationParams) -> dict[str, Any]:
        from google.genai import types

        shaped = alternate(messages)
        contents = [
            types.Content(
                role="model" if role == "assistant" else "user", parts=[types.Part(text=text)]
            )
            for role, text in shaped.turns
        ]
        config = types.GenerateContentConfig(
            system_instruction=shaped.system or None,
            temperature=params.temperature,
            top_p=params.top_p,
            max_output_tokens=params.max_tokens,
            stop_sequences=list(params.stop) or None,
        )
        return {"contents": contents, "config": config}

    async def stream(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> AsyncIterator[ProviderEvent]:
        client = self._sdk()
        try:
            chunks = await client.aio.models.generate_content_stream(
                model=model, **self._request(messages, params)
            )
        except Exception as exc:
            raise self._map(exc) from None
        usage: Usage | None = None
        finish: str | None = None
        produced: list[str] = []
        # The SDK sends the request on the first iteration, so a refused connection shows up
        # here too; it is "mid-stream" only once the server has answered.
        answered = False
        try:
            async for chunk in chunks:
                answered = True
                feedback = chunk.prompt_feedback
                if feedback is not None and feedback.block_reason:
                    raise ContentFiltered(f"prompt blocked: {feedback.block_reason}", self.name)
                if chunk.usage_metadata is not None:
                    meta = chunk.usage_metadata
                    usage = Usage(meta.prompt_token_count or 0, meta.candidates_token_count or 0)
                if not chunk.candidates:
                    continue
                candidate = chunk.candidates[0]
                for part in (candidate.content.parts if candidate.content else None) or []:
                    if part.text and not part.thought:
                        produced.append(part.text)
                        yield TextDelta(part.text)
                if candidate.finish_reason:
                    finish = str(getattr(candidate.finish_reason, "value", candidate.finish_reason))
        except LLMError:
            raise
        except Exception as exc:
            raise self._map(exc, mid_stream=answered) from None
        if finish in FILTERED:
            raise ContentFiltered(f"reply stopped: {finish}", self.name)
        if finish is None:
            raise Unavailable("the stream ended before the model finished", self.name)
        estimated = usage is None
        if usage is None:
            usage = Usage(estimate_prompt_tokens(messages), estimate_tokens("".join(produced)))
        yield StreamEnd(
            usage, FINISH_REASONS.get(finish, finish.lower()), usage_estimated=estimated
        )

    async def complete(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> Completion:
        return await collect(self.stream(messages, model=model, params=params))

    async def list_models(self) -> list[ModelInfo]:
        known = self._catalog.known("gemini")
        return [self._catalog.info("gemini", self.name, model) for model in known]

    async def aclose(self) -> None:
        client = self._client.take()
        if client is not None:
            await client.aio.aclose()

    def _map(self, exc: BaseException, *, mid_stream: bool = False) -> LLMError:
        from google.genai import errors

        if isinstance(exc, LLMError):
            return exc
        if isinstance(exc, errors.APIError):
            message = scrub(f"{exc.status or ''} {exc.message or ''}".strip(), [self._api_key])
            if _BAD_KEY.search(message):
                return AuthError(f"HTTP {exc.code}: {message}", self.name)
            if _LOCATION.search(message):
                return AuthError(
                    f"HTTP {exc.code}: {message}", self.name, explanation=REGION_BLOCKED
                )
            headers = getattr(exc.response, "headers", None)
            return from_status(exc.code or 500, message, self.name, headers=headers)
        kind = transport_error(exc)
        if kind == "timeout":
            return timed_out(self.name)
        if kind == "connection" and mid_stream:
            return Unavailable("connection lost in the middle of the stream", self.name)
        if kind == "connection":
            return connection_failed(self.name, f"cannot connect to {self.base_url or 'Gemini'}")
        return Unavailable(scrub(f"{type(exc).__name__}: {exc}", [self._api_key]), self.name)

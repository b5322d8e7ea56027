"""OpenAI Chat Completions and everything that speaks it: OpenRouter, YandexGPT, local servers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from hearth.llm.adapters.http_client import LazyClient, build_http_client, transport_error
from hearth.llm.adapters.status_map import connection_failed, from_status, timed_out
from hearth.llm.base import collect
from hearth.llm.catalog import Catalog
from hearth.llm.errors import (
    ContentFiltered,
    LLMError,
    QuotaExceeded,
    RateLimited,
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
    from openai import AsyncOpenAI

OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
YANDEX_BASE_URL = "https://llm.api.cloud.yandex.net/v1"
MODELS_TIMEOUT_SECONDS = 3.0
CHAT_COMPLETIONS_PATH = "/chat/completions"
# Room for a reasoning model's hidden reasoning, on top of the reply's own cap.
REASONING_TOKENS = 8192
_REASONING = re.compile(r"o\d|gpt-5(?!.*chat)")


class OpenAICompatProvider:
    """One OpenAI-compatible endpoint; `kind` is openai, openrouter, yandex or local."""

    def __init__(
        self,
        *,
        name: str,
        kind: str,
        base_url: str | None,
        api_key: str | None,
        catalog: Catalog,
        proxy: str | None = None,
        timeout: float = 60.0,
        headers: Mapping[str, str] | None = None,
        folder_id: str | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.base_url = base_url or _default_base_url(kind)
        self._api_key = api_key
        self._catalog = catalog
        self._proxy = proxy
        self._timeout = timeout
        self._headers = dict(headers or {})
        self._folder_id = folder_id
        self._client = LazyClient(self._new_client)

    def _sdk(self) -> AsyncOpenAI:
        return self._client.get()

    def _new_client(self) -> AsyncOpenAI:
        from openai import AsyncOpenAI

        return AsyncOpenAI(
            # Local servers usually need no key, but the SDK refuses to start without one.
            api_key=self._api_key or "no-key",
            base_url=self.base_url,
            project=self._folder_id if self.kind == "yandex" else None,
            max_retries=0,  # the gateway retries, and only before the first token
            timeout=self._timeout,
            default_headers=self._headers or None,
            http_client=build_http_client(
                proxy=self._proxy, timeout=self._timeout, transport="openai-aiohttp"
            ),
        )

    async def warm_up(self) -> None:
        await self._client.warm_up()

    def wire_model(self, model: str) -> str:
        """Yandex wants `gpt://<folder>/<model>/latest`; everyone else takes the name as is."""
        if self.kind != "yandex" or model.startswith("gpt://"):
            return model
        suffix = model if "/" in model else f"{model}/latest"
        return f"gpt://{self._folder_id}/{suffix}"

    def _request(
        self, messages: Sequence[ChatMessage], model: str, params: GenerationParams
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.wire_model(model),
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self.kind == "openai" and reasons(model):
            # OpenAI's reasoning models refuse `max_tokens` and every sampling parameter, and
            # their cap counts the hidden reasoning too: within the reply's cap alone, the
            # reasoning could use it all and leave an empty reply.
            if params.max_tokens is not None:
                body["max_completion_tokens"] = params.max_tokens + REASONING_TOKENS
            return body
        if params.temperature is not None:
            body["temperature"] = params.temperature
        if params.max_tokens is not None:
            body["max_tokens"] = params.max_tokens
        if self.kind != "yandex":  # Yandex ignores or rejects the rest
            if params.top_p is not None:
                body["top_p"] = params.top_p
            if params.stop:
                body["stop"] = list(params.stop)
        return body

    async def stream(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> AsyncIterator[ProviderEvent]:
        # The SDK makes the request (auth, base URL, status errors) and hands back the raw
        # response, whose SSE lines we read. Its typed `chat.completions.create` would walk
        # the body against its type hints (5-10 ms of CPU for a long chat's messages, 0.15 ms
        # for the rest, on the way to every first token), and build a typed object per
        # chunk (~6x the CPU per token, most of a busy server's work while it streams).
        # The body goes as bytes from orjson: with the SDK's own json.dumps, making the
        # request of a 260 KB prompt (a long chat in a 64k context) took 1.14 ms, not 0.23.
        import httpx2

        try:
            response = await self._sdk().post(
                CHAT_COMPLETIONS_PATH,
                cast_to=httpx2.Response,
                content=orjson.dumps(self._request(messages, model, params)),
                stream=True,
            )
        except Exception as exc:
            raise self._map(exc) from None
        usage: Usage | None = None
        finish: str | None = None
        produced: list[str] = []
        try:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk = orjson.loads(data)
                if not isinstance(chunk, dict):
                    continue
                if chunk.get("error"):
                    raise self._map_stream_error(chunk["error"])
                reported = chunk.get("usage")
                if isinstance(reported, dict):
                    usage = Usage(
                        int(reported.get("prompt_tokens") or 0),
                        int(reported.get("completion_tokens") or 0),
                    )
                for choice in chunk.get("choices") or ():
                    if choice.get("index") not in (0, None):
                        continue
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        produced.append(text)
                        yield TextDelta(text)
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
        except LLMError:
            raise
        except Exception as exc:
            raise self._map(exc, mid_stream=True) from None
        finally:
            await response.aclose()
        if finish == "content_filter":
            raise ContentFiltered("the reply was stopped by the content filter", self.name)
        if finish is None:
            raise Unavailable("the stream ended before the model finished", self.name)
        estimated = usage is None
        if usage is None:
            usage = Usage(estimate_prompt_tokens(messages), estimate_tokens("".join(produced)))
        yield StreamEnd(usage, finish, usage_estimated=estimated)

    async def complete(
        self, messages: Sequence[ChatMessage], *, model: str, params: GenerationParams
    ) -> Completion:
        return await collect(self.stream(messages, model=model, params=params))

    async def list_models(self) -> list[ModelInfo]:
        """The server's own `/models`; falls back to the catalog table for Yandex."""
        if self.kind == "yandex":
            return [self._info(m) for m in self._catalog.known("yandex")]
        client = self._sdk().with_options(timeout=MODELS_TIMEOUT_SECONDS)
        try:
            page = await client.models.list()
            names = [model.id async for model in page]
        except Exception as exc:
            raise self._map(exc) from None
        return [self._info(name) for name in sorted(names)]

    def _info(self, model: str) -> ModelInfo:
        return self._catalog.info(self.kind, self.name, model)

    async def aclose(self) -> None:
        client = self._client.take()
        if client is not None:
            await client.close()

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._api_key])

    def _map_stream_error(self, error: object) -> LLMError:
        body = error if isinstance(error, Mapping) else {}
        code = str(body.get("code") or body.get("type") or "")
        message = self._scrub(str(body.get("message") or "error in the middle of the stream"))
        if "insufficient_quota" in code:
            return QuotaExceeded(message, self.name)
        if "rate" in code:
            return RateLimited(message, self.name)
        return Unavailable(f"mid-stream error: {message}", self.name)

    def _map(self, exc: BaseException, *, mid_stream: bool = False) -> LLMError:
        import openai

        if isinstance(exc, LLMError):
            return exc
        kind = transport_error(exc)
        if kind is None and isinstance(exc, openai.APIConnectionError):
            kind = "timeout" if isinstance(exc, openai.APITimeoutError) else "connection"
        if kind == "timeout":
            return timed_out(self.name)
        if kind == "connection":
            if mid_stream:
                return Unavailable("connection lost in the middle of the stream", self.name)
            return connection_failed(self.name, f"cannot connect to {self.base_url}")
        if isinstance(exc, openai.APIStatusError):
            code = exc.code or ""
            quota = code == "insufficient_quota" or exc.type == "insufficient_quota"
            body = exc.body if isinstance(exc.body, Mapping) else {}
            return from_status(
                exc.status_code,
                self._scrub(str(body.get("message") or exc.message)),
                self.name,
                headers=exc.response.headers,
                quota_hint=quota,
            )
        if isinstance(exc, openai.APIError):  # an `error` event inside the stream
            return self._map_stream_error(
                exc.body if exc.body is not None else {"message": exc.message}
            )
        return Unavailable(self._scrub(f"{type(exc).__name__}: {exc}"), self.name)


def reasons(model: str) -> bool:
    """Whether an OpenAI model is one of its reasoning models (o1, o3, o4-mini, gpt-5, ...;
    gpt-5-chat is not)."""
    return _REASONING.match(model) is not None


def _default_base_url(kind: str) -> str:
    defaults = {
        "openai": OPENAI_BASE_URL,
        "openrouter": OPENROUTER_BASE_URL,
        "yandex": YANDEX_BASE_URL,
    }
    if kind not in defaults:
        raise ValueError(f"a base URL is required for provider kind {kind!r}")
    return defaults[kind]

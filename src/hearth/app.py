"""Build the FastAPI app: routers, middleware, lifespan; nothing else.

Engineers adding a domain: read CONTRIBUTING.md (team rules) before editing this file.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from hearth import __version__
from hearth.admin.content_router import router as admin_content_router
from hearth.admin.ops_router import router as admin_ops_router
from hearth.admin.provider_sync import ProviderSync
from hearth.admin.providers import apply_runtime_settings
from hearth.admin.router import router as admin_router
from hearth.auth.router import router as auth_router
from hearth.characters.router import router as characters_router
from hearth.characters.seed import seed_on_start
from hearth.chats.engine import start_chat_engine
from hearth.chats.messages_router import impersonate_router
from hearth.chats.messages_router import router as messages_router
from hearth.chats.router import router as chats_router
from hearth.config import Settings
from hearth.core.body_limits import BodyLimitMiddleware
from hearth.core.db import Database
from hearth.core.errors import install_error_handlers
from hearth.core.health import router as health_router
from hearth.core.logging import configure_logging
from hearth.core.mail import Mailer
from hearth.core.middleware import RequestContextMiddleware
from hearth.core.openapi import install_openapi
from hearth.core.security import configure_password_hashing
from hearth.limits.lifespan import start_quota
from hearth.limits.rate import RateLimiter
from hearth.limits.router import router as usage_router
from hearth.llm.lifespan import preload_sdks, start_gateway
from hearth.llm.router import router as models_router
from hearth.llm.secret_box import SecretBox
from hearth.safety.router import router as reports_router
from hearth.storage.s3 import close_storage, storage_from_settings
from hearth.users.router import router as me_router
from hearth.web import mount_web_ui

API_PREFIX = "/api/v1"


def _redis_client(url: str, timeout: float) -> Any:
    import redis.asyncio as redis  # optional extra: only loaded when configured
    from redis.asyncio.retry import Retry
    from redis.backoff import ConstantBackoff

    # One quick retry (a connection dropped by a Redis restart), not redis-py's default of
    # three with backoffs of up to seconds, which a request would sit through in an outage.
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(ConstantBackoff(0.05), 1),
    )


# Young objects a collection waits for (CPython's default: 700, 10, 10). A chat turn
# allocates tens of thousands (ORM rows, SSE frames); at the default, a 200-chat bench run
# spent 0.47 s of its 6 CPU-s in 330 collections, the longest pausing every stream 74 ms.
# At these, 8 collections took 95 ms in all; memory grows by a few MB at most.
GC_THRESHOLDS = (20_000, 50, 100)


def _settle_heap() -> None:
    """For a process that serves the app for its whole life (`hearth serve`)."""
    # Modules, SDKs, the app: they live as long as the process. Frozen, they are no longer
    # scanned by every full collection under load (a 200-chat bench run: full collections
    # 1.2 s in all, the longest 270-340 ms; frozen, 0.4 s and 160 ms).
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_app(settings: Settings | None = None, *, freeze_heap: bool = False) -> FastAPI:
    """`freeze_heap`: this process only serves this app (`hearth serve`), so what start-up
    built is moved out of the garbage collector's sight once the SDKs are imported."""
    settings = settings or Settings()
    configure_password_hashing(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        settings.resolved_secret_key  # noqa: B018 - create the key file before workers race
        app.state.settings = settings
        app.state.db = Database(settings.resolved_database_url)
        app.state.storage = storage_from_settings(settings)  # S3 when a bucket is set
        await seed_on_start(settings, app.state.db, app.state.storage)  # demo characters
        app.state.mailer = Mailer(
            settings.smtp_url,
            settings.mail_from,
            log_bodies=settings.environment == "development",
        )
        app.state.redis = (
            _redis_client(settings.redis_url, settings.redis_timeout_seconds)
            if settings.redis_url
            else None
        )
        app.state.limiter = RateLimiter(
            settings.redis_url,
            key_prefix=settings.redis_prefix,
            connection_pool=app.state.redis.connection_pool if app.state.redis else None,
        )
        start_quota(app.state, settings, app.state.db, app.state.redis)  # app.state.usage_hook
        if getattr(app.state, "llm", None) is None:  # tests may hand in their own gateway
            app.state.llm = await start_gateway(settings, app.state.db)
        await apply_runtime_settings(app.state.db, app.state.llm)  # models chosen by admins
        app.state.provider_sync = ProviderSync(
            app.state.db,
            SecretBox(settings.resolved_secret_key),
            lambda: app.state.llm,
            settings.provider_sync_seconds,
        )
        await app.state.provider_sync.start()  # other workers' provider changes arrive here
        # Runs generations, and recovers the replies dead workers left `streaming`.
        app.state.chat_engine = await start_chat_engine(app.state, app.state.db, app.state.redis)
        preload = asyncio.create_task(preload_sdks(app.state.llm), name="sdk-preload")
        if freeze_heap:
            # FastAPI prepares each route the first time a request is matched against it,
            # with the event loop stopped: the first request after start-up waited 115-170 ms
            # (2-core VM), and every request that arrived meanwhile with it. Building the
            # OpenAPI schema prepares them all, before the server accepts connections.
            app.openapi()
            # After the SDK imports, which are most of the heap.
            preload.add_done_callback(lambda _: _settle_heap())
        checkpoints = asyncio.create_task(app.state.db.keep_checkpointing(), name="checkpoints")
        try:
            yield
        finally:
            await preload  # an import in a thread cannot be cancelled
            await app.state.chat_engine.aclose()
            await app.state.provider_sync.aclose()
            await app.state.llm.aclose()
            app.state.llm = None  # a later lifespan of this app builds a fresh one
            if app.state.redis is not None:
                await app.state.redis.aclose()
            await close_storage(app.state.storage)
            checkpoints.cancel()
            await app.state.db.dispose()

    app = FastAPI(
        title="Hearth",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    install_openapi(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestContextMiddleware)

    # Routes are tried in this order: the chat's hot path (send, stream) first. No other
    # router serves paths under /chats/{chat_id}/messages, so the order changes no match.
    # Each is included into the app itself: to route a request, FastAPI walks every route
    # of a router that holds included routers. Through one shared `/api/v1` router that
    # was all ~150 routes each time (a 401 through the whole stack: 185 µs, now ~160).
    for router in (
        messages_router,
        health_router,
        auth_router,
        me_router,
        usage_router,
        characters_router,
        chats_router,
        impersonate_router,
        models_router,
        reports_router,
        admin_router,
        admin_content_router,
        admin_ops_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health_router)

    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/media", StaticFiles(directory=settings.uploads_dir, check_dir=False), name="media")
    mount_web_ui(app)  # last: the UI's catch-all must never shadow a route above
    return app


def create_served_app() -> FastAPI:
    """The app of a `hearth serve` worker process. With `--workers N` each worker is a new
    interpreter, not a fork: it sets up its own logging, or its lines would be plain text
    from warnings up only."""
    settings = Settings()
    configure_logging(settings.log_level, json_output=settings.log_json)
    return create_app(settings, freeze_heap=True)

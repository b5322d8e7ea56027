"""What the workers serving one Hearth know of each other: who is alive, which replies to stop.

A reply runs in the worker that started it, but a stop request may reach another worker,
and a worker starting up must tell replies orphaned by a dead worker from those a live one
is still writing. With Redis (workers on many machines) each worker keeps a heartbeat key
and stop requests are keys. On one machine without Redis (`hearth serve --workers N`) each
worker holds an flock on a file of its own, which the kernel releases however the process
ends, kill -9 included, and stop requests are files beside those.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

if sys.platform != "win32":  # no flock on Windows: one process per data folder there
    import fcntl

# A heartbeat every third of this (from the flush loop): a worker that died is known so,
# in Redis, this long after its last beat.
WORKER_TTL_SECONDS = 10
STOP_TTL_SECONDS = 60  # a stop request outlives the reply it was meant for by no more


class Workers(Protocol):
    worker_id: str
    # Whether a worker found not alive is dead for sure, or only seems so (a heartbeat that
    # a Redis restarted empty has lost until its next beat).
    certain: bool

    async def start(self) -> None:
        """Announce this worker as alive."""

    async def keep_alive(self) -> None:
        """Called at each flush of the runner, under a second apart."""

    async def alive(self, worker_id: str | None) -> bool:
        """Whether the worker that wrote a message still runs."""

    async def ask_stop(self, message_id: uuid.UUID) -> None:
        """Ask whichever worker runs `message_id` to stop it."""

    async def stops_among(self, message_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
        """Which of this worker's running replies another worker was asked to stop (each
        request is answered once)."""

    async def clear_stop(self, message_id: uuid.UUID) -> None:
        """Forget a stop asked for an earlier generation of `message_id`, which ended before
        it was seen: a regenerate or continue of that message must not end at once."""

    async def aclose(self) -> None: ...


class RedisWorkers:
    """Heartbeat keys `<prefix>worker:<id>` and stop keys `<prefix>stop:<message id>`."""

    certain = False

    def __init__(self, redis: Any, prefix: str, worker_id: str) -> None:
        self.redis = redis
        self.worker_id = worker_id
        self.worker_key_prefix = f"{prefix}worker:"
        self.stop_key_prefix = f"{prefix}stop:"
        self._beat = 0.0

    async def start(self) -> None:
        await self._heartbeat()

    async def keep_alive(self) -> None:
        if time.monotonic() - self._beat > WORKER_TTL_SECONDS / 3:
            await self._heartbeat()

    async def _heartbeat(self) -> None:
        await self.redis.set(
            f"{self.worker_key_prefix}{self.worker_id}", "1", ex=WORKER_TTL_SECONDS
        )
        self._beat = time.monotonic()

    async def alive(self, worker_id: str | None) -> bool:
        if worker_id is None:
            return False
        return bool(await self.redis.exists(f"{self.worker_key_prefix}{worker_id}"))

    async def ask_stop(self, message_id: uuid.UUID) -> None:
        await self.redis.set(f"{self.stop_key_prefix}{message_id}", "1", ex=STOP_TTL_SECONDS)

    async def stops_among(self, message_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
        ids = list(message_ids)
        if not ids:
            return []
        flags = await self.redis.mget([f"{self.stop_key_prefix}{mid}" for mid in ids])
        asked = [mid for mid, flag in zip(ids, flags, strict=True) if flag is not None]
        if asked:
            await self.redis.delete(*(f"{self.stop_key_prefix}{mid}" for mid in asked))
        return asked

    async def clear_stop(self, message_id: uuid.UUID) -> None:
        await self.redis.delete(f"{self.stop_key_prefix}{message_id}")

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):  # Redis gone: the key expires on its own
            await self.redis.delete(f"{self.worker_key_prefix}{self.worker_id}")


class LocalWorkers:
    """Workers of one machine: `<folder>/<id>.lock` held while alive, `<folder>/stop/<id>`.

    The files are a few bytes each and touched about once a second in all, so the plain
    calls below cost the event loop microseconds.
    """

    certain = True  # the kernel releases a lock only when its process has ended

    def __init__(self, folder: Path, worker_id: str) -> None:
        self.folder = folder
        self.stops = folder / "stop"
        self.worker_id = worker_id
        self._fd: int | None = None

    async def start(self) -> None:
        self.stops.mkdir(parents=True, exist_ok=True)
        if sys.platform == "win32":
            return
        # Locked before it takes its name: a sibling starting at the same moment, clearing
        # the locks of the dead, must never find it unlocked.
        fresh = self.folder / f"{self.worker_id}.new"
        self._fd = os.open(fresh, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        os.replace(fresh, self._lock_path(self.worker_id))
        for path in self.folder.glob("*.lock"):  # left by workers that wrote nothing after
            await self.alive(path.stem)  # removes the files of the dead

    async def keep_alive(self) -> None:
        pass  # the lock lives as long as the process

    async def alive(self, worker_id: str | None) -> bool:
        if worker_id == self.worker_id:
            return True
        # Ids are ours (hex), but they are read from the database: never a path of theirs.
        if worker_id is None or not worker_id.isalnum() or sys.platform == "win32":
            return False
        path = self._lock_path(worker_id)
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # its worker is gone for good: nobody will take this name again
        return False

    async def ask_stop(self, message_id: uuid.UUID) -> None:
        (self.stops / str(message_id)).touch()

    async def stops_among(self, message_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
        with os.scandir(self.stops) as entries:
            asked = {entry.name: entry for entry in entries}
        if not asked:
            return []
        ours = [mid for mid in message_ids if str(mid) in asked]
        taken = {str(mid) for mid in ours}  # done with: the owner stops them now
        now = time.time()
        for name, entry in asked.items():
            with contextlib.suppress(OSError):
                if name in taken or now - entry.stat().st_mtime > STOP_TTL_SECONDS:
                    os.unlink(entry.path)
        return ours

    async def clear_stop(self, message_id: uuid.UUID) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.stops / str(message_id)).unlink()

    async def aclose(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(FileNotFoundError):
                self._lock_path(self.worker_id).unlink()
            os.close(self._fd)
            self._fd = None

    def _lock_path(self, worker_id: str) -> Path:
        return self.folder / f"{worker_id}.lock"

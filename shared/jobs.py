"""Scheduled work that N replicas do once: each run is claimed with a lease in MongoDB.

A job's lease document lives in the service's ``jobs`` collection. A replica runs the job only
while it holds the lease (it renews it at each run), so renewals, expiries and abandonment scans
happen once however many replicas are up; if the holder dies, another takes over when the lease
runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import utcnow
from shared.logging import log_failure
from shared.storage.mongo import Document

log = structlog.get_logger(__name__)


class LeasedJob:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        name: str,
        work: Callable[[], Awaitable[object]],
        *,
        owner: str,
        interval_seconds: float,
        lease_seconds: float | None = None,
    ) -> None:
        self.db = db
        self.name = name
        self.work = work
        self.owner = owner
        self.interval = interval_seconds
        self.lease = timedelta(seconds=lease_seconds or max(3 * interval_seconds, 5.0))
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name=f"job:{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.db.jobs.update_one(
                {"_id": self.name, "owner": self.owner}, {"$set": {"until": utcnow()}}
            )

    async def run_once(self) -> bool:
        """Run the work if this replica holds (or can take) the lease; tell whether it ran."""
        if not await self._claim():
            return False
        await self.work()
        return True

    async def _claim(self) -> bool:
        now = utcnow()
        try:
            await self.db.jobs.find_one_and_update(
                {"_id": self.name, "$or": [{"until": {"$lt": now}}, {"owner": self.owner}]},
                {"$set": {"owner": self.owner, "until": now + self.lease, "claimed_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # another replica holds the lease
        return True

    async def _forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log_failure(log, "job_failed", error, job=self.name)
            await asyncio.sleep(self.interval)

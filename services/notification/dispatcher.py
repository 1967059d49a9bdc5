"""Sends queued e-mails: at once when one is queued, and in a loop for retries that fall due.

Each e-mail is claimed with a lease before it is sent, so N replicas never send the same e-mail
at the same time; a replica that dies mid-send leaves the lease to expire and another resends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

import structlog
from pymongo import ReturnDocument

from services.notification.domain import Email, EmailStatus
from services.notification.mailer import SendFailed, SmtpMailer
from shared.contracts import utcnow
from shared.logging import log_failure
from shared.storage.aggregates import AggregateStore, ConcurrencyConflict

log = structlog.get_logger(__name__)


class Dispatcher:
    def __init__(
        self,
        emails: AggregateStore[Email],
        mailer: SmtpMailer,
        *,
        owner: str,
        interval_seconds: float,
        lease_seconds: float,
        max_attempts: int,
        backoff_seconds: float,
        failed: Callable[[Email], None] = lambda _: None,
    ) -> None:
        self.emails = emails
        self.failed = failed
        """Told of each e-mail that failed for good (for the metric)."""
        self.mailer = mailer
        self.owner = owner
        self.interval = interval_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.backoff = timedelta(seconds=backoff_seconds)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name="email-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def wake(self) -> None:
        self._wake.set()

    async def dispatch_due(self) -> int:
        """Send every e-mail that is due now; return how many were attempted."""
        attempted = 0
        while (email := await self._claim()) is not None:
            attempted += 1
            await self._attempt(email)
        return attempted

    async def _forever(self) -> None:
        while True:
            try:
                await self.dispatch_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log_failure(log, "email_dispatch_failed", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    async def _claim(self) -> Email | None:
        now = utcnow()
        doc = await self.emails.collection.find_one_and_update(
            {
                "status": EmailStatus.QUEUED,
                "next_attempt_at": {"$lte": now},
                "$or": [{"send_lease": None}, {"send_lease.until": {"$lt": now}}],
            },
            {"$set": {"send_lease": {"owner": self.owner, "until": now + self.lease}}},
            sort=[("next_attempt_at", 1)],
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else self.emails.from_document(doc)

    async def _attempt(self, email: Email) -> None:
        renewing = asyncio.create_task(self._renew_lease(email.id), name="email-lease")
        try:
            await self._send(email)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _renew_lease(self, email_id: str) -> None:
        """Keep the lease short (a dead replica's e-mail is resent within seconds) but alive
        while a slow mail server takes its time."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            await self.emails.collection.update_one(
                {"_id": email_id, "send_lease.owner": self.owner},
                {"$set": {"send_lease.until": utcnow() + self.lease}},
            )

    async def _send(self, email: Email) -> None:
        try:
            await self.mailer.send(email)
        except SendFailed as error:
            log.warning(
                "email_send_failed",
                email_id=email.id,
                order_id=email.order_id,
                attempt=email.attempts + 1,
                permanent=error.permanent,
                error=str(error),
            )
            email.attempt_failed(
                str(error),
                permanent=error.permanent,
                max_attempts=self.max_attempts,
                backoff=self.backoff,
            )
        else:
            email.delivered()
            log.info("email_sent", email_id=email.id, order_id=email.order_id, kind=email.kind)
        if email.status is EmailStatus.FAILED:
            log.error(
                "email_failed", email_id=email.id, order_id=email.order_id, error=email.last_error
            )
            self.failed(email)
        try:
            await self.emails.save(email, cause=None)
        except ConcurrencyConflict:  # pragma: no cover - only the lease holder writes
            log.warning("email_changed_while_sending", email_id=email.id)
        await self.emails.collection.update_one(
            {"_id": email.id, "send_lease.owner": self.owner}, {"$unset": {"send_lease": ""}}
        )

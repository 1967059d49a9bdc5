"""An e-mail to send, and what happened to it.

One e-mail exists per (event, recipient role), so an event delivered twice yields one e-mail.
Sending is retried with exponential backoff on temporary failures; a permanent failure, or
running out of attempts, marks it failed and says so in an event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from shared.contracts import utcnow
from shared.contracts.notification import EmailFailed, EmailSent
from shared.domain import Aggregate


class EmailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class Email(Aggregate):
    kind: str
    to: str | None
    subject: str
    body: str
    order_id: str | None = None
    source_message_id: str
    status: EmailStatus = EmailStatus.QUEUED
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    failed_at: datetime | None = None

    @classmethod
    def compose(
        cls,
        *,
        email_id: str,
        kind: str,
        to: str | None,
        subject: str,
        body: str,
        source_message_id: str,
        order_id: str | None,
    ) -> Email:
        email = cls(
            id=email_id,
            kind=kind,
            to=to,
            subject=subject,
            body=body,
            source_message_id=source_message_id,
            order_id=order_id,
        )
        if not to:
            email.fail("the recipient has no e-mail address in the user directory")
        return email

    def delivered(self) -> None:
        self.attempts += 1
        self.status, self.sent_at, self.last_error = EmailStatus.SENT, utcnow(), None
        self.record(EmailSent(**self._facts(), attempts=self.attempts))

    def attempt_failed(
        self, error: str, *, permanent: bool, max_attempts: int, backoff: timedelta
    ) -> None:
        """Count a failed attempt; retry later (doubling the wait) or give up."""
        self.attempts += 1
        self.last_error = error
        if permanent or self.attempts >= max_attempts:
            self.fail(error)
            return
        self.next_attempt_at = utcnow() + backoff * (2 ** (self.attempts - 1))

    def fail(self, error: str) -> None:
        self.status, self.failed_at, self.last_error = EmailStatus.FAILED, utcnow(), error
        self.record(EmailFailed(**self._facts(), attempts=self.attempts, error=error))

    def _facts(self) -> dict[str, object]:
        return {
            "email_id": self.id,
            "kind": self.kind,
            "to": self.to,
            "order_id": self.order_id,
            "source_message_id": self.source_message_id,
            "correlation_id": self.order_id,
        }

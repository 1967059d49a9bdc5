"""What the notification service's query answers: the e-mails, without their bodies.

The model names the fields a caller reads; what else is stored (the body, the send lease, the
outbox, the ids of the messages applied) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime

from services.notification.domain import EmailStatus
from shared.http import Answer


class EmailAnswer(Answer):
    """One e-mail: to whom, about what, and whether it was sent, is waiting or failed for
    good (``to`` reads ``(hidden)`` for all but operators)."""

    email_id: str
    kind: str
    to: str | None
    subject: str
    order_id: str | None = None
    source_message_id: str
    status: EmailStatus
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    version: int

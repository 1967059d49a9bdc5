"""Turn approval events into e-mails, once per event and recipient."""

from __future__ import annotations

import contextlib

from services.notification import templates
from services.notification.dispatcher import Dispatcher
from services.notification.domain import Email
from shared.contracts import ApprovalApproved, ApprovalPending, ApprovalRejected, Event, Person
from shared.storage.aggregates import AggregateStore, AlreadyExists


class NotificationHandlers:
    def __init__(self, emails: AggregateStore[Email], dispatcher: Dispatcher) -> None:
        self.emails = emails
        self.dispatcher = dispatcher

    async def approval_pending(self, event: ApprovalPending) -> None:
        """Tell the approver of the current level that an order waits for them."""
        if event.notify:
            subject, body = templates.pending(event)
            await self._queue(event, "approval_pending", event.approver, subject, body)

    async def approval_approved(self, event: ApprovalApproved) -> None:
        """Tell the creator that their order passed every level."""
        if event.notify:
            subject, body = templates.approved(event)
            await self._queue(event, "order_approved", event.creator, subject, body)

    async def approval_rejected(self, event: ApprovalRejected) -> None:
        """Tell the creator that their order was rejected, with the approver's notes."""
        if event.notify:
            subject, body = templates.rejected(event)
            await self._queue(event, "order_rejected", event.creator, subject, body)

    async def _queue(
        self, event: Event, kind: str, recipient: Person, subject: str, body: str
    ) -> None:
        email = Email.compose(
            email_id=f"{event.message_id}:{kind}:{recipient.user_id}",
            kind=kind,
            to=str(recipient.email) if recipient.email else None,
            subject=subject,
            body=body,
            source_message_id=str(event.message_id),
            order_id=getattr(event, "order_id", None),
        )
        with contextlib.suppress(AlreadyExists):  # a redelivered event: already queued
            await self.emails.add(email, cause=event)
            self.dispatcher.wake()

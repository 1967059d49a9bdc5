"""Turn approval events into e-mails, once per event and recipient."""

from __future__ import annotations

import contextlib

from services.notification import templates
from services.notification.dispatcher import Dispatcher
from services.notification.domain import Email
from shared.contracts import (
    ApprovalPending,
    ApprovalWithdrawn,
    CartRecoveryDue,
    Event,
    OrderApproved,
    OrderRejected,
    Person,
)
from shared.storage.aggregates import AggregateStore, AlreadyExists


class NotificationHandlers:
    def __init__(
        self, emails: AggregateStore[Email], dispatcher: Dispatcher, *, approval_url: str
    ) -> None:
        self.emails = emails
        self.dispatcher = dispatcher
        self.approval_url = approval_url

    async def approval_pending(self, event: ApprovalPending) -> None:
        """Tell the approver of the current level that an order waits for them, and how to
        decide."""
        if event.notify:
            subject, body = templates.pending(event, approval_url=self.approval_url)
            await self._queue(event, "approval_pending", event.approver, subject, body)

    async def approval_withdrawn(self, event: ApprovalWithdrawn) -> None:
        """Tell the approver that the request they were asked to decide no longer waits."""
        if event.notify:
            subject, body = templates.withdrawn(event)
            await self._queue(event, "approval_withdrawn", event.approver, subject, body)

    async def order_approved(self, event: OrderApproved) -> None:
        """Tell the creator that their order passed every level: once the order service took
        the approval (an approval that crossed a cancellation is never announced)."""
        if (decision := event.decision) is not None and decision.notify:
            subject, body = templates.approved(decision)
            await self._queue(event, "order_approved", decision.creator, subject, body)

    async def order_rejected(self, event: OrderRejected) -> None:
        """Tell the creator that their order was rejected, with the approver's notes."""
        if (decision := event.decision) is not None and decision.notify:
            subject, body = templates.rejected(decision)
            await self._queue(event, "order_rejected", decision.creator, subject, body)

    async def cart_recovery_due(self, event: CartRecoveryDue) -> None:
        """Remind the shopper of the cart they left, once per cart and reminder step."""
        subject, body = templates.cart_recovery(event)
        email = Email.compose(
            email_id=f"cart:{event.cart_id}:{event.message_id}",
            kind="cart_recovery",
            to=str(event.email),
            subject=subject,
            body=body,
            source_message_id=str(event.message_id),
            order_id=None,
        )
        with contextlib.suppress(AlreadyExists):
            await self.emails.add(email, cause=event)
            self.dispatcher.wake()

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

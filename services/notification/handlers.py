"""Turn approval and billing events into e-mails, once per event and recipient."""

from __future__ import annotations

import contextlib

from services.notification import templates
from services.notification.dispatcher import Dispatcher
from services.notification.domain import Email
from shared.contracts import (
    ApprovalPending,
    ApprovalWithdrawn,
    Event,
    OrderApproved,
    OrderRejected,
    Person,
)
from shared.contracts.billing import (
    BillingContact,
    InvoiceOverdue,
    InvoiceUncollectible,
    SubscriptionCancelled,
)
from shared.storage.aggregates import AggregateStore, AlreadyExists


def _contact(contact: BillingContact) -> Person:
    """A billing contact as a recipient: known by address, with no user account (an event
    has one billing contact, so the e-mail's id needs no more than the kind)."""
    return Person(user_id="billing-contact", name=contact.name, email=contact.email)


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

    async def invoice_overdue(self, event: InvoiceOverdue) -> None:
        """Remind the customer's billing contact of an unpaid invoice (each dunning step)."""
        subject, body = templates.invoice_overdue(event)
        await self._queue(event, "invoice_overdue", _contact(event.billing_contact), subject, body)

    async def invoice_uncollectible(self, event: InvoiceUncollectible) -> None:
        """Tell the billing contact that dunning ended and the invoice was written off."""
        subject, body = templates.invoice_uncollectible(event)
        await self._queue(
            event, "invoice_uncollectible", _contact(event.billing_contact), subject, body
        )

    async def subscription_cancelled(self, event: SubscriptionCancelled) -> None:
        """Tell the billing contact that the subscription ends (now or at the period end)."""
        subject, body = templates.subscription_cancelled(event)
        await self._queue(
            event, "subscription_cancelled", _contact(event.billing_contact), subject, body
        )

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

"""Turn approval and billing events into e-mails, once per event and recipient."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import structlog

from services.notification import templates
from services.notification.dispatcher import Dispatcher
from services.notification.domain import Email
from services.notification.receipts import ReceiptNotifications
from shared.contracts import (
    ApprovalPending,
    ApprovalReassigned,
    ApprovalReminderDue,
    ApprovalWithdrawn,
    CartRecoveryDue,
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
from shared.contracts.receivables import CustomerInvoiceOverdue
from shared.links import approval_link, sign
from shared.storage.aggregates import AggregateStore, AlreadyExists

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class BackofficeLinks:
    """Makes the pending e-mail's signed link to the request in the back office."""

    url: str
    key: str
    valid_for: timedelta

    def to(self, event: ApprovalPending) -> str:
        # Dated from the event, not the clock: a redelivered event makes the same link.
        link = approval_link(
            request_id=event.request_id,
            order_id=event.order_id,
            attempt=event.attempt,
            level=event.level,
            approver_id=event.approver.user_id,
            now=event.occurred_at,
            valid_for=self.valid_for,
        )
        return f"{self.url.rstrip('/')}/link?{urlencode({'token': sign(link, self.key)})}"


def _contact(contact: BillingContact) -> Person:
    """A billing contact as a recipient: known by address, with no user account (an event
    has one billing contact, so the e-mail's id needs no more than the kind)."""
    return Person(user_id="billing-contact", name=contact.name, email=contact.email)


class NotificationHandlers(ReceiptNotifications):
    def __init__(
        self,
        emails: AggregateStore[Email],
        dispatcher: Dispatcher,
        *,
        approval_url: str,
        links: BackofficeLinks | None = None,
    ) -> None:
        self.emails = emails
        self.dispatcher = dispatcher
        self.approval_url = approval_url
        self.links = links

    async def approval_pending(self, event: ApprovalPending) -> None:
        """Tell the approver of the current level that an order waits for them, and how to
        decide."""
        if event.notify:
            link = self.links.to(event) if self.links else None
            subject, body = templates.pending(event, approval_url=self.approval_url, link=link)
            await self._queue(event, "approval_pending", event.approver, subject, body)

    async def approval_reassigned(self, event: ApprovalReassigned) -> None:
        """Tell the user a request was moved to (from an approver who left, is away, or did not
        decide in time) that it now waits for them, and how to decide."""
        if event.notify:
            link = self.links.to(event) if self.links else None
            subject, body = templates.reassigned(event, approval_url=self.approval_url, link=link)
            await self._queue(event, "approval_reassigned", event.approver, subject, body)

    async def approval_reminder_due(self, event: ApprovalReminderDue) -> None:
        """Remind the approver of a request that has waited for them longer than its cycle's
        remind_after."""
        if event.notify:
            link = self.links.to(event) if self.links else None
            subject, body = templates.reminder(event, approval_url=self.approval_url, link=link)
            await self._queue(event, "approval_reminder", event.approver, subject, body)

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

    async def customer_invoice_overdue(self, event: CustomerInvoiceOverdue) -> None:
        """Remind the billing contact of an unpaid sales invoice (each reminder); an invoice
        without a billing contact is not mailed (logged: nobody to write to)."""
        if event.billing_contact is None:
            log.info(
                "customer_invoice_overdue_not_mailed",
                invoice_id=event.invoice_id,
                customer_id=event.customer_id,
                attempt=event.attempt,
                reason="no billing contact",
            )
            return
        contact = event.billing_contact
        subject, body = templates.customer_invoice_overdue(event, contact)
        await self._queue(event, "customer_invoice_overdue", _contact(contact), subject, body)

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

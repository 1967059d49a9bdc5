"""The notification service as data: the events it e-mails about, its SMTP dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import prometheus_client

from services.notification.dispatcher import Dispatcher
from services.notification.domain import Email
from services.notification.handlers import BackofficeLinks, NotificationHandlers
from services.notification.mailer import SmtpMailer
from services.notification.queries import queries
from services.notification.repository import EMAILS, create_indexes, email_store
from services.notification.settings import NotificationSettings
from shared.access.policy import QueryAccess, Redacted
from shared.contracts import (
    ApprovalPending,
    ApprovalReassigned,
    ApprovalReminderDue,
    ApprovalWithdrawn,
    CartRecoveryDue,
    OrderApproved,
    OrderRejected,
)
from shared.contracts.billing import InvoiceOverdue, InvoiceUncollectible, SubscriptionCancelled
from shared.contracts.notification import EmailFailed, EmailSent
from shared.contracts.receipts import (
    ReceiptApprovalApproved,
    ReceiptApprovalPending,
    ReceiptApprovalReassigned,
    ReceiptApprovalRejected,
    ReceiptApprovalWithdrawn,
    ReceiptReminderDue,
)
from shared.contracts.receivables import CustomerInvoiceOverdue
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import Service


def emails_failed(runtime: Runtime[NotificationSettings]) -> Callable[[Email], None]:
    """``oms_emails_failed_total``: e-mails given up on (permanent failure or out of
    attempts), by kind (pending, approved, rejected, withdrawn...)."""
    failed = runtime.metrics.metric(
        prometheus_client.Counter,
        "oms_emails_failed",
        "E-mails that failed for good (published as notification.email_failed), by kind.",
        ("kind",),
    )
    return lambda email: failed.labels(email.kind).inc()


async def setup(runtime: Runtime[NotificationSettings]) -> NotificationHandlers:
    settings = runtime.settings
    await create_indexes(runtime.database)
    emails = email_store(runtime.database, runtime.outbox)
    dispatcher = Dispatcher(
        emails,
        SmtpMailer(settings),
        owner=runtime.owner,
        interval_seconds=settings.dispatch_interval_seconds,
        lease_seconds=settings.send_lease_seconds,
        max_attempts=settings.send_max_attempts,
        backoff_seconds=settings.send_backoff_seconds,
        failed=emails_failed(runtime),
    )
    runtime.jobs.append(dispatcher)
    links = None
    if settings.backoffice_url and settings.link_signing_key:
        links = BackofficeLinks(
            settings.backoffice_url,
            settings.link_signing_key.get_secret_value(),
            timedelta(hours=settings.approval_link_hours),
        )
    return NotificationHandlers(emails, dispatcher, approval_url=settings.approval_url, links=links)


SERVICE = Service(
    entry=entry("notification"),
    description="E-mail about pending, reassigned, reminded and withdrawn approvals, approvals and "
    "rejections (of orders and of held over-receipts), and reminders of abandoned carts, "
    "billing's payment reminders (subscription and sales invoices), write-offs and "
    "cancellations, sent once per event.",
    setup=setup,
    settings=NotificationSettings,
    events={
        ApprovalPending: NotificationHandlers.approval_pending,
        # The creator hears of the outcome the order took, not of the approval's verdict alone.
        OrderApproved: NotificationHandlers.order_approved,
        OrderRejected: NotificationHandlers.order_rejected,
        ApprovalWithdrawn: NotificationHandlers.approval_withdrawn,
        ApprovalReassigned: NotificationHandlers.approval_reassigned,
        ApprovalReminderDue: NotificationHandlers.approval_reminder_due,
        CartRecoveryDue: NotificationHandlers.cart_recovery_due,
        # Dunning: each step e-mails the customer's billing contact.
        InvoiceOverdue: NotificationHandlers.invoice_overdue,
        InvoiceUncollectible: NotificationHandlers.invoice_uncollectible,
        # A sales invoice's reminders: to its billing contact, when it has one.
        CustomerInvoiceOverdue: NotificationHandlers.customer_invoice_overdue,
        SubscriptionCancelled: NotificationHandlers.subscription_cancelled,
        # Over-receipts: the approver of a held receipt; its outcome to the order's creator.
        ReceiptApprovalPending: NotificationHandlers.receipt_pending,
        ReceiptApprovalReassigned: NotificationHandlers.receipt_pending,
        ReceiptReminderDue: NotificationHandlers.receipt_pending,
        ReceiptApprovalWithdrawn: NotificationHandlers.receipt_withdrawn,
        ReceiptApprovalApproved: NotificationHandlers.receipt_decided,
        ReceiptApprovalRejected: NotificationHandlers.receipt_decided,
    },
    publishes=[EmailSent, EmailFailed],
    outbox_collections=[EMAILS],
    queries=queries,
    # The recipients' addresses are personal data: operators see them, the back office not (nor
    # an address a mail server quoted in its refusal).
    query_access=QueryAccess(redacted={"/emails": Redacted(("to",), masked=("last_error",))}),
)

"""The subscription-billing service as data: the messages it takes, what it publishes."""

from __future__ import annotations

from services.billing.handlers import BillingHandlers
from services.billing.queries import queries
from services.billing.repository import OUTBOX_COLLECTIONS, create_indexes, stores
from services.billing.settings import BillingSettings
from shared.contracts.billing import (
    CancelSubscription,
    ChangeSubscriptionPlan,
    DefinePlan,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceUncollectible,
    InvoiceVoided,
    PauseSubscription,
    PaymentRecorded,
    PlanDefined,
    RecordPayment,
    ResumeSubscription,
    StartSubscription,
    SubscriptionCancellationWithdrawn,
    SubscriptionCancelled,
    SubscriptionExpired,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionPlanChanged,
    SubscriptionRenewalUpdated,
    SubscriptionRenewed,
    SubscriptionResumed,
    SubscriptionStarted,
    VoidInvoice,
    WithdrawCancellation,
)
from shared.contracts.orders import (
    OrderApproved,
    OrderCommandRejected,
    OrderCreated,
    OrderRejected,
)
from shared.jobs import LeasedJob
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import Service


async def setup(runtime: Runtime[BillingSettings]) -> BillingHandlers:
    settings = runtime.settings
    await create_indexes(runtime.database)
    handlers = BillingHandlers(
        stores(runtime.database, runtime.outbox),
        dunning=settings.dunning,
        batch=settings.schedule_batch,
    )
    runtime.jobs.append(
        LeasedJob(
            runtime.database,
            "billing-schedule",
            handlers.run_schedule,
            owner=runtime.owner,
            interval_seconds=settings.schedule_interval_seconds,
        )
    )
    return handlers


SERVICE = Service(
    entry=entry("billing"),
    description="Subscription plans, subscriptions and their renewal sales orders (sent to the "
    "order service as the billing user), invoices for approved renewals, payments and dunning.",
    setup=setup,
    settings=BillingSettings,
    commands={
        DefinePlan: BillingHandlers.define_plan,
        StartSubscription: BillingHandlers.start_subscription,
        ChangeSubscriptionPlan: BillingHandlers.change_plan,
        PauseSubscription: BillingHandlers.pause,
        ResumeSubscription: BillingHandlers.resume,
        CancelSubscription: BillingHandlers.cancel,
        WithdrawCancellation: BillingHandlers.withdraw_cancellation,
        RecordPayment: BillingHandlers.record_payment,
        VoidInvoice: BillingHandlers.void_invoice,
    },
    events={
        OrderCreated: BillingHandlers.order_created,
        OrderApproved: BillingHandlers.order_approved,
        OrderRejected: BillingHandlers.order_rejected,
        OrderCommandRejected: BillingHandlers.order_command_rejected,
        InvoiceIssued: BillingHandlers.invoice_issued,
        InvoiceOverdue: BillingHandlers.invoice_overdue,
        PaymentRecorded: BillingHandlers.invoice_settled,
        InvoiceUncollectible: BillingHandlers.invoice_settled,
        InvoiceVoided: BillingHandlers.invoice_settled,
    },
    publishes=[
        PlanDefined,
        SubscriptionStarted,
        SubscriptionPlanChanged,
        SubscriptionPaused,
        SubscriptionResumed,
        SubscriptionPastDue,
        SubscriptionCancelled,
        SubscriptionCancellationWithdrawn,
        SubscriptionExpired,
        SubscriptionRenewed,
        SubscriptionRenewalUpdated,
        InvoiceIssued,
        PaymentRecorded,
        InvoiceOverdue,
        InvoiceUncollectible,
        InvoiceVoided,
    ],
    outbox_collections=OUTBOX_COLLECTIONS,
    queries=queries,
)

"""The subscriptions part's rows of the billing service's table."""

from __future__ import annotations

from services.billing.subscriptions.handlers import BillingHandlers
from services.billing.subscriptions.queries import queries
from services.billing.subscriptions.repository import OUTBOX_COLLECTIONS
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
from shared.parts import Part

TABLE = Part[BillingHandlers](
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

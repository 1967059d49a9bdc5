"""The approval service as data: the messages it takes, its handlers, what it publishes."""

from __future__ import annotations

from services.approval.handlers import ApprovalHandlers
from services.approval.metrics import approval_metrics
from services.approval.queries import queries
from services.approval.repository import COLLECTIONS, Stores, create_indexes
from services.approval.settings import ApprovalSettings
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApprovalReminderDue,
    ApprovalWithdrawn,
    ApproveRequest,
    AssignParty,
    AwayCleared,
    AwaySet,
    ClearAway,
    ConfigureCredit,
    CreditConfigured,
    CustomerRecorded,
    CycleDefined,
    DefineCycle,
    OrderCancelled,
    OrderSubmitted,
    PartyAssigned,
    PartyUnassigned,
    RejectRequest,
    SetAway,
    UnassignParty,
    UpsertUser,
    UserUpserted,
)
from shared.contracts.invoices import InvoiceUncollectible, InvoiceVoided, PaymentRecorded
from shared.contracts.receipts import (
    ReceiptApprovalApproved,
    ReceiptApprovalPending,
    ReceiptApprovalReassigned,
    ReceiptApprovalRejected,
    ReceiptApprovalWithdrawn,
    ReceiptHeld,
    ReceiptReminderDue,
)
from shared.contracts.receivables import CreditNoteIssued, CustomerPaymentRecorded, RefundRecorded
from shared.jobs import LeasedJob
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import Service
from shared.settings import ServiceSettings


async def setup(runtime: Runtime[ServiceSettings]) -> ApprovalHandlers:
    settings = runtime.settings
    if not isinstance(settings, ApprovalSettings):
        # Started with the shared settings only: the approval ones from the environment.
        settings = ApprovalSettings(**settings.model_dump())
    await create_indexes(runtime.database)
    handlers = ApprovalHandlers(
        Stores(runtime.database, runtime.outbox),
        decided=approval_metrics(runtime),
        rates=settings.rates,
        batch=settings.approval_schedule_batch,
    )
    runtime.jobs.append(
        LeasedJob(
            runtime.database,
            "approval-schedule",
            handlers.run_schedule,
            owner=runtime.owner,
            interval_seconds=settings.approval_schedule_interval_seconds,
        )
    )
    return handlers


SERVICE: Service[ApprovalHandlers, ServiceSettings] = Service(
    entry=entry("approval"),
    description="Approval cycles for purchase and sales orders, the user directory, decisions.",
    setup=setup,
    settings=ApprovalSettings,
    commands={
        UpsertUser: ApprovalHandlers.upsert_user,
        DefineCycle: ApprovalHandlers.define_cycle,
        AssignParty: ApprovalHandlers.assign_party,
        UnassignParty: ApprovalHandlers.unassign_party,
        ApproveRequest: ApprovalHandlers.approve,
        RejectRequest: ApprovalHandlers.reject,
        SetAway: ApprovalHandlers.set_away,
        ClearAway: ApprovalHandlers.clear_away,
        ConfigureCredit: ApprovalHandlers.configure_credit,
    },
    events={
        OrderSubmitted: ApprovalHandlers.order_submitted,
        OrderCancelled: ApprovalHandlers.order_cancelled,
        CustomerRecorded: ApprovalHandlers.customer_recorded,
        CustomerPaymentRecorded: ApprovalHandlers.invoice_settled,
        CreditNoteIssued: ApprovalHandlers.invoice_settled,
        RefundRecorded: ApprovalHandlers.invoice_settled,
        PaymentRecorded: ApprovalHandlers.invoice_settled,
        InvoiceVoided: ApprovalHandlers.invoice_settled,
        InvoiceUncollectible: ApprovalHandlers.invoice_settled,
        ReceiptHeld: ApprovalHandlers.receipt_held,
    },
    publishes=[
        ApprovalPending,
        ApprovalApproved,
        ApprovalRejected,
        ApprovalWithdrawn,
        ApprovalReassigned,
        ApprovalReminderDue,
        CycleDefined,
        PartyAssigned,
        PartyUnassigned,
        UserUpserted,
        AwaySet,
        AwayCleared,
        CreditConfigured,
        ReceiptApprovalPending,
        ReceiptApprovalApproved,
        ReceiptApprovalRejected,
        ReceiptApprovalWithdrawn,
        ReceiptApprovalReassigned,
        ReceiptReminderDue,
    ],
    outbox_collections=COLLECTIONS,
    queries=queries,
)

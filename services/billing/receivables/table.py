"""The receivables part's rows of the billing service's table."""

from __future__ import annotations

from services.billing.receivables.handlers import ReceivablesHandlers
from services.billing.receivables.queries import queries
from services.billing.receivables.repository import OUTBOX_COLLECTIONS
from shared.contracts.inventory import GoodsIssued
from shared.contracts.orders import OrderApproved, OrderCompleted
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerInvoiceOverdue,
    CustomerPaymentRecorded,
    InvoicingPolicySet,
    IssueCreditNote,
    RecordCustomerPayment,
    RecordRefund,
    RefundRecorded,
    ReturnCredited,
    SetInvoicingPolicy,
)
from shared.contracts.returns import ReturnReceived
from shared.parts import Part

TABLE = Part[ReceivablesHandlers](
    commands={
        SetInvoicingPolicy: ReceivablesHandlers.set_invoicing_policy,
        RecordCustomerPayment: ReceivablesHandlers.record_payment,
        IssueCreditNote: ReceivablesHandlers.issue_credit_note,
        RecordRefund: ReceivablesHandlers.record_refund,
    },
    events={
        OrderApproved: ReceivablesHandlers.order_approved,
        GoodsIssued: ReceivablesHandlers.goods_issued,
        OrderCompleted: ReceivablesHandlers.order_completed,
        ReturnReceived: ReceivablesHandlers.return_received,
    },
    publishes=[
        InvoicingPolicySet,
        CustomerInvoiceIssued,
        CustomerPaymentRecorded,
        CreditNoteIssued,
        RefundRecorded,
        CustomerInvoiceOverdue,
        ReturnCredited,
    ],
    outbox_collections=OUTBOX_COLLECTIONS,
    queries=queries,
)

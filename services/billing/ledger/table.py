"""The ledger part's rows of the billing service's table.

It consumes the events of every financial fact (some of which the subscriptions part consumes
too: each part handles them in turn) and publishes the journal entries.
"""

from __future__ import annotations

from services.billing.ledger.handlers import LedgerHandlers
from services.billing.ledger.queries import queries
from services.billing.ledger.repository import OUTBOX_COLLECTIONS
from shared.contracts.billing import (
    InvoiceIssued,
    InvoiceUncollectible,
    InvoiceVoided,
    PaymentRecorded,
)
from shared.contracts.inventory import (
    GoodsIssued,
    GoodsReceived,
    OpeningBalanceSet,
    StockAdjusted,
)
from shared.contracts.ledger import (
    ChartOfAccountsDefined,
    DefineChartOfAccounts,
    JournalEntryPosted,
    PostingHeld,
)
from shared.contracts.payables import BillApproved, VendorPaymentRecorded
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerPaymentRecorded,
    RefundRecorded,
)
from shared.contracts.returns import ReturnReceived
from shared.contracts.work_orders import ComponentsIssued
from shared.parts import Part

TABLE = Part[LedgerHandlers](
    commands={DefineChartOfAccounts: LedgerHandlers.define_chart},
    events={
        # A new kind of document joins here: one row each (see translators.py).
        InvoiceIssued: LedgerHandlers.invoice_issued,
        PaymentRecorded: LedgerHandlers.payment_recorded,
        InvoiceVoided: LedgerHandlers.invoice_voided,
        InvoiceUncollectible: LedgerHandlers.invoice_uncollectible,
        GoodsReceived: LedgerHandlers.goods_received,
        GoodsIssued: LedgerHandlers.goods_issued,
        StockAdjusted: LedgerHandlers.stock_adjusted,
        OpeningBalanceSet: LedgerHandlers.opening_balance_set,
        ComponentsIssued: LedgerHandlers.components_issued,
        ReturnReceived: LedgerHandlers.return_received,
        CustomerInvoiceIssued: LedgerHandlers.customer_invoice_issued,
        CustomerPaymentRecorded: LedgerHandlers.customer_payment_recorded,
        CreditNoteIssued: LedgerHandlers.credit_note_issued,
        RefundRecorded: LedgerHandlers.refund_recorded,
        BillApproved: LedgerHandlers.bill_approved,
        VendorPaymentRecorded: LedgerHandlers.vendor_payment_recorded,
    },
    publishes=[ChartOfAccountsDefined, JournalEntryPosted, PostingHeld],
    outbox_collections=OUTBOX_COLLECTIONS,
    queries=queries,
)

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
from shared.contracts.inventory import GoodsIssued, GoodsReceived, StockAdjusted
from shared.contracts.ledger import (
    ChartOfAccountsDefined,
    DefineChartOfAccounts,
    JournalEntryPosted,
    PostingHeld,
)
from shared.contracts.returns import ReturnReceived
from shared.contracts.work_orders import ComponentsIssued
from shared.parts import Part

TABLE = Part[LedgerHandlers](
    commands={DefineChartOfAccounts: LedgerHandlers.define_chart},
    events={
        # Translators of the receivables and payables documents (customer invoices, credit
        # notes, refunds, supplier bills, vendor payments) join here: one row each.
        InvoiceIssued: LedgerHandlers.invoice_issued,
        PaymentRecorded: LedgerHandlers.payment_recorded,
        InvoiceVoided: LedgerHandlers.invoice_voided,
        InvoiceUncollectible: LedgerHandlers.invoice_uncollectible,
        GoodsReceived: LedgerHandlers.goods_received,
        GoodsIssued: LedgerHandlers.goods_issued,
        StockAdjusted: LedgerHandlers.stock_adjusted,
        ComponentsIssued: LedgerHandlers.components_issued,
        ReturnReceived: LedgerHandlers.return_received,
    },
    publishes=[ChartOfAccountsDefined, JournalEntryPosted, PostingHeld],
    outbox_collections=OUTBOX_COLLECTIONS,
    queries=queries,
)

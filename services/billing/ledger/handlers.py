"""Handlers of the ledger: the chart of accounts, and each financial fact posted once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

import structlog

from services.billing.ledger.domain import translators
from services.billing.ledger.domain.chart import CHART_ID, Chart
from services.billing.ledger.domain.facts import Fact
from services.billing.ledger.domain.posting import LedgerDocument, PostingStatus
from services.billing.ledger.repository import (
    RESCAN_SECONDS,
    STORED_WITHIN_SECONDS,
    LedgerStores,
)
from shared.contracts.base import Message, utcnow
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
from shared.contracts.ledger import DefineChartOfAccounts
from shared.contracts.payables import BillApproved, VendorPaymentRecorded
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerPaymentRecorded,
    RefundRecorded,
)
from shared.contracts.returns import ReturnReceived
from shared.contracts.work_orders import ComponentsIssued
from shared.storage.aggregates import AlreadyExists

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


class LedgerHandlers:
    def __init__(self, stores: LedgerStores, *, batch: int = 500) -> None:
        self.stores = stores
        self.batch = batch
        self.clock: Clock = utcnow
        self.rescan_seconds = RESCAN_SECONDS
        """When a definition scans the held documents the second time."""

    # --- the chart of accounts -------------------------------------------------------------

    async def define_chart(self, cmd: DefineChartOfAccounts) -> None:
        """Replace the chart-of-accounts mapping, then post what it lets be posted."""

        def first() -> Chart:
            chart = Chart.empty()
            chart.define(cmd)
            return chart

        await self.stores.charts.create_or_change(
            CHART_ID, cmd, create=first, change=lambda chart: chart.define(cmd)
        )
        self.stores.chart_changed()
        await self.release_held(cmd)
        # A document stored held by a look at the chart from before this definition, too late
        # for the scan above, is stored within STORED_WITHIN_SECONDS of that look (or looks
        # again itself): the second scan finds it.
        await asyncio.sleep(self.rescan_seconds)
        await self.release_held(cmd)

    async def release_held(self, cause: Message) -> int:
        """Post every held document the chart now has the rules for; how many were posted.
        Each is its own write, remembered under ``cause``: a redelivered cause goes on where
        the first delivery stopped."""
        chart = await self.stores.chart(fresh=True)
        posted, after = 0, ""
        while held := await self.stores.held(after, self.batch):
            for document in held:
                posted += await self._post(document.id, chart, cause)
            after = held[-1].id
        if posted:
            log.info("held_documents_posted", count=posted, chart_revision=chart.revision)
        return posted

    # --- financial facts -------------------------------------------------------------------

    async def invoice_issued(self, event: InvoiceIssued) -> None:
        """A subscription invoice: receivable, revenue and tax payable."""
        await self.record(translators.invoice_issued(event), event)

    async def payment_recorded(self, event: PaymentRecorded) -> None:
        """A payment received for an invoice: cash against receivable."""
        await self.record(translators.payment_recorded(event), event)

    async def invoice_voided(self, event: InvoiceVoided) -> None:
        """A voided invoice: its entry reversed."""
        await self.record(translators.invoice_voided(event), event)

    async def invoice_uncollectible(self, event: InvoiceUncollectible) -> None:
        """A written-off invoice: its balance to bad debt."""
        await self.record(translators.invoice_uncollectible(event), event)

    async def goods_received(self, event: GoodsReceived) -> None:
        """Goods received at cost: inventory against goods received not invoiced."""
        await self.record(translators.goods_received(event), event)

    async def goods_issued(self, event: GoodsIssued) -> None:
        """Goods issued at cost: cost of goods sold against inventory."""
        await self.record(translators.goods_issued(event), event)

    async def stock_adjusted(self, event: StockAdjusted) -> None:
        """A stock adjustment at cost: inventory against stock adjustment."""
        await self.record(translators.stock_adjusted(event), event)

    async def opening_balance_set(self, event: OpeningBalanceSet) -> None:
        """Stock counted at cost when stock-keeping starts: inventory against opening balance."""
        await self.record(translators.opening_balance_set(event), event)

    async def components_issued(self, event: ComponentsIssued) -> None:
        """Components issued to a work order at cost: work in progress against inventory."""
        await self.record(translators.components_issued(event), event)

    async def return_received(self, event: ReturnReceived) -> None:
        """Goods returned at cost: inventory (or quarantine) against cost of goods sold."""
        await self.record(translators.return_received(event), event)

    async def customer_invoice_issued(self, event: CustomerInvoiceIssued) -> None:
        """A sales order's invoice: receivable, revenue and tax payable."""
        await self.record(translators.customer_invoice_issued(event), event)

    async def customer_payment_recorded(self, event: CustomerPaymentRecorded) -> None:
        """A payment received for a sales invoice: cash against receivable."""
        await self.record(translators.customer_payment_recorded(event), event)

    async def credit_note_issued(self, event: CreditNoteIssued) -> None:
        """A credit note: sales returns and tax payable against receivable."""
        await self.record(translators.credit_note_issued(event), event)

    async def refund_recorded(self, event: RefundRecorded) -> None:
        """A refund paid to a customer: receivable against cash."""
        await self.record(translators.refund_recorded(event), event)

    async def bill_approved(self, event: BillApproved) -> None:
        """An approved supplier bill: GRNI, price variance and input tax against payable."""
        await self.record(translators.bill_approved(event), event)

    async def vendor_payment_recorded(self, event: VendorPaymentRecorded) -> None:
        """A payment to a vendor: payable against cash."""
        await self.record(translators.vendor_payment_recorded(event), event)

    async def record(self, fact: Fact | None, cause: Message) -> None:
        """Post the document ``fact`` describes, once (or hold it, naming what is missing);
        a document recorded before, by this message or another, is left as it is."""
        if fact is None or fact.is_empty:
            log.info("nothing_to_post", message_type=cause.type_name())
            return
        chart, looked = await self.stores.look()
        reversed_entry = await self._reversed(fact.reverses)
        document = LedgerDocument.of(fact, self.clock())
        document.post(chart, reversed_entry, self.clock())
        late = False
        try:
            await self.stores.documents.add(document, cause=cause)
        except AlreadyExists:
            # Recorded before: left as it is, but what should have followed its recording
            # (a crash may have stopped it) is done.
            log.info("document_recorded_before", entry_id=document.id)
            if (stored := await self.stores.documents.read(document.id)) is None:
                return
            document, late = stored, True
        if document.status is PostingStatus.POSTED:
            if document.kind in translators.REVERSIBLE:
                await self._post_reversals(document.id, chart, cause)
        elif (late or time.monotonic() - looked > STORED_WITHIN_SECONDS) and (
            (latest := await self.stores.chart(fresh=True)).revision != document.chart_revision
        ):
            # Stored long after its look (or by an earlier delivery): a definition made
            # meanwhile may have scanned the held documents a second time before this one was
            # stored (``define_chart``).
            await self._post(document.id, latest, cause)

    async def _reversed(self, entry_id: str | None) -> LedgerDocument | None:
        return None if entry_id is None else await self.stores.documents.read(entry_id)

    async def _post(self, entry_id: str, chart: Chart, cause: Message) -> int:
        """Try a held document again; 1 if it is posted now."""

        async def post(document: LedgerDocument) -> None:
            document.post(chart, await self._reversed(document.reverses), self.clock())

        changed = await self.stores.documents.change(
            entry_id,
            cause,
            post,
            missing=lambda: LookupError(f"{entry_id} vanished"),
            key=f"{cause.message_id}:{chart.revision}",
        )
        if changed is None or changed.status is not PostingStatus.POSTED:
            return 0
        return 1 + await self._post_reversals(entry_id, chart, cause)

    async def _post_reversals(self, entry_id: str, chart: Chart, cause: Message) -> int:
        """Held reversals of ``entry_id``, now that it is posted."""
        posted = 0
        for reversal in await self.stores.reversals_of(entry_id):
            posted += await self._post(reversal.id, chart, cause)
        return posted

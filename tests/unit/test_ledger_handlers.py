"""The ledger's handlers over in-memory stores: a document posted once however often told, held
without a chart and posted by the definition that completes it, a void that comes first
waiting for its invoice, and a movement without costs posting nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.billing.ledger import handlers as handlers_module
from services.billing.ledger.domain.chart import Chart
from services.billing.ledger.domain.posting import LedgerDocument, PostingStatus
from services.billing.ledger.handlers import LedgerHandlers
from services.billing.ledger.repository import LedgerStores
from shared.contracts.billing import InvoiceVoided
from shared.contracts.ledger import ChartOfAccountsDefined, JournalEntryPosted, PostingHeld
from tests.support.ledger import chart, receipt, taxed_invoice
from tests.unit.fakes import FakeStore

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


class Journal(FakeStore[LedgerDocument]):
    """The fake store, with the id ranges the ledger pages held documents by."""

    async def find(self, query: dict[str, Any], *, limit: int = 100, sort: Any = None) -> list[Any]:
        after = query.get("_id", {}).get("$gt") if isinstance(query.get("_id"), dict) else None
        rest = {key: value for key, value in query.items() if key != "_id" or after is None}
        found = sorted(await super().find(rest, limit=10_000), key=lambda doc: doc.id)
        return [doc for doc in found if after is None or doc.id > after][:limit]


def ledger(batch: int = 500) -> tuple[LedgerHandlers, FakeStore[Chart], Journal]:
    charts, journal = FakeStore(Chart), Journal(LedgerDocument)
    handlers = LedgerHandlers(LedgerStores(charts, journal), batch=batch)
    handlers.clock = lambda: AT
    handlers.rescan_seconds = 0.0
    return handlers, charts, journal


def again(event: Any) -> Any:
    """The same fact in a new message (sent again by someone, not redelivered)."""
    return event.model_copy(update={"message_id": uuid.uuid4()})


async def test_a_receipt_is_held_without_a_chart_then_posted_once() -> None:
    handlers, charts, journal = ledger(batch=1)
    goods, other = receipt(("TEA", "10", "12.00")), receipt(("MUG", "1", "3.00"))
    for event in (goods, goods, again(goods), other):
        await handlers.goods_received(event)
    held = journal.events(PostingHeld)
    assert [h.missing for h in held] == [
        ["accounts.goods_received_not_invoiced", "accounts.inventory"]
    ] * 2
    assert held[0].causation_id == goods.message_id
    definition = chart()
    await handlers.define_chart(definition)
    await handlers.define_chart(definition)  # redelivered: nothing more
    assert len(charts.events(ChartOfAccountsDefined)) == 1
    posted = journal.events(JournalEntryPosted)
    assert sorted(p.entry_id for p in posted) == sorted(
        [f"goods_receipt:{goods.receipt_id}", f"goods_receipt:{other.receipt_id}"]
    )
    assert {p.causation_id for p in posted} == {definition.message_id}
    await handlers.goods_received(again(goods))
    assert len(journal.events(JournalEntryPosted)) == 2
    assert all(doc["status"] == PostingStatus.POSTED for doc in journal.docs.values())


async def test_a_void_first_waits_and_follows_its_invoice() -> None:
    handlers, _, journal = ledger()
    await handlers.define_chart(chart())
    issued = taxed_invoice(("TEA", "3", "10.00", "VAT19"), at=AT)
    facts = issued.model_dump(exclude={"lines", "pricing", "tax_total", "issued_at"})
    void = InvoiceVoided(**{**facts, "status": "void", "reason": "issued in error"})
    await handlers.invoice_voided(void)
    [waiting] = journal.events(PostingHeld)
    assert waiting.missing == [f"entry:subscription_invoice:{issued.invoice_id}"]
    await handlers.invoice_issued(issued)
    first, reversal = journal.events(JournalEntryPosted)
    assert reversal.reverses_entry_id == first.entry_id
    assert reversal.total == first.total
    assert reversal.causation_id == issued.message_id


async def test_a_chart_defined_while_a_document_was_recorded_posts_it() -> None:
    """The definition's first scan ran before the document was stored, which was held by the
    look from before the definition: the definition's second scan posts it."""
    handlers, _, journal = ledger()
    handlers.rescan_seconds = 0.2
    goods = receipt(("TEA", "1", "2.00"))
    look = handlers.stores.look
    definitions: list[asyncio.Task[None]] = []

    async def defined_meanwhile(*, fresh: bool = False) -> tuple[Chart, float]:
        found = await look(fresh=fresh)
        if not definitions:
            definitions.append(asyncio.create_task(handlers.define_chart(chart())))
            await asyncio.sleep(0.05)  # stored, and scanned once
        return found

    object.__setattr__(handlers.stores, "look", defined_meanwhile)
    await handlers.goods_received(goods)
    [held] = journal.events(PostingHeld)
    assert journal.events(JournalEntryPosted) == []
    await definitions[0]
    [posted] = journal.events(JournalEntryPosted)
    assert held.entry_id == posted.entry_id
    assert posted.chart_revision == 1


async def test_a_document_stored_long_after_its_look_looks_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stored later than the definition's second scan can count on: the document looks the
    chart up again once stored, sees the newer one, and posts itself."""
    monkeypatch.setattr(handlers_module, "STORED_WITHIN_SECONDS", -1.0)
    handlers, _, journal = ledger()
    goods = receipt(("TEA", "1", "2.00"))
    look = handlers.stores.look

    async def defined_meanwhile(*, fresh: bool = False) -> tuple[Chart, float]:
        found = await look(fresh=fresh)
        if found[0].revision == 0:
            await handlers.define_chart(chart())  # both scans before the document is stored
        return found

    object.__setattr__(handlers.stores, "look", defined_meanwhile)
    await handlers.goods_received(goods)
    [held] = journal.events(PostingHeld)
    [posted] = journal.events(JournalEntryPosted)
    assert held.entry_id == posted.entry_id
    assert posted.chart_revision == 1


async def test_a_held_document_told_again_looks_the_chart_up_again() -> None:
    """A redelivery finds the document stored (its first delivery may have stopped before its
    look): it looks the chart up fresh, and posts the document by a newer one."""
    handlers, charts, journal = ledger()
    goods = receipt(("TEA", "1", "2.00"))
    await handlers.goods_received(goods)
    [held] = journal.events(PostingHeld)
    defined = Chart.empty()
    defined.define(chart())
    await charts.add(defined, cause=chart())  # defined elsewhere, its scans long over
    await handlers.goods_received(again(goods))
    [posted] = journal.events(JournalEntryPosted)
    assert posted.entry_id == held.entry_id


async def test_a_movement_without_costs_posts_nothing() -> None:
    handlers, _, journal = ledger()
    await handlers.goods_received(receipt(("TEA", "1", "2.00")).model_copy(update={"costs": []}))
    assert journal.docs == {}


class CountedCharts(FakeStore[Chart]):
    """The fake store of charts, counting the times the chart is looked up (its ``read`` is
    a ``get``)."""

    lookups = 0

    async def get(self, aggregate_id: str) -> Chart | None:
        self.lookups += 1
        return await super().get(aggregate_id)


async def test_without_a_chart_each_held_document_looks_the_chart_up_once() -> None:
    """Documents stored soon after a look at the chart need no look of their own: a
    definition is still seen, and posts what was held."""
    charts, journal = CountedCharts(Chart), Journal(LedgerDocument)
    handlers = LedgerHandlers(LedgerStores(charts, journal))
    handlers.rescan_seconds = 0.0
    handlers.clock = lambda: AT
    movements = [receipt(("TEA", "1", "2.00")) for _ in range(3)]
    for event in movements:
        await handlers.goods_received(event)
    assert len(journal.events(PostingHeld)) == 3
    assert charts.lookups == 1  # one look for all three, none after storing each
    await handlers.define_chart(chart())
    later = receipt(("MUG", "1", "3.00"))
    await handlers.goods_received(later)
    posted = {p.entry_id for p in journal.events(JournalEntryPosted)}
    assert posted == {f"goods_receipt:{e.receipt_id}" for e in [*movements, later]}


async def test_a_look_sent_before_a_definition_here_is_not_kept() -> None:
    """A look at the chart that left before this replica stored a definition may have found
    none: it is not kept, and the next document looks again."""
    charts, journal = FakeStore(Chart), Journal(LedgerDocument)
    stores = LedgerStores(charts, journal)
    gate = asyncio.Event()
    read = charts.read

    async def slow_read(aggregate_id: str) -> Chart | None:
        found = await read(aggregate_id)
        await gate.wait()
        return found

    object.__setattr__(charts, "read", slow_read)
    look = asyncio.create_task(stores.look())
    await asyncio.sleep(0)
    stores.chart_changed()
    gate.set()
    chart_then, _ = await look
    assert chart_then.revision == 0
    assert stores.looked.chart is None
    assert stores.looked.sent == float("-inf")

"""RFQ rules: who may reply with what, choosing one reply, and the purchase order it makes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.order.common.domain.errors import ValidityInPast
from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus
from services.order.rfqs.domain.errors import (
    DuplicateEntry,
    ReplyExpired,
    ReplyItemsMismatch,
    RfqClosed,
    UnknownRfq,
    UnknownSupplier,
    UnknownSupplierReply,
)
from services.order.rfqs.domain.rfq import Rfq, purchase_order_id
from shared.contracts import (
    OrderCreated,
    OrderKind,
    QuotedPrice,
    RequestedLine,
    RfqCancelled,
    RfqCreated,
    RfqReplyChosen,
    RfqReplyRecorded,
    RfqStatus,
    SupplierStatus,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
D = Decimal


def asked(*specs: tuple[str, str]) -> list[RequestedLine]:
    return [RequestedLine(sku=sku, quantity=D(q), description=f"{sku}!") for sku, q in specs]


def prices(*specs: tuple[str, str]) -> list[QuotedPrice]:
    return [QuotedPrice(sku=sku, unit_price=D(p)) for sku, p in specs]


def rfq(**changes: object) -> Rfq:
    values: dict[str, object] = {
        "rfq_id": "R-1",
        "branch_id": "B-1",
        "created_by": "pat",
        "currency": "USD",
        "lines": asked(("BOLT", "500"), ("NUT", "200")),
        "supplier_ids": ["S-1", "S-2", "S-3"],
        "notes": "urgent",
        "now": NOW,
    }
    made = Rfq.create(**{**values, **changes})  # type: ignore[arg-type]
    made.collect_events()
    return made


def reply(
    made: Rfq,
    supplier: str,
    bolt: str = "0.10",
    *,
    days: int = 5,
    until: datetime = NOW + 10 * DAY,
    now: datetime = NOW,
) -> None:
    made.record_reply(
        supplier_id=supplier,
        prices=prices(("NUT", "0.05"), ("BOLT", bolt)),
        lead_time_days=days,
        valid_until=until,
        by="pat",
        notes=f"{supplier} notes",
        now=now,
    )


def replied() -> Rfq:
    made = rfq()
    reply(made, "S-1", "0.12", days=3)
    reply(made, "S-2", "0.10", days=9)
    made.collect_events()
    return made


def chosen(order_id: str | None = None) -> Rfq:
    made = replied()
    made.choose(supplier_id="S-2", by="max", order_id=order_id, now=NOW + DAY)
    made.collect_events()
    return made


def statuses(made: Rfq) -> dict[str, str]:
    return {s.supplier_id: s.status.value for s in made.suppliers}


def test_an_rfq_asks_each_supplier() -> None:
    made = Rfq.create(
        rfq_id="R-1",
        branch_id="B-1",
        created_by="pat",
        currency="USD",
        lines=asked(("BOLT", "500")),
        supplier_ids=["S-1", "S-2"],
        notes="urgent",
        now=NOW,
    )
    [event] = made.collect_events()
    assert isinstance(event, RfqCreated)
    assert (event.rfq_id, event.status, event.branch_id) == ("R-1", RfqStatus.OPEN, "B-1")
    assert (event.created_by, event.currency) == ("pat", "USD")
    assert event.supplier_ids == ["S-1", "S-2"]
    assert [line.sku for line in event.lines] == ["BOLT"]
    assert statuses(made) == {"S-1": "invited", "S-2": "invited"}
    assert made.notes == "urgent"
    assert made.created_at == made.updated_at == NOW


@pytest.mark.parametrize(
    ("what", "changes"),
    [
        ("item", {"lines": asked(("BOLT", "1"), ("NUT", "1"), ("NUT", "3"), ("BOLT", "2"))}),
        ("supplier", {"supplier_ids": ["S-1", "S-2", "S-1"]}),
    ],
)
def test_each_item_and_supplier_is_named_once(what: str, changes: dict[str, object]) -> None:
    with pytest.raises(DuplicateEntry) as refused:
        rfq(**changes)
    assert refused.value.reason == "duplicate_entry"
    assert refused.value.detail == (
        f"Each {what} is named once; named more than once: "
        f"{'BOLT, NUT' if what == 'item' else 'S-1'}."
    )


def test_a_reply_is_recorded_for_its_supplier() -> None:
    made = rfq()
    reply(made, "S-2", days=7, now=NOW + DAY)
    [event] = made.collect_events()
    assert isinstance(event, RfqReplyRecorded)
    assert (event.rfq_id, event.supplier_id, event.recorded_by) == ("R-1", "S-2", "pat")
    assert event.lead_time_days == 7
    assert event.valid_until == NOW + 10 * DAY
    assert {p.sku: p.unit_price for p in event.prices} == {"BOLT": D("0.10"), "NUT": D("0.05")}
    assert not event.replaced
    assert event.status is RfqStatus.OPEN
    assert statuses(made) == {"S-1": "invited", "S-2": "replied", "S-3": "invited"}
    stored = made.suppliers[1].reply
    assert stored is not None
    assert (stored.recorded_by, stored.recorded_at, stored.notes) == ("pat", NOW + DAY, "S-2 notes")
    assert stored.lead_time_days == 7
    assert made.updated_at == NOW + DAY


def test_a_later_reply_replaces_the_earlier() -> None:
    made = rfq()
    reply(made, "S-1", "0.30")
    reply(made, "S-1", "0.20", days=2)
    [_, event] = made.collect_events()
    assert isinstance(event, RfqReplyRecorded)
    assert event.replaced
    stored = made.suppliers[0].reply
    assert stored is not None
    assert stored.prices[1].unit_price == D("0.20")
    assert stored.lead_time_days == 2
    assert made.suppliers[0].replies == 2


def test_a_supplier_not_asked_cannot_reply() -> None:
    made = rfq()
    with pytest.raises(UnknownSupplier) as refused:
        reply(made, "S-9")
    assert refused.value.reason == "unknown_supplier"
    assert "S-9 was not asked in RFQ R-1" in refused.value.detail


@pytest.mark.parametrize(
    "quoted",
    [
        [("BOLT", "1")],
        [("BOLT", "1"), ("NUT", "1"), ("WASHER", "1")],
        [("BOLT", "1"), ("BOLT", "1")],
        [("BOLT", "1"), ("BOLT", "1"), ("NUT", "1")],
    ],
)
def test_a_reply_prices_every_item_once(quoted: list[tuple[str, str]]) -> None:
    made = rfq()
    with pytest.raises(ReplyItemsMismatch) as refused:
        made.record_reply(
            supplier_id="S-1",
            prices=prices(*quoted),
            lead_time_days=1,
            valid_until=NOW + DAY,
            by="pat",
            notes=None,
            now=NOW,
        )
    assert refused.value.reason == "reply_items_mismatch"
    assert refused.value.detail == (
        "A reply to RFQ R-1 prices each of BOLT, NUT once, and nothing else."
    )
    assert made.suppliers[0].reply is None


@pytest.mark.parametrize("until", [NOW, NOW - DAY])
def test_a_reply_must_hold_for_some_time(until: datetime) -> None:
    with pytest.raises(ValidityInPast) as refused:
        reply(rfq(), "S-1", until=until)
    assert refused.value.reason == "validity_in_past"
    assert refused.value.detail == (
        f"valid_until {until.isoformat()} is not in the future: a reply must be valid for some "
        "time."
    )


def test_choosing_a_reply_fixes_the_order_and_closes_the_others() -> None:
    made = replied()
    made.choose(supplier_id="S-2", by="max", order_id=None, now=NOW + DAY)
    [event] = made.collect_events()
    assert isinstance(event, RfqReplyChosen)
    assert (event.supplier_id, event.chosen_by, event.order_id) == ("S-2", "max", "PO-R-1")
    assert event.order_id == purchase_order_id("R-1")
    assert event.closed_supplier_ids == ["S-1", "S-3"]
    assert not event.repeated
    assert event.status is RfqStatus.ORDERED
    assert statuses(made) == {"S-1": "closed", "S-2": "chosen", "S-3": "closed"}
    assert (made.chosen_supplier_id, made.chosen_by) == ("S-2", "max")
    assert made.updated_at == NOW + DAY


def test_the_caller_may_name_the_purchase_order() -> None:
    assert chosen("PO-9").order_id == "PO-9"


def test_a_reply_valid_until_the_moment_of_choice_may_be_chosen() -> None:
    made = replied()
    made.choose(supplier_id="S-1", by="max", order_id=None, now=NOW + 10 * DAY)
    assert made.chosen_supplier_id == "S-1"


def test_an_expired_reply_is_not_chosen() -> None:
    made = replied()
    later = NOW + 10 * DAY + timedelta(seconds=1)
    with pytest.raises(ReplyExpired) as refused:
        made.choose(supplier_id="S-1", by="max", order_id=None, now=later)
    assert refused.value.reason == "reply_expired"
    assert "S-1 to RFQ R-1 was valid until" in refused.value.detail
    assert made.status is RfqStatus.OPEN


@pytest.mark.parametrize("supplier", ["S-3", "S-9"])
def test_only_a_reply_is_chosen(supplier: str) -> None:
    made = replied()
    with pytest.raises(UnknownSupplierReply) as refused:
        made.choose(supplier_id=supplier, by="max", order_id=None, now=NOW)
    assert refused.value.reason == "unknown_supplier_reply"
    assert f"{supplier} has not replied to RFQ R-1" in refused.value.detail
    assert made.status is RfqStatus.OPEN


@pytest.mark.parametrize("order_id", [None, "PO-9"])
def test_choosing_the_same_reply_again_names_the_same_order(order_id: str | None) -> None:
    made = chosen("PO-9")
    made.choose(supplier_id="S-2", by="ivy", order_id=order_id, now=NOW + 99 * DAY)
    [event] = made.collect_events()
    assert isinstance(event, RfqReplyChosen)
    assert event.repeated
    assert (event.order_id, event.supplier_id, event.chosen_by) == ("PO-9", "S-2", "ivy")
    assert event.closed_supplier_ids == ["S-1", "S-3"]
    assert made.chosen_by == "max"


@pytest.mark.parametrize(("supplier", "order_id"), [("S-1", None), ("S-2", "PO-10")])
def test_once_ordered_the_rfq_is_closed(supplier: str, order_id: str | None) -> None:
    made = chosen("PO-9")
    with pytest.raises(RfqClosed) as refused:
        made.choose(supplier_id=supplier, by="max", order_id=order_id, now=NOW)
    assert refused.value.reason == "rfq_closed"
    assert refused.value.detail == "RFQ R-1 is ordered: it is closed."
    with pytest.raises(RfqClosed):
        reply(made, "S-3")
    with pytest.raises(RfqClosed):
        made.cancel(by="pat", reason=None, now=NOW)
    assert made.order_id == "PO-9"


def test_a_cancelled_rfq_is_closed_to_everyone() -> None:
    made = replied()
    made.cancel(by="pat", reason="not needed", now=NOW + DAY)
    [event] = made.collect_events()
    assert isinstance(event, RfqCancelled)
    assert (event.cancelled_by, event.reason, event.status) == (
        "pat",
        "not needed",
        RfqStatus.CANCELLED,
    )
    assert statuses(made) == {"S-1": "closed", "S-2": "closed", "S-3": "closed"}
    assert (made.cancelled_by, made.reason, made.updated_at) == ("pat", "not needed", NOW + DAY)
    with pytest.raises(RfqClosed):
        made.choose(supplier_id="S-2", by="max", order_id=None, now=NOW)
    with pytest.raises(RfqClosed):
        reply(made, "S-3")


def test_the_purchase_order_has_the_items_at_the_chosen_prices_and_links_back() -> None:
    made = chosen()
    order = made.purchase_order()
    assert isinstance(order, Order)
    assert order.id == "PO-R-1"
    assert order.kind is OrderKind.PURCHASE
    assert order.status is OrderStatus.DRAFT
    assert (order.party_id, order.branch_id, order.currency) == ("S-2", "B-1", "USD")
    assert order.created_by == "max"
    assert [(x.sku, x.quantity, x.unit_price, x.description) for x in order.lines] == [
        ("BOLT", D(500), D("0.10"), "BOLT!"),
        ("NUT", D(200), D("0.05"), "NUT!"),
    ]
    assert order.notes == "urgent"
    assert order.rfq_id == "R-1"
    assert order.quotation_id is None
    assert order.total == D("60.00")
    [created] = order.collect_events()
    assert isinstance(created, OrderCreated)
    assert (created.rfq_id, created.quotation_id) == ("R-1", None)
    assert [s.status for s in made.suppliers].count(SupplierStatus.CHOSEN) == 1


def test_an_rfq_without_a_choice_has_no_purchase_order() -> None:
    with pytest.raises(ValueError, match="not enough values"):
        replied().purchase_order()


def test_an_unknown_rfq_is_named() -> None:
    refused = UnknownRfq("R-9")
    assert (refused.reason, refused.detail) == (
        "unknown_rfq",
        "There is no RFQ 'R-9'; create it first.",
    )

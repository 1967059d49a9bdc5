"""Receipts beyond a purchase order's tolerance: held at the boundary, then received when
approved, refused when rejected, and refused when the order closes while they wait."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.inventory.domain import Location, TrackedOrder
from services.inventory.domain.errors import DuplicateDocument, NotOnOrder, OrderNotApproved
from services.inventory.domain.held_receipts import HeldState
from shared.contracts import GoodsReceived, OrderKind, OrderLine, StockLine, utcnow
from shared.contracts.receipts import HeldLine, ReceiptHeld, ReceiptRefused

D = Decimal
HERE = Location(id="L-1", branch_id="BR-1", warehouse="Main")


def po(**ordered: str) -> TrackedOrder:
    tracked = TrackedOrder.new(order_id="PO-1", kind=OrderKind.PURCHASE, party_id="V-1")
    lines = [OrderLine(sku=s, quantity=D(q), unit_price=D("2.50")) for s, q in ordered.items()]
    costs = {line.sku: line.unit_price for line in lines}
    tracked.submitted(
        attempt=1,
        branch_id="BR-1",
        lines=lines,
        sales_location=None,
        expires_at=utcnow() + timedelta(hours=1),
        currency="EUR",
        unit_costs=costs,
    )
    tracked.approved(
        attempt=1,
        branch_id="BR-1",
        lines=lines,
        sales_location=None,
        currency="EUR",
        unit_costs=costs,
    )
    tracked.collect_events()
    return tracked


def offer(order: TrackedOrder, doc: str, *, message: str | None = None, **quantities: str) -> None:
    order.receive_or_hold(
        receipt_id=doc,
        message_id=message or f"m-{doc}",
        location=HERE,
        lines=[StockLine(sku=s, quantity=D(q)) for s, q in quantities.items()],
        by="clerk",
        tolerance_percent=D(5),
    )


def test_exactly_at_the_tolerance_is_claimed_as_ever() -> None:
    order = po(A="100")
    offer(order, "GR-1", A="105")
    assert [c.document_id for c in order.claims] == ["GR-1"]
    assert order.claims[0].unit_costs == {"A": D("2.50")}
    assert order.held == []
    assert order.collect_events() == []


def test_one_unit_above_the_tolerance_is_held_not_claimed() -> None:
    order = po(A="100", B="10")
    offer(order, "GR-1", A="60")  # in flight: counted as received
    offer(order, "GR-2", A="46", B="1")

    assert [c.document_id for c in order.claims] == ["GR-1"]
    [held] = order.held
    assert (held.receipt_id, held.state, held.by) == ("GR-2", HeldState.HELD, "clerk")
    [event] = order.collect_events()
    assert isinstance(event, ReceiptHeld)
    assert (event.order_id, event.party_id, event.attempt) == ("PO-1", "V-1", 1)
    assert (event.location_id, event.branch_id, event.tolerance_percent) == ("L-1", "BR-1", D(5))
    assert event.lines == [
        HeldLine(
            sku="A", ordered=D(100), received=D(60), offered=D(46), allowed=D(105), excess=D(1)
        ),
        HeldLine(
            sku="B", ordered=D(10), received=D(0), offered=D(1), allowed=D("10.5"), excess=D(0)
        ),
    ]


def test_a_held_receipt_is_held_once_and_its_id_is_not_reused() -> None:
    order = po(A="10")
    offer(order, "GR-1", A="11")
    offer(order, "GR-1", A="11")  # the same message again
    assert len(order.held) == 1
    assert len(order.collect_events()) == 1
    with pytest.raises(DuplicateDocument, match="GR-1 is already held for approval"):
        offer(order, "GR-1", message="other", A="1")


def test_every_other_rule_still_refuses_before_the_tolerance() -> None:
    order = po(A="10")
    with pytest.raises(NotOnOrder):
        offer(order, "GR-1", Z="100")
    submitted_only = TrackedOrder.new(order_id="PO-2", kind=OrderKind.PURCHASE, party_id="V")
    with pytest.raises(OrderNotApproved):
        offer(submitted_only, "GR-1", A="100")
    assert order.held == []


def test_an_approved_held_receipt_is_received_at_the_order_prices() -> None:
    order = po(A="10")
    offer(order, "GR-1", A="12")
    order.collect_events()

    order.approve_held("GR-1", location=HERE, decided_by="mary")
    [claim] = order.claims
    assert (claim.document_id, claim.message_id, claim.by) == ("GR-1", "m-GR-1", "clerk")
    assert claim.unit_costs == {"A": D("2.50")}
    assert claim.currency == "EUR"
    assert order.held[0].state is HeldState.APPROVED
    assert order.held[0].decided_by == "mary"
    order.approve_held("GR-1", location=HERE, decided_by="mary")  # again: nothing more
    assert len(order.claims) == 1

    order.complete("GR-1")
    [received] = order.collect_events()
    assert isinstance(received, GoodsReceived)
    assert received.order_lines[0].fulfilled == D(12)


def test_a_rejected_held_receipt_is_refused_with_the_notes() -> None:
    order = po(A="10")
    offer(order, "GR-1", A="12")
    order.collect_events()
    order.refuse_held(
        "GR-1", reason="over_receipt_rejected", detail="no", decided_by="mary", notes="Send back"
    )
    [refused] = order.collect_events()
    assert isinstance(refused, ReceiptRefused)
    assert (refused.reason, refused.notes, refused.decided_by) == (
        "over_receipt_rejected",
        "Send back",
        "mary",
    )
    assert (refused.receipt_id, refused.received_by, refused.branch_id) == ("GR-1", "clerk", "BR-1")
    assert refused.lines[0].excess == D("1.5")
    order.approve_held("GR-1", location=HERE, decided_by="mary")  # too late: stays refused
    order.refuse_held("GR-1", reason="x", detail="x")
    assert order.claims == []
    assert order.collect_events() == []
    assert order.held[0].state is HeldState.REFUSED


@pytest.mark.parametrize("close", ["cancelled", "closed"])
def test_closing_the_order_refuses_what_it_holds(close: str) -> None:
    order = po(A="10")
    offer(order, "GR-1", A="12")
    order.collect_events()
    getattr(order, close)()
    refused = [e for e in order.collect_events() if isinstance(e, ReceiptRefused)]
    assert [(e.receipt_id, e.reason) for e in refused] == [("GR-1", "order_closed")]
    assert f"is {order.state.value}" in refused[0].detail if order.state else False
    order.approve_held("GR-1", location=HERE, decided_by="mary")
    assert order.claims == []


def test_an_order_no_longer_approved_refuses_the_approval() -> None:
    order = po(A="10")
    offer(order, "GR-1", A="12")
    order.collect_events()
    order.submitted(
        attempt=2,
        branch_id="BR-1",
        lines=[OrderLine(sku="A", quantity=D(10), unit_price=D(1))],
        sales_location=None,
        expires_at=utcnow(),
    )
    order.approve_held("GR-1", location=HERE, decided_by="mary")
    [refused] = order.collect_events()
    assert isinstance(refused, ReceiptRefused)
    assert refused.reason == "order_closed"
    assert "is submitted" in refused.detail
    assert order.claims == []


def test_a_receipt_id_being_received_or_refused_elsewhere_is_not_held_again() -> None:
    order = po(A="10")
    offer(order, "GR-1", A="5")  # claimed, being received
    with pytest.raises(DuplicateDocument, match="GR-1 is already being received against"):
        offer(order, "GR-1", message="other", A="20")
    order.complete("GR-1")
    with pytest.raises(DuplicateDocument, match="GR-1 was already received against"):
        offer(order, "GR-1", message="third", A="20")
    submitted_only = TrackedOrder.new(order_id="PO-2", kind=OrderKind.PURCHASE, party_id="V")
    with pytest.raises(OrderNotApproved, match="goods can be received only against"):
        offer(submitted_only, "GR-9", A="100")


def test_holding_and_refusing_mark_the_order_changed() -> None:
    order = po(A="10")
    order.updated_at = before = utcnow() - timedelta(days=1)
    offer(order, "GR-1", A="12")
    assert order.updated_at > before
    order.updated_at = before
    order.refuse_held("GR-1", reason="r", detail="d")
    assert order.updated_at > before
    assert order.held[0].decided_at is not None


def test_the_same_message_again_keeps_its_one_claim() -> None:
    order = po(A="10")
    offer(order, "GR-1", A="5")
    offer(order, "GR-1", A="5")  # redelivered while it is being received
    assert [c.document_id for c in order.claims] == ["GR-1"]

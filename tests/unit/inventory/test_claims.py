"""Receipts and issues against an order, step by step: the claim's rules at their limits, a
failing claim, completion, and the keys that make each stock movement happen once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.inventory.domain import ClaimState, Location, TrackedOrder
from services.inventory.domain.errors import (
    DuplicateDocument,
    NotOnOrder,
    OrderNotApproved,
    OverIssue,
    OverReceipt,
    WrongLocation,
    WrongOrderKind,
)
from services.inventory.domain.errors import UnknownOrder as UnknownTrackedOrder
from services.inventory.domain.order_parts import Claim, totals
from shared.contracts import GoodsIssued, GoodsReceived, OrderKind, OrderLine, StockLine, utcnow

D = Decimal
HERE = Location(id="L-1", branch_id="BR-1", warehouse="Main")
NEXT_DOOR = Location(id="L-2", branch_id="BR-1", warehouse="Annex")
THERE = Location(id="L-9", branch_id="BR-9", warehouse="Far")


def stock(**quantities: str) -> list[StockLine]:
    return [StockLine(sku=sku, quantity=D(q)) for sku, q in quantities.items()]


def order(kind: OrderKind, *, sales_location: str | None = "L-1", **ordered: str) -> TrackedOrder:
    tracked = TrackedOrder.new(order_id="O-1", kind=kind, party_id="P-1")
    order_lines = [OrderLine(sku=s, quantity=D(q), unit_price=D(1)) for s, q in ordered.items()]
    tracked.submitted(
        attempt=1,
        branch_id="BR-1",
        lines=order_lines,
        sales_location=sales_location,
        expires_at=utcnow() + timedelta(hours=1),
    )
    tracked.approved(attempt=1, branch_id="BR-1", lines=order_lines, sales_location=None)
    tracked.collect_events()
    return tracked


def receive(po: TrackedOrder, doc: str, *, message: str | None = None, **quantities: str) -> None:
    po.claim_receipt(
        receipt_id=doc,
        message_id=message or f"m-{doc}",
        location=HERE,
        lines=stock(**quantities),
        by="clerk",
        tolerance_percent=D(10),
    )


def issue(so: TrackedOrder, doc: str, location: Location = HERE, **quantities: str) -> None:
    so.claim_issue(
        issue_id=doc, message_id=f"m-{doc}", location=location, lines=stock(**quantities), by="ann"
    )


def test_a_receipt_may_reach_exactly_the_tolerance() -> None:
    po = order(OrderKind.PURCHASE, A="10", B="4")
    receive(po, "GR-1", A="6", B="1")
    receive(po, "GR-2", A="5")  # 11 = 10 + 10 %
    with pytest.raises(OverReceipt, match=r"Receiving 4 of B would make 5 .* at most 4\.4"):
        receive(po, "GR-3", B="4")
    assert [c.document_id for c in po.claims] == ["GR-1", "GR-2"]


def test_the_same_receipt_message_again_keeps_its_one_claim() -> None:
    po = order(OrderKind.PURCHASE, A="10")
    receive(po, "GR-1", A="4")
    receive(po, "GR-1", A="4")  # redelivered

    assert [(c.document_id, c.lines) for c in po.claims] == [("GR-1", stock(A="4"))]
    with pytest.raises(DuplicateDocument, match="GR-1 is already being received against Purch"):
        receive(po, "GR-1", message="another", A="4")


def test_a_completed_document_is_never_counted_twice() -> None:
    po = order(OrderKind.PURCHASE, A="10")
    receive(po, "GR-1", A="4")
    po.complete("GR-1")
    receive(po, "GR-2", A="1")

    with pytest.raises(DuplicateDocument, match="GR-1 was already received against Purchase ord"):
        receive(po, "GR-1", A="4")
    assert po.delivered("GR-2") is None  # claimed, not yet completed
    counted = po.line("A")
    assert counted is not None
    assert counted.fulfilled == D(4)


def test_receipts_add_up_and_say_when_the_order_is_fully_received() -> None:
    po = order(OrderKind.PURCHASE, A="10", B="2")
    for n, quantity in ((1, "3"), (2, "7")):
        receive(po, f"GR-{n}", A=quantity, **({"B": "2"} if n == 2 else {}))
        po.complete(f"GR-{n}")

    first, second = po.collect_events()
    assert isinstance(first, GoodsReceived)
    assert isinstance(second, GoodsReceived)
    assert (first.receipt_id, first.received_by, first.fully_received) == ("GR-1", "clerk", False)
    assert second.fully_received
    assert [(line.sku, line.fulfilled) for line in second.order_lines] == [
        ("A", D(10)),
        ("B", D(2)),
    ]
    delivery = po.deliveries[-1]
    assert (delivery.document_id, delivery.message_id, delivery.location_id, delivery.by) == (
        "GR-2",
        "m-GR-2",
        "L-1",
        "clerk",
    )


def test_claims_are_checked_against_kind_state_branch_and_lines() -> None:
    po = order(OrderKind.PURCHASE, A="1")
    with pytest.raises(WrongOrderKind, match="Purchase order O-1 cannot be issued: only a sales"):
        issue(po, "GI-1", A="1")
    with pytest.raises(WrongLocation, match="L-9 belongs to branch BR-9, but Purchase order O-1"):
        po.claim_receipt(
            receipt_id="GR-1",
            message_id="m",
            location=THERE,
            lines=stock(A="1"),
            by="clerk",
            tolerance_percent=D(0),
        )
    with pytest.raises(NotOnOrder, match="Z is not on Purchase order O-1"):
        receive(po, "GR-2", Z="1")
    unknown = TrackedOrder.new(order_id="O-2", kind=OrderKind.PURCHASE, party_id="P-1")
    with pytest.raises(OrderNotApproved, match="Purchase order O-2 is unknown: goods can be rec"):
        receive(unknown, "GR-3", A="1")
    assert "orders become known here when submitted" in str(UnknownTrackedOrder("O-3"))


def test_an_issue_may_take_exactly_what_is_ordered_from_where_it_is_reserved() -> None:
    so = order(OrderKind.SALES, A="5", B="2")
    with pytest.raises(WrongLocation, match="Sales order O-1 is issued from L-1, where its stock"):
        issue(so, "GI-1", NEXT_DOOR, A="1")
    issue(so, "GI-2", A="3", B="1")
    issue(so, "GI-3", A="2")
    with pytest.raises(OverIssue, match=r"exceed the 2 ordered .* \(0 issued, 1 being issued\)"):
        issue(so, "GI-4", B="2")


def test_the_same_issue_message_again_keeps_its_one_claim_and_another_is_refused() -> None:
    so = order(OrderKind.SALES, A="5")
    issue(so, "GI-1", A="1")
    issue(so, "GI-1", A="1")  # redelivered
    with pytest.raises(DuplicateDocument, match="GI-1 is already being issued against Sales"):
        so.claim_issue(
            issue_id="GI-1", message_id="other", location=HERE, lines=stock(A="1"), by="ann"
        )
    so.complete("GI-1")
    with pytest.raises(DuplicateDocument, match="GI-1 was already issued against Sales order"):
        issue(so, "GI-1", A="1")
    assert [d.document_id for d in so.deliveries] == ["GI-1"]


def test_every_change_to_the_order_is_time_stamped() -> None:
    po = TrackedOrder.new(order_id="O-1", kind=OrderKind.PURCHASE, party_id="P-1")
    stamps = [po.updated_at]
    po.approved(
        attempt=1,
        branch_id="BR-1",
        lines=[OrderLine(sku="A", quantity=D(5), unit_price=D(1))],
        sales_location=None,
    )
    stamps.append(po.updated_at)
    receive(po, "GR-1", A="1")
    stamps.append(po.updated_at)
    po.complete("GR-1")
    stamps.append(po.updated_at)
    so = order(OrderKind.SALES, A="5")
    so.rejected(attempt=2)  # releases the reservation
    stamps.append(so.updated_at)

    assert stamps == sorted(stamps)  # a missing stamp (None) cannot be ordered


def test_without_a_reservation_location_an_issue_may_come_from_any_branch_location() -> None:
    so = order(OrderKind.SALES, sales_location=None, A="5")
    issue(so, "GI-1", NEXT_DOOR, A="5")
    assert [c.location_id for c in so.claims] == ["L-2"]


def test_a_completed_issue_leaves_a_backorder_of_what_is_outstanding() -> None:
    so = order(OrderKind.SALES, A="5", B="2", C="1")
    issue(so, "GI-1", A="4", B="2")
    seq = so.seq

    so.complete("GI-1")

    [issued] = so.collect_events()
    assert isinstance(issued, GoodsIssued)
    assert (issued.issue_id, issued.issued_by, issued.completed) == ("GI-1", "ann", False)
    assert issued.backorder == stock(A="1", C="1")
    assert so.seq == seq + 1  # what should be reserved changed


def test_a_failing_claim_is_kept_with_what_it_took_and_is_never_completed() -> None:
    so = order(OrderKind.SALES, A="5", B="2")
    issue(so, "GI-1", A="2", B="2")
    issue(so, "GI-2", A="1")

    so.fail_claim("GI-1", taken=["A"], failure="B: only 1 available")
    so.fail_claim("GI-1", taken=[], failure="again")  # already failing: the first failure stands
    so.fail_claim("GI-9", taken=[], failure="no such claim")
    so.complete("GI-1")

    claim = so.claim_for("GI-1")
    assert claim is not None
    assert (claim.state, claim.taken, claim.failure) == (
        ClaimState.FAILING,
        ["A"],
        "B: only 1 available",
    )
    other = so.claim_for("GI-2")
    assert other is not None
    assert other.state is ClaimState.PENDING
    assert so.collect_events() == []
    so.drop_claim("GI-1")
    assert [c.document_id for c in so.claims] == ["GI-2"]


def test_each_stock_movement_of_a_claim_has_its_own_key() -> None:
    def claim(kind: OrderKind) -> Claim:
        return Claim(
            document_id="D-1", kind=kind, message_id="m", location_id="L-1", lines=[], by="x"
        )

    assert claim(OrderKind.PURCHASE).movement_key("O-1", "A") == "receipt:O-1:D-1:A"
    assert claim(OrderKind.SALES).movement_key("O-1", "A") == "issue:O-1:D-1:A"
    assert claim(OrderKind.SALES).movement_key("O-1", "A", reversal=True) == "reversal:O-1:D-1:A"


def test_lines_for_the_same_item_are_summed() -> None:
    assert totals(stock(A="1") + stock(B="2") + stock(A="3")) == {"A": D(4), "B": D(2)}


async def test_a_claim_tried_on_a_looked_up_order_leaves_the_remembered_one_as_it_was() -> None:
    """The issue handler tries a claim on the order the store built for its look (no copy of
    its own): the copy the store remembers, and the next look, are not changed by it."""
    from shared.storage.aggregates import AggregateStore
    from shared.storage.recent import RecentDocuments

    recent = RecentDocuments()
    store = AggregateStore(None, TrackedOrder, None, recent=recent)  # type: ignore[arg-type]
    so = order(OrderKind.SALES, **{"SKU-1": "5"})
    doc = {"_id": so.id, **so.model_dump(mode="python", exclude={"id"})}
    recent.put(so.id, doc)
    remembered = repr(doc)

    trial = await store.get(so.id)
    assert trial is not None
    trial.claim_issue(
        issue_id="GI-1", message_id="m-1", location=HERE, lines=stock(**{"SKU-1": "2"}), by="c"
    )

    again = await store.get(so.id)
    assert again is not None
    assert trial.claim_for("GI-1") is not None
    assert again.claim_for("GI-1") is None
    assert repr(doc) == remembered

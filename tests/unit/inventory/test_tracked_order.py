"""Orders as inventory knows them: approval gate, quantities, reservation intent, event order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.inventory.domain import Location, ReservationChanged, TrackedOrder
from services.inventory.domain.errors import (
    DuplicateDocument,
    NotOnOrder,
    OrderClosed,
    OrderNotApproved,
    OverIssue,
    OverReceipt,
    WrongLocation,
)
from shared.contracts import (
    GoodsIssued,
    GoodsReceived,
    OrderKind,
    OrderLine,
    ReservationReleased,
    StockLine,
    StockReserved,
    utcnow,
)

D = Decimal
HERE = Location(id="L-1", branch_id="BR-1", warehouse="Main")
THERE = Location(id="L-9", branch_id="BR-9", warehouse="Far")


def lines(**quantities: str) -> list[OrderLine]:
    return [OrderLine(sku=sku, quantity=D(q), unit_price=D(1)) for sku, q in quantities.items()]


def stock(**quantities: str) -> list[StockLine]:
    return [StockLine(sku=sku, quantity=D(q)) for sku, q in quantities.items()]


def order(kind: OrderKind, quantities: dict[str, str], *, approve: bool = True) -> TrackedOrder:
    tracked = TrackedOrder.new(order_id="O-1", kind=kind, party_id="P-1")
    tracked.submitted(
        attempt=1,
        branch_id="BR-1",
        lines=lines(**quantities),
        sales_location="L-1",
        expires_at=utcnow() + timedelta(hours=1),
    )
    if approve:
        tracked.approved(
            attempt=1, branch_id="BR-1", lines=lines(**quantities), sales_location="L-1"
        )
    tracked.collect_events()
    return tracked


def receive(tracked: TrackedOrder, doc: str, **quantities: str) -> None:
    tracked.claim_receipt(
        receipt_id=doc,
        message_id=f"m-{doc}",
        location=HERE,
        lines=stock(**quantities),
        by="clerk",
        tolerance_percent=D(5),
    )


def test_receipts_need_an_approved_po_and_stay_within_the_tolerance() -> None:
    pending = order(OrderKind.PURCHASE, {"SKU-1": "10"}, approve=False)
    with pytest.raises(OrderNotApproved, match="is submitted"):
        receive(pending, "GR-1", **{"SKU-1": "1"})

    po = order(OrderKind.PURCHASE, {"SKU-1": "10"})
    receive(po, "GR-1", **{"SKU-1": "8"})
    with pytest.raises(OverReceipt, match=r"at most 10\.5"):
        receive(po, "GR-2", **{"SKU-1": "3"})  # 8 pending + 3 > 10.5
    with pytest.raises(NotOnOrder):
        receive(po, "GR-3", **{"SKU-2": "1"})
    with pytest.raises(DuplicateDocument):
        po.claim_receipt(
            receipt_id="GR-1",
            message_id="other",
            location=HERE,
            lines=stock(**{"SKU-1": "1"}),
            by="clerk",
            tolerance_percent=D(5),
        )


def test_completing_a_receipt_counts_it_and_announces_it() -> None:
    po = order(OrderKind.PURCHASE, {"SKU-1": "10", "SKU-2": "2"})
    receive(po, "GR-1", **{"SKU-1": "10", "SKU-2": "2"})

    po.complete("GR-1")
    po.complete("GR-1")  # a repeat changes nothing

    [event] = po.collect_events()
    assert isinstance(event, GoodsReceived)
    assert event.fully_received
    assert [line.fulfilled for line in po.lines] == [D(10), D(2)]
    assert po.claims == []


def test_issues_never_exceed_the_order_and_leave_a_backorder() -> None:
    so = order(OrderKind.SALES, {"SKU-1": "5"})
    so.claim_issue(
        issue_id="GI-1", message_id="m1", location=HERE, lines=stock(**{"SKU-1": "3"}), by="clerk"
    )
    with pytest.raises(OverIssue, match="3 being issued"):
        so.claim_issue(
            issue_id="GI-2",
            message_id="m2",
            location=HERE,
            lines=stock(**{"SKU-1": "3"}),
            by="clerk",
        )
    with pytest.raises(WrongLocation):
        so.claim_issue(
            issue_id="GI-3",
            message_id="m3",
            location=THERE,
            lines=stock(**{"SKU-1": "1"}),
            by="clerk",
        )

    so.complete("GI-1")

    [event] = so.collect_events()
    assert isinstance(event, GoodsIssued)
    assert event.backorder == stock(**{"SKU-1": "2"})
    assert not event.completed


def test_a_sales_order_plans_its_reservation_and_records_it_against_that_plan() -> None:
    so = order(OrderKind.SALES, {"SKU-1": "5"}, approve=False)
    plan = so.reservation_plan()
    assert plan is not None
    assert plan.needs == {"SKU-1": D(5)}

    so.record_reservation(plan, {"SKU-1": D(2)})

    [event] = so.collect_events()
    assert isinstance(event, StockReserved)
    assert event.stock_status == "short"
    assert so.dirty_since is None


def test_a_plan_overtaken_by_a_rejection_is_not_recorded() -> None:
    so = order(OrderKind.SALES, {"SKU-1": "5"}, approve=False)
    plan = so.reservation_plan()
    assert plan is not None

    so.rejected(attempt=1)

    with pytest.raises(ReservationChanged):
        so.record_reservation(plan, {"SKU-1": D(5)})
    assert so.reservation_plan() is None
    assert so.reservation_targets() == {"SKU-1|L-1": D(0)}
    [released] = so.collect_events()
    assert isinstance(released, ReservationReleased)


def test_out_of_order_events_keep_the_latest_state() -> None:
    so = order(OrderKind.SALES, {"SKU-1": "5"})  # approved
    so.submitted(
        attempt=1,
        branch_id="BR-1",
        lines=lines(**{"SKU-1": "5"}),
        sales_location="L-1",
        expires_at=utcnow(),
    )
    so.rejected(attempt=1)
    assert so.state == "approved"
    so.cancelled()
    so.approved(attempt=2, branch_id="BR-1", lines=lines(**{"SKU-1": "5"}), sales_location="L-1")
    assert so.state == "cancelled"


def test_only_a_soft_reservation_expires() -> None:
    soft = order(OrderKind.SALES, {"SKU-1": "1"}, approve=False)
    firm = order(OrderKind.SALES, {"SKU-1": "1"})
    later = utcnow() + timedelta(days=3)

    soft.expire_reservation(now=later)
    firm.expire_reservation(now=later)

    assert soft.reservation is not None
    assert soft.reservation.state == "expired"
    assert firm.reservation is not None
    assert firm.reservation.state == "firm"


def test_an_order_closed_short_lets_its_reservation_go_and_takes_no_more_goods() -> None:
    so = order(OrderKind.SALES, {"SKU-1": "5"})
    assert so.reservation_plan() is not None

    so.closed()

    [released] = so.collect_events()
    assert isinstance(released, ReservationReleased)
    assert released.reason == "closed_short"
    assert so.reservation_plan() is None
    assert so.reservation_targets() == {"SKU-1|L-1": D(0)}
    with pytest.raises(OrderClosed, match="closed short: nothing more can be issued"):
        so.claim_issue(
            issue_id="GI-1", message_id="m", location=HERE, lines=stock(**{"SKU-1": "1"}), by="c"
        )
    po = order(OrderKind.PURCHASE, {"SKU-1": "5"})
    po.closed()
    assert po.collect_events() == []  # a purchase order holds no stock
    with pytest.raises(OrderClosed, match="received"):
        receive(po, "GR-1", **{"SKU-1": "1"})


def test_a_closed_order_stays_closed() -> None:
    so = order(OrderKind.SALES, {"SKU-1": "5"})
    so.closed()
    so.collect_events()
    so.closed()
    so.cancelled()
    so.approved(attempt=2, branch_id="BR-1", lines=lines(**{"SKU-1": "5"}), sales_location="L-1")
    assert so.collect_events() == []
    assert so.state == "closed"
    cancelled = order(OrderKind.SALES, {"SKU-1": "5"})
    cancelled.cancelled()
    cancelled.collect_events()
    cancelled.closed()
    assert cancelled.collect_events() == []
    assert cancelled.state == "cancelled"

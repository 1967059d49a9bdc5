"""Returns of a sales order in inventory's record of it: never more than issued less earlier
returns, at the cost the goods left at, received once, into stock or quarantine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.inventory.domain import Location, TrackedOrder
from services.inventory.domain.costing import MovedCost
from services.inventory.domain.errors import (
    DuplicateDocument,
    NotOnOrder,
    OrderNotIssued,
    ReturnAlreadyReceived,
    ReturnExceedsIssued,
    UnknownReturn,
    WrongLocation,
    WrongOrderKind,
)
from services.inventory.domain.returns import ReturnState
from shared.contracts import (
    GoodsIssued,
    LineCost,
    OrderKind,
    OrderLine,
    ReturnAuthorized,
    ReturnDestination,
    ReturnedLine,
    ReturnReason,
    ReturnReceived,
    StockLine,
    utcnow,
)

D = Decimal
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
HERE = Location(id="L-1", branch_id="BR-1", warehouse="Main")
THERE = Location(id="L-9", branch_id="BR-9", warehouse="Far")


def order(kind: OrderKind = OrderKind.SALES, **ordered: str) -> TrackedOrder:
    tracked = TrackedOrder.new(order_id="SO-1", kind=kind, party_id="C-1")
    lines = [OrderLine(sku=s, quantity=D(q), unit_price=D(20)) for s, q in ordered.items()]
    tracked.submitted(
        attempt=1,
        branch_id="BR-1",
        lines=lines,
        sales_location="L-1",
        expires_at=utcnow() + timedelta(hours=1),
        currency="USD",
    )
    tracked.approved(attempt=1, branch_id="BR-1", lines=lines, sales_location=None)
    tracked.collect_events()
    return tracked


def issue(so: TrackedOrder, doc: str, **costs: tuple[str, str | None]) -> GoodsIssued:
    """Issue ``sku=(quantity, unit cost)`` and complete it with those costs."""
    so.claim_issue(
        issue_id=doc,
        message_id=f"m-{doc}",
        location=HERE,
        lines=[StockLine(sku=s, quantity=D(q)) for s, (q, _) in costs.items()],
        by="clerk",
    )
    moved = {
        sku: MovedCost(
            key=doc,
            quantity=D(q),
            unit_cost=D(u) if u else None,
            cost=(D(q) * D(u)).quantize(D("0.01")) if u else None,
            currency="USD" if u else None,
        )
        for sku, (q, u) in costs.items()
    }
    so.complete(doc, moved)
    [issued] = [e for e in so.collect_events() if isinstance(e, GoodsIssued)]
    return issued


def authorize(
    so: TrackedOrder, rma: str, reason: ReturnReason = ReturnReason.UNWANTED, **qty: str
) -> None:
    so.authorize_return(
        return_id=rma,
        message_id=f"m-{rma}",
        lines=[StockLine(sku=s, quantity=D(q)) for s, q in qty.items()],
        reason=reason,
        notes="box opened",
        by="agent",
    )


def receive(so: TrackedOrder, rma: str, location: Location = HERE) -> ReturnReceived:
    so.claim_return(return_id=rma, location=location, message_id=f"r-{rma}", by="clerk")
    so.complete_return(rma)
    [received] = [e for e in so.collect_events() if isinstance(e, ReturnReceived)]
    return received


def test_an_issue_carries_its_cost_and_the_order_keeps_it() -> None:
    so = order(A="5", B="1")
    issued = issue(so, "GI-1", A=("3", "12.75"), B=("1", None))

    assert issued.costs == [LineCost(sku="A", quantity=D(3), unit_cost=D("12.75"), cost=D("38.25"))]
    assert issued.cost_currency == so.cost_currency == "USD"
    line = so.line("A")
    assert line is not None
    assert (line.issued_value, line.issued_costed) == (D("38.25"), D(3))
    assert so.deliveries[0].costs == issued.costs


def test_a_return_comes_back_at_its_issue_cost() -> None:
    so = order(A="5")
    issue(so, "GI-1", A=("3", "12.75"))
    so.updated_at = EPOCH
    authorize(so, "RMA-1", A="2")
    [authorized] = [e for e in so.collect_events() if isinstance(e, ReturnAuthorized)]
    assert authorized.lines == [StockLine(sku="A", quantity=D(2))]
    assert (authorized.notes, authorized.branch_id, authorized.authorized_by) == (
        "box opened",
        "BR-1",
        "agent",
    )
    assert so.authorized_return("RMA-1").notes == "box opened"
    assert so.updated_at > EPOCH
    so.updated_at = EPOCH
    so.claim_return(return_id="RMA-1", location=HERE, message_id="r-RMA-1", by="clerk")
    assert so.updated_at > EPOCH
    so.updated_at = EPOCH
    so.complete_return("RMA-1")
    assert so.updated_at > EPOCH
    [received] = [e for e in so.collect_events() if isinstance(e, ReturnReceived)]

    assert received.lines == [
        ReturnedLine(sku="A", quantity=D(2), unit_cost=D("12.75"), cost=D("25.50"))
    ]
    assert (received.branch_id, received.location_id, received.received_by) == (
        "BR-1",
        "L-1",
        "clerk",
    )
    assert (received.currency, received.destination) == ("USD", ReturnDestination.STOCK)
    assert so.authorized_return("RMA-1").state is ReturnState.RECEIVED


def test_two_issues_at_different_costs_return_at_their_average() -> None:
    so = order(A="5")
    issue(so, "GI-1", A=("1", "12.00"))
    issue(so, "GI-2", A=("2", "13.50"))  # (12 + 27) / 3 = 13.00
    authorize(so, "RMA-1", A="3")
    assert receive(so, "RMA-1").lines[0] == ReturnedLine(
        sku="A", quantity=D(3), unit_cost=D("13.000000"), cost=D("39.00")
    )


def test_never_more_than_issued_less_earlier_returns_and_a_refusal_changes_nothing() -> None:
    so = order(A="5", B="2")
    issue(so, "GI-1", A=("3", "12.00"), B=("2", "1.00"))
    authorize(so, "RMA-1", A="2")
    before = so.model_dump()

    with pytest.raises(ReturnExceedsIssued) as refused:
        authorize(so, "RMA-2", A="2", B="1")

    assert "A" in refused.value.detail
    assert "3 issued" in refused.value.detail
    assert "1 returnable" in refused.value.detail
    assert so.model_dump() == before
    authorize(so, "RMA-2", A="1", B="2")  # exactly what is left
    with pytest.raises(ReturnExceedsIssued):
        authorize(so, "RMA-3", A="0.000001")


def test_returns_only_of_goods_a_sales_order_issued() -> None:
    with pytest.raises(OrderNotIssued, match="Sales order SO-1 issued no goods"):
        authorize(order(A="5"), "RMA-1", A="1")
    with pytest.raises(WrongOrderKind, match="only a sales order can"):
        authorize(order(OrderKind.PURCHASE, A="5"), "RMA-1", A="1")
    so = order(A="5")
    issue(so, "GI-1", A=("1", "1.00"))
    with pytest.raises(NotOnOrder, match="Z is not on Sales order SO-1"):
        authorize(so, "RMA-1", Z="1")
    authorize(so, "RMA-1", A="1")
    with pytest.raises(DuplicateDocument, match=r"RMA-1 of Sales order SO-1 .*\(authorized\)"):
        authorize(so, "RMA-1", A="1")


def test_damaged_goods_go_to_quarantine_and_a_return_is_received_once() -> None:
    so = order(A="5")
    issue(so, "GI-1", A=("2", "7.00"))
    authorize(so, "RMA-1", ReturnReason.DAMAGED, A="2")

    with pytest.raises(WrongLocation):
        so.claim_return(return_id="RMA-1", location=THERE, message_id="r", by="clerk")
    received = receive(so, "RMA-1")

    assert received.destination is ReturnDestination.QUARANTINE
    assert received.reason is ReturnReason.DAMAGED
    with pytest.raises(ReturnAlreadyReceived, match="received already at L-1"):
        so.claim_return(return_id="RMA-1", location=HERE, message_id="again", by="clerk")
    with pytest.raises(UnknownReturn, match="No return RMA-9 was authorized for Sales order"):
        so.claim_return(return_id="RMA-9", location=HERE, message_id="r9", by="clerk")
    so.complete_return("RMA-1")  # a completion repeated announces nothing
    assert so.collect_events() == []


def test_goods_issued_without_a_cost_come_back_without_one() -> None:
    so = order(A="5")
    issue(so, "GI-1", A=("2", None))
    authorize(so, "RMA-1", A="1")
    received = receive(so, "RMA-1")
    assert received.lines == [ReturnedLine(sku="A", quantity=D(1), unit_cost=D(0), cost=D(0))]
    assert received.currency is None


def test_an_item_that_left_without_a_cost_comes_back_without_one_beside_costed_ones() -> None:
    so = order(A="5", B="5")
    issue(so, "GI-1", A=("2", "3.00"), B=("2", None))
    authorize(so, "RMA-1", B="1")
    only_b = receive(so, "RMA-1")
    assert only_b.lines == [ReturnedLine(sku="B", quantity=D(1), unit_cost=D(0), cost=D(0))]
    assert only_b.currency is None
    authorize(so, "RMA-2", A="1", B="1")
    both = receive(so, "RMA-2")
    assert [line.cost for line in both.lines] == [D("3.00"), D(0)]
    assert both.currency == "USD"


def test_a_return_costs_to_the_currencys_minor_unit() -> None:
    so = order(A="5")
    so.claim_issue(
        issue_id="GI-1",
        message_id="m-GI-1",
        location=HERE,
        lines=[StockLine(sku="A", quantity=D(3))],
        by="clerk",
    )
    yen = MovedCost(key="k", quantity=D(3), unit_cost=D("33.333333"), cost=D(100), currency="JPY")
    so.complete("GI-1", {"A": yen})
    authorize(so, "RMA-1", A="3")
    assert str(receive(so, "RMA-1").lines[0].cost) == "100"

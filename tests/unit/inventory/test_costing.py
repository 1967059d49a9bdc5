"""Stock at cost: the moving average to the digit, what each movement carries, the currency
rule, and quarantined goods kept apart."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.inventory.domain import Stock
from services.inventory.domain.costing import (
    RECENT_COSTS,
    MovedCost,
    cost_of,
    line_costs,
    moving_average,
    net_unit_costs,
)
from services.inventory.domain.errors import InsufficientStock
from services.inventory.domain.stock import cost_key
from shared.contracts import (
    LineCost,
    MovementKind,
    OpeningBalanceSet,
    OrderLine,
    PricedDocument,
    PricedLine,
    StockAdjusted,
    StockMoved,
)

D = Decimal


def empty() -> Stock:
    return Stock.empty(sku="SKU-1", location_id="L-1", branch_id="BR-1")


def receive(stock: Stock, receipt: str, quantity: str, price: str, currency: str = "USD") -> None:
    stock.receive(
        order_id=f"PO-{receipt}",
        receipt_id=receipt,
        quantity=D(quantity),
        unit_cost=D(price),
        currency=currency,
    )


def moves(stock: Stock) -> list[StockMoved]:
    return [e for e in stock.collect_events() if isinstance(e, StockMoved)]


def test_moving_average_after_receipts_at_12_and_13_50_then_an_issue_carries_its_cost() -> None:
    stock = empty()
    receive(stock, "GR-1", "10", "12.00")
    receive(stock, "GR-2", "10", "13.50")

    assert stock.unit_cost == D("12.750000")  # (10 x 12.00 + 10 x 13.50) / 20
    assert stock.value_of(stock.on_hand) == D("255.00")

    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(4))

    issued = stock.cost_moved(cost_key(MovementKind.ISSUE, "SO-1", "GI-1"))
    assert issued == MovedCost(
        key="issue:SO-1:GI-1",
        quantity=D(4),
        unit_cost=D("12.750000"),
        cost=D("51.00"),
        currency="USD",
    )
    assert stock.unit_cost == D("12.750000")  # an issue leaves the average alone
    entries = moves(stock)
    assert [(e.kind, e.unit_cost, e.cost, e.average_cost) for e in entries] == [
        (MovementKind.RECEIPT, D("12.000000"), D("120.00"), D("12.000000")),
        (MovementKind.RECEIPT, D("13.500000"), D("135.00"), D("12.750000")),
        (MovementKind.ISSUE, D("12.750000"), D("51.00"), D("12.750000")),
    ]
    assert {e.cost_currency for e in entries} == {"USD"}


def test_the_average_is_kept_to_six_decimals_and_each_cost_to_the_minor_unit() -> None:
    stock = empty()
    receive(stock, "GR-1", "3", "10.00")
    receive(stock, "GR-2", "4", "12.00")

    assert stock.unit_cost == D("11.142857")  # 78 / 7 = 11.142857142...
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(1))
    assert stock.cost_moved("issue:SO-1:GI-1").cost == D("11.14")  # type: ignore[union-attr]
    assert moving_average(D(0), D(0), D(2), D("9.1234567")) == D("9.123457")
    assert cost_of(D(3), D("33.333333"), "JPY") == D("100")
    assert cost_of(D(1), D("0.0005"), "KWD") == D("0.000")  # half to even
    assert cost_of(D(-2), D("1.255"), "USD") == D("2.51")  # positive either way


def test_stock_without_a_cost_takes_the_first_cost_it_meets() -> None:
    stock = empty()
    stock.set_opening(quantity=D(5), reason="count", by="clerk")
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(1))
    assert stock.cost_moved("issue:SO-1:GI-1") == MovedCost(key="issue:SO-1:GI-1", quantity=D(1))

    receive(stock, "GR-1", "6", "2.50")

    assert (stock.unit_cost, stock.cost_currency) == (D("2.500000"), "USD")
    assert stock.value_of(stock.on_hand) == D("25.00")


def test_an_opening_balance_with_a_cost_then_adjustments_at_the_average() -> None:
    stock = empty()
    stock.set_opening(
        quantity=D(8), reason="count", by="clerk", unit_cost=D("4.125"), currency="EUR"
    )
    [opened] = [e for e in stock.collect_events() if isinstance(e, OpeningBalanceSet)]
    assert (opened.unit_cost, opened.cost_currency) == (D("4.125000"), "EUR")

    stock.adjust(adjustment_id="A-1", quantity=D(2), reason="found", by="clerk")
    stock.adjust(adjustment_id="A-2", quantity=D(-3), reason="broken", by="clerk")

    adjusted = [e for e in stock.collect_events() if isinstance(e, StockAdjusted)]
    assert [(a.costs, a.cost_currency) for a in adjusted] == [
        ([LineCost(sku="SKU-1", quantity=D(2), unit_cost=D("4.125"), cost=D("8.25"))], "EUR"),
        ([LineCost(sku="SKU-1", quantity=D(3), unit_cost=D("4.125"), cost=D("12.38"))], "EUR"),
    ]
    assert stock.unit_cost == D("4.125000")  # neither moved the average


def test_an_adjustment_of_stock_without_a_cost_carries_none() -> None:
    stock = empty()
    stock.adjust(adjustment_id="A-1", quantity=D(2), reason="found", by="clerk")
    [adjusted] = [e for e in stock.collect_events() if isinstance(e, StockAdjusted)]
    assert (adjusted.costs, adjusted.cost_currency) == ([], None)


def test_a_receipt_in_another_currency_is_received_its_cost_left_out_and_flagged() -> None:
    stock = empty()
    receive(stock, "GR-1", "10", "12.00", "USD")
    moves(stock)

    receive(stock, "GR-2", "10", "11.00", "EUR")

    assert stock.on_hand == D(20)
    assert (stock.unit_cost, stock.cost_currency) == (D("12.000000"), "USD")
    [entry] = moves(stock)
    assert entry.reason == (
        "cost in EUR left out: the item is costed in USD here; entered at the average cost"
    )
    # It entered at the average (the stock's value says so); the receipt leaves it out.
    moved = stock.cost_moved("receipt:PO-GR-2:GR-2")
    assert moved == MovedCost(
        key="receipt:PO-GR-2:GR-2",
        quantity=D(10),
        unit_cost=D("12.000000"),
        cost=D("120.00"),
        currency="USD",
        left_out=True,
    )
    assert moved.line("SKU-1") is None
    assert entry.cost == D("120.00")


def test_returned_goods_into_stock_come_back_at_their_issue_cost() -> None:
    stock = empty()
    receive(stock, "GR-1", "10", "12.00")
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(4))
    receive(stock, "GR-2", "4", "15.00")  # (6 x 12 + 4 x 15) / 10 = 13.20
    moves(stock)

    stock.receive_return(
        order_id="SO-1",
        return_id="RMA-1",
        quantity=D(2),
        unit_cost=D("12.00"),
        currency="USD",
        quarantine=False,
    )

    assert stock.unit_cost == D("13.000000")  # (10 x 13.20 + 2 x 12.00) / 12
    assert (stock.on_hand, stock.returned, stock.quarantined) == (D(12), D(2), D(0))
    [entry] = moves(stock)
    assert (entry.kind, entry.on_hand_change, entry.cost) == (MovementKind.RETURN, D(2), D("24.00"))
    assert stock.on_hand == stock.opening + stock.received - stock.issued + stock.adjusted + (
        stock.returned
    )


def test_quarantined_goods_are_kept_apart_never_available_nor_issued() -> None:
    stock = empty()
    receive(stock, "GR-1", "3", "12.00")
    moves(stock)

    stock.receive_return(
        order_id="SO-1",
        return_id="RMA-1",
        quantity=D(2),
        unit_cost=D("11.50"),
        currency="USD",
        quarantine=True,
    )

    assert (stock.on_hand, stock.available, stock.quarantined) == (D(3), D(3), D(2))
    assert (stock.quarantined_value, stock.unit_cost) == (D("23.00"), D("12.000000"))
    [entry] = moves(stock)
    assert (entry.kind, entry.on_hand_change, entry.quarantined_change) == (
        MovementKind.QUARANTINE,
        D(0),
        D(2),
    )
    assert entry.quarantined_after == D(2)
    with pytest.raises(InsufficientStock):
        stock.issue(order_id="SO-2", issue_id="GI-2", quantity=D(4))
    stock.reserve_toward(order_id="SO-2", target=D(5), may_increase=True)
    assert stock.reserved == D(3)


def test_an_issue_put_back_returns_at_the_cost_it_left_at() -> None:
    stock = empty()
    receive(stock, "GR-1", "10", "12.00")
    stock.issue(order_id="SO-1", issue_id="GI-1", quantity=D(5))
    receive(stock, "GR-2", "5", "18.00")  # (5 x 12 + 5 x 18) / 10 = 15

    stock.reverse_issue(order_id="SO-1", issue_id="GI-1", quantity=D(5), hold_up_to=D(0))

    assert stock.unit_cost == D("14.000000")  # (10 x 15 + 5 x 12) / 15
    reversed_ = stock.cost_moved("issue_reversal:SO-1:GI-1")
    assert reversed_ is not None
    assert reversed_.cost == D("60.00")


def test_a_record_remembers_the_costs_of_its_latest_movements_only() -> None:
    stock = empty()
    for n in range(RECENT_COSTS + 1):
        receive(stock, f"GR-{n}", "1", "1")
    assert stock.cost_moved("receipt:PO-GR-0:GR-0") is None
    assert stock.cost_moved(f"receipt:PO-GR-{RECENT_COSTS}:GR-{RECENT_COSTS}") is not None
    assert len(stock.moved_costs) == RECENT_COSTS


def test_line_costs_keep_one_currency_and_name_what_they_leave_out() -> None:
    usd = MovedCost(key="a", quantity=D(1), unit_cost=D(2), cost=D("2.00"), currency="USD")
    eur = MovedCost(key="b", quantity=D(1), unit_cost=D(3), cost=D("3.00"), currency="EUR")
    none = MovedCost(key="c", quantity=D(1))

    costs, currency, left_out = line_costs({"A": usd, "B": eur, "C": none, "D": None})

    assert currency == "USD"
    assert costs == [LineCost(sku="A", quantity=D(1), unit_cost=D(2), cost=D("2.00"))]
    assert left_out == ["B", "C", "D"]
    assert line_costs({"B": eur}, currency="USD") == ([], None, ["B"])
    assert line_costs({"B": eur, "A": usd}, currency="USD")[1] == "USD"
    left = usd.model_copy(update={"left_out": True})
    assert line_costs({"A": left, "B": eur})[1:] == ("EUR", ["A"])
    assert not left.costed
    assert usd.costed


def _priced(sku: str, quantity: str, net: str) -> PricedLine:
    return PricedLine(
        sku=sku,
        quantity=D(quantity),
        unit_price=D(0),
        amount=D(0),
        line_discount=D(0),
        document_discount=D(0),
        net=D(net),
        tax=D(0),
        total=D(net),
    )


def test_a_purchase_orders_unit_cost_is_its_net_after_discounts_per_unit() -> None:
    lines = [
        OrderLine(sku="A", quantity=D(3), unit_price=D("10.00")),
        OrderLine(sku="B", quantity=D(1), unit_price=D("5.00")),
        OrderLine(sku="A", quantity=D(1), unit_price=D("10.00")),
    ]
    pricing = PricedDocument(
        currency="USD",
        lines=[_priced("A", "3", "27.00"), _priced("B", "1", "4.50"), _priced("A", "1", "9.00")],
        subtotal=D("45.00"),
        line_discount_total=D(0),
        document_discount=D("4.50"),
        discount_total=D("4.50"),
        net_total=D("40.50"),
        tax_total=D(0),
        grand_total=D("40.50"),
    )

    assert net_unit_costs(lines, pricing) == {"A": D("9.000000"), "B": D("4.500000")}
    assert net_unit_costs(lines, None) == {"A": D("10.000000"), "B": D("5.000000")}
    thirds = [OrderLine(sku="A", quantity=D(3), unit_price=D("10.00"))]
    third_priced = pricing.model_copy(update={"lines": [_priced("A", "3", "10.00")]})
    assert net_unit_costs(thirds, third_priced) == {"A": D("3.333333")}


def test_a_receipt_is_claimed_at_the_orders_net_unit_price_and_announced_with_its_cost() -> None:
    from datetime import timedelta

    from services.inventory.domain import Location, TrackedOrder
    from shared.contracts import GoodsReceived, OrderKind, StockLine, utcnow

    po = TrackedOrder.new(order_id="PO-1", kind=OrderKind.PURCHASE, party_id="V-1")
    lines = [OrderLine(sku="A", quantity=D(10), unit_price=D("13.50"))]
    po.submitted(
        attempt=1,
        branch_id="BR-1",
        lines=lines,
        sales_location=None,
        expires_at=utcnow() + timedelta(hours=1),
        currency="USD",
        unit_costs={"A": D("12.00")},
    )
    po.approved(attempt=1, branch_id="BR-1", lines=lines, sales_location=None)
    po.claim_receipt(
        receipt_id="GR-1",
        message_id="m-1",
        location=Location(id="L-1", branch_id="BR-1", warehouse="Main"),
        lines=[StockLine(sku="A", quantity=D(4))],
        by="clerk",
        tolerance_percent=D(5),
    )
    claim = po.claim_for("GR-1")
    assert claim is not None
    assert (claim.unit_costs, claim.currency) == ({"A": D("12.00")}, "USD")
    stock = empty()
    stock.receive(
        order_id="PO-1", receipt_id="GR-1", quantity=D(4), unit_cost=D("12.00"), currency="USD"
    )
    po.complete("GR-1", {"A": stock.cost_moved("receipt:PO-1:GR-1")})
    [received] = [e for e in po.collect_events() if isinstance(e, GoodsReceived)]
    assert received.costs == [LineCost(sku="A", quantity=D(4), unit_cost=D(12), cost=D("48.00"))]
    assert (received.cost_currency, received.uncosted) == ("USD", [])


def quarantine(
    stock: Stock, rma: str, quantity: str, cost: str | None, currency: str | None
) -> None:
    stock.receive_return(
        order_id="SO-1",
        return_id=rma,
        quantity=D(quantity),
        unit_cost=D(cost) if cost is not None else None,
        currency=currency,
        quarantine=True,
    )


def test_quarantined_value_adds_up_in_the_items_currency_only() -> None:
    stock = empty()
    quarantine(stock, "RMA-1", "2", "3.50", "EUR")  # no cost yet: the currency is taken
    assert (stock.cost_currency, stock.unit_cost, stock.quarantined_value) == ("EUR", None, D("7"))
    assert stock.value_of(D(1)) is None  # nothing sellable has a cost yet

    quarantine(stock, "RMA-2", "1", "4.00", "EUR")
    quarantine(stock, "RMA-3", "1", "9.00", "USD")  # another currency: no value
    quarantine(stock, "RMA-4", "1", "9.00", None)
    quarantine(stock, "RMA-5", "1", None, "EUR")

    assert (stock.quarantined, stock.quarantined_value) == (D(6), D("11.00"))
    assert stock.cost_moved("quarantine:SO-1:RMA-3") == MovedCost(
        key="quarantine:SO-1:RMA-3", quantity=D(1)
    )
    assert stock.cost_currency == "EUR"
    receive(stock, "GR-1", "2", "5.00", "EUR")
    assert stock.unit_cost == D("5.000000")


def test_the_value_on_hand_is_rounded_to_the_items_currency() -> None:
    stock = empty()
    receive(stock, "GR-1", "3", "33.333333", "JPY")
    assert str(stock.value_of(stock.on_hand)) == "100"  # whole yen
    assert str(stock.value_of(D(1))) == "33"
    moved = stock.cost_moved("receipt:PO-GR-1:GR-1")
    assert moved is not None
    assert str(moved.cost) == "100"


def test_a_price_without_a_currency_is_no_cost() -> None:
    stock = empty()
    receive(stock, "GR-1", "10", "12.00")
    stock.receive(order_id="PO-2", receipt_id="GR-2", quantity=D(10), unit_cost=D(20))
    assert (stock.unit_cost, stock.cost_currency) == (D("12.000000"), "USD")
    moved = stock.cost_moved("receipt:PO-2:GR-2")
    assert moved is not None
    assert (moved.unit_cost, moved.cost, moved.left_out) == (D("12.000000"), D("120.00"), False)


def test_stock_with_a_currency_but_no_average_yet_moves_without_cost() -> None:
    stock = empty()
    quarantine(stock, "RMA-1", "1", "3.00", "EUR")
    stock.adjust(adjustment_id="A-1", quantity=D(1), reason="found", by="clerk")
    [adjusted] = [e for e in stock.collect_events() if isinstance(e, StockAdjusted)]
    assert (adjusted.costs, adjusted.cost_currency) == ([], None)

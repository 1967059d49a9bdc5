"""The reservation preview (what a sales order would hold before it is submitted): quantities
of an item added over the lines, held up to what is available at the sales location, what the
order holds already counting as its own, nothing held where the branch has no location or the
item never moved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.inventory.domain.preview import needs, preview_reservation
from services.inventory.domain.stock import Stock
from services.inventory.domain.stock_record import Held

pytestmark = pytest.mark.unit
D = Decimal


def record(sku: str, on_hand: str, **held: str) -> Stock:
    holds = [Held(order_id=order, quantity=D(q)) for order, q in held.items()]
    return Stock(
        id=f"{sku}|L",
        sku=sku,
        location_id="L",
        branch_id="BR",
        on_hand=D(on_hand),
        held=holds,
        reserved=sum((h.quantity for h in holds), D(0)),
        quarantined=D(5),
    )


def test_lines_of_one_item_add_up_in_the_order_they_first_appear() -> None:
    assert needs([("B", D(1)), ("A", D(2)), ("B", D("0.5"))]) == {"B": D("1.5"), "A": D(2)}
    assert list(needs([("B", D(1)), ("A", D(2))])) == ["B", "A"]


def test_each_item_is_held_up_to_what_others_leave_available() -> None:
    stock = {"A": record("A", "10", other="7"), "B": record("B", "4")}
    wanted = {"A": D(3), "B": D(5), "C": D(1)}
    lines = preview_reservation(wanted, stock, location_id="L")
    facts = [(x.sku, x.requested, x.available, x.would_reserve, x.short) for x in lines]
    # quarantined goods (5 of each) are not on hand: never available.
    assert facts == [
        ("A", D(3), D(3), D(3), D(0)),
        ("B", D(5), D(4), D(4), D(1)),
        ("C", D(1), D(0), D(0), D(1)),
    ]
    assert {line.location_id for line in lines} == {"L"}


def test_what_the_order_holds_already_is_its_own() -> None:
    stock = {"A": record("A", "10", mine="4", other="6")}
    [line] = preview_reservation({"A": D(5)}, stock, location_id="L", order_id="mine")
    assert (line.available, line.would_reserve, line.short) == (D(4), D(4), D(1))
    [other] = preview_reservation({"A": D(5)}, stock, location_id="L", order_id="new")
    assert (other.available, other.would_reserve, other.short) == (D(0), D(0), D(5))


def test_a_branch_without_a_location_holds_nothing() -> None:
    [line] = preview_reservation({"A": D(2)}, {"A": record("A", "10")}, location_id=None)
    assert (line.available, line.would_reserve, line.short, line.location_id) == (
        D(0),
        D(0),
        D(2),
        None,
    )

"""Every quantity is one its item can be counted in: finer ones are refused, line by line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.order.stock.domain.quantities import (
    Counted,
    Counting,
    InvalidQuantity,
    check_quantities,
    numbered,
)
from shared.contracts import OrderLineInput

D = Decimal
COUNTED = {"ROPE": Counted(1, "m"), "CHAIR": Counted(0, "each"), "SALT": Counted(3, "kg")}


def test_a_quarter_of_an_item_counted_in_tenths_is_refused_naming_the_line() -> None:
    lines = [
        OrderLineInput(sku="ROPE", quantity=D("2.5")),
        OrderLineInput(sku="ROPE", quantity=D("0.25")),
    ]
    with pytest.raises(InvalidQuantity) as refused:
        check_quantities(numbered(lines), COUNTED)
    assert refused.value.reason == "invalid_quantity"
    assert str(refused.value) == (
        "line 2: 0.25 m of ROPE is finer than ROPE is counted in (1 decimal place)."
    )


def test_each_wrong_line_is_named_and_whole_units_say_so() -> None:
    quantities = [
        Counting("line 1", "CHAIR", D("1.5")),
        Counting("line 2", "SALT", D("0.0005")),
        Counting("scrap", "CHAIR", D(0)),
    ]
    with pytest.raises(InvalidQuantity) as refused:
        check_quantities(quantities, COUNTED)
    assert str(refused.value) == (
        "line 1: 1.5 each of CHAIR is finer than CHAIR is counted in (whole units); "
        "line 2: 0.0005 kg of SALT is finer than SALT is counted in (3 decimal places)."
    )


def test_quantities_as_fine_as_the_item_and_unknown_items_pass() -> None:
    check_quantities(
        [
            Counting("line 1", "ROPE", D("0.3")),
            Counting("line 2", "ROPE", D("7.000")),  # trailing zeros are not finer
            Counting("line 3", "SALT", D("1.125")),
            Counting("line 4", "NEVER-DEFINED", D("0.123456")),
        ],
        COUNTED,
    )

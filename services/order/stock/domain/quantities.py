"""How finely an item is counted: a quantity finer than its decimal places is refused.

Inventory defines items with ``decimal_places`` (0: whole units) and publishes them
(``inventory.item_defined``); the order service keeps that and checks every quantity it takes
(order, quotation and RFQ lines, carts at checkout, work orders and their completions), so that
0.25 of an item counted in tenths is refused where it is typed, not when the goods move. An
item inventory has not defined is not checked here (inventory refuses it when stock moves).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from shared.domain import DomainError


class InvalidQuantity(DomainError):
    """A quantity finer than its item is counted in (the item's ``decimal_places``): 0.25 of
    an item counted in tenths, half of a chair."""

    reason = "invalid_quantity"


@dataclass(frozen=True)
class Counted:
    """How an item is counted (inventory's definition), and what else orders take from its
    product record: whether it is discontinued, and its default tax codes."""

    decimal_places: int
    unit_of_measure: str
    discontinued: bool = False
    tax_codes: tuple[str, ...] = ()

    def allows(self, quantity: Decimal) -> bool:
        return quantity == quantity.quantize(Decimal(1).scaleb(-self.decimal_places))

    @property
    def unit(self) -> str:
        if self.decimal_places == 0:
            return "whole units"
        return f"{self.decimal_places} decimal place{'s' if self.decimal_places > 1 else ''}"


@dataclass(frozen=True)
class Counting:
    """One quantity to check: where it is (``line 2``, ``scrap``), its item and how many."""

    where: str
    sku: str
    quantity: Decimal


def check_quantities(quantities: Iterable[Counting], counted: Mapping[str, Counted]) -> None:
    """Refuse, naming each line, every quantity finer than its item is counted in."""
    problems = []
    for q in quantities:
        item = counted.get(q.sku)
        if item is not None and not item.allows(q.quantity):
            problems.append(
                f"{q.where}: {q.quantity} {item.unit_of_measure} of {q.sku} is finer than "
                f"{q.sku} is counted in ({item.unit})"
            )
    if problems:
        raise InvalidQuantity("; ".join(problems) + ".")


class Line(Protocol):
    """A line of any document: an item and how many."""

    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...


def numbered(lines: Iterable[Line], *, label: str = "line") -> list[Counting]:
    """``line 1``, ``line 2``... of a document's lines."""
    return [
        Counting(f"{label} {n}", line.sku, line.quantity) for n, line in enumerate(lines, start=1)
    ]

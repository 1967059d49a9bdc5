"""Stock at cost: moving average cost per item and location, and what each movement moved.

The rules (pure, ``Decimal`` throughout):

- Goods coming in at a known unit cost (a purchase receipt at the order's net unit price, an
  opening balance with a cost, a return at the cost it left at) move the average:
  ``new = (on_hand x average + quantity x unit_cost) / (on_hand + quantity)``, kept to 6
  decimals (half to even). Stock with no cost yet takes the first cost it meets.
- Goods going out (an issue, components to a work order, a negative adjustment) leave at the
  current average; goods coming in without a cost (a positive adjustment, finished units of a
  work order) enter at it. Neither moves the average.
- Each movement's ``cost`` is quantity x unit cost rounded to the currency's minor unit.
- **Currency**: an item at a location is costed in the currency of the first cost it meets. A
  cost in another currency is left out (there is no exchange rate here): the goods enter at
  the current average, and the movement says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from pydantic import BaseModel, Field

from shared.contracts import LineCost, OrderLine, PricedDocument
from shared.domain import Aggregate
from shared.pricing.money import minor_unit, round_to

ZERO = Decimal(0)
COST_PLACES = Decimal("0.000001")
"""Unit costs and averages are kept to 6 decimals; costs of movements to the minor unit."""


def exact_unit(value: Decimal) -> Decimal:
    return value.quantize(COST_PLACES, rounding=ROUND_HALF_EVEN)


def moving_average(
    on_hand: Decimal, average: Decimal, quantity: Decimal, unit_cost: Decimal
) -> Decimal:
    """The average after ``quantity`` came in at ``unit_cost`` on top of ``on_hand`` at
    ``average`` (6 decimals)."""
    return exact_unit((on_hand * average + quantity * unit_cost) / (on_hand + quantity))


def cost_of(quantity: Decimal, unit_cost: Decimal, currency: str) -> Decimal:
    """What ``quantity`` at ``unit_cost`` is worth, to the currency's minor unit."""
    return round_to(abs(quantity) * unit_cost, minor_unit(currency))


class MovedCost(BaseModel):
    """What one movement of stock moved at cost, remembered by its step (``key``) so that a
    step carried out again reports the same cost."""

    key: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    cost: Decimal | None = None
    currency: str | None = None
    left_out: bool = False
    """Its own price was in another currency: it entered at the average (what ``cost`` says,
    for the stock's value), and the document it belongs to leaves it out of its costs."""

    @property
    def costed(self) -> bool:
        """Whether it has a cost of its own that documents carry."""
        return self.unit_cost is not None and self.cost is not None and not self.left_out

    def line(self, sku: str) -> LineCost | None:
        """The document's cost line for it; None when it has no cost of its own."""
        if self.unit_cost is None or self.cost is None or self.left_out:
            return None
        return LineCost(sku=sku, quantity=self.quantity, unit_cost=self.unit_cost, cost=self.cost)


def line_costs(
    moved: Mapping[str, MovedCost | None], *, currency: str | None = None
) -> tuple[list[LineCost], str | None, list[str]]:
    """The costs of a document's lines (per sku) in one currency (``currency``, else the first
    costed line's); and the skus left out (no cost known, or costed in another currency)."""
    currency = currency or next((m.currency for m in moved.values() if m and m.costed), None)
    costs: list[LineCost] = []
    left_out: list[str] = []
    for sku, move in moved.items():
        line = move.line(sku) if move is not None and move.currency == currency else None
        if line is None:
            left_out.append(sku)
        else:
            costs.append(line)
    return costs, currency if costs else None, left_out


def net_unit_costs(lines: list[OrderLine], pricing: PricedDocument | None) -> dict[str, Decimal]:
    """What one unit of each item of an order costs net of discounts (and of tax): the lines'
    net amounts from the order's pricing over their quantities, per sku (6 decimals). An order
    priced before pricing was kept: quantity x unit price."""
    quantities: dict[str, Decimal] = {}
    values: dict[str, Decimal] = {}
    priced = pricing.lines if pricing is not None and len(pricing.lines) == len(lines) else None
    for n, line in enumerate(lines):
        value = priced[n].net if priced is not None else line.quantity * line.unit_price
        quantities[line.sku] = quantities.get(line.sku, ZERO) + line.quantity
        values[line.sku] = values.get(line.sku, ZERO) + value
    return {sku: exact_unit(values[sku] / qty) for sku, qty in quantities.items()}


RECENT_COSTS = 32
"""How many movements' costs a stock record remembers for steps carried out again."""


class CostedStock(Aggregate):
    """The cost side of a stock record: its moving average, in one currency, the quarantined
    goods' value apart, and the costs its latest keyed movements moved."""

    unit_cost: Decimal | None = Field(default=None, description="the moving average cost")
    cost_currency: str | None = None
    quarantined: Decimal = ZERO
    quarantined_value: Decimal = ZERO
    moved_costs: list[MovedCost] = Field(default_factory=list)

    def cost_moved(self, key: str) -> MovedCost | None:
        """What the movement with step ``key`` moved, while it is remembered."""
        return next((m for m in self.moved_costs if m.key == key), None)

    def _costed(self, key: str, quantity: Decimal, unit_cost: Decimal | None) -> MovedCost:
        currency = self.cost_currency
        moved = MovedCost(key=key, quantity=abs(quantity))
        if unit_cost is not None and currency is not None:
            moved.unit_cost, moved.currency = unit_cost, currency
            moved.cost = cost_of(quantity, unit_cost, currency)
        return moved

    def _at_average(self, key: str, quantity: Decimal) -> MovedCost:
        """Goods leaving (or entering without a cost) at the current average."""
        return self._costed(key, quantity, self.unit_cost)

    def _take_in(
        self,
        key: str,
        on_hand: Decimal,
        quantity: Decimal,
        unit_cost: Decimal | None,
        currency: str | None,
    ) -> tuple[MovedCost, str | None]:
        """Goods coming in at ``unit_cost`` (in ``currency``) on top of ``on_hand``: the average
        moves. Returns what they moved and, when their cost was left out, why."""
        if unit_cost is None or currency is None:
            return self._at_average(key, quantity), None
        if self.cost_currency is not None and currency != self.cost_currency:
            note = (
                f"cost in {currency} left out: the item is costed in {self.cost_currency} here; "
                "entered at the average cost"
            )
            moved = self._at_average(key, quantity)
            moved.left_out = True
            return moved, note
        unit_cost = exact_unit(unit_cost)
        if self.unit_cost is None:
            self.unit_cost = unit_cost  # stock without a cost takes the first it meets
        else:
            self.unit_cost = moving_average(on_hand, self.unit_cost, quantity, unit_cost)
        self.cost_currency = currency
        return self._costed(key, quantity, unit_cost), None

    def _quarantine_value(
        self, quantity: Decimal, unit_cost: Decimal | None, currency: str | None, key: str
    ) -> MovedCost:
        """Goods put apart at their own cost: the average of sellable stock stays."""
        if (
            unit_cost is None
            or currency is None
            or (self.cost_currency is not None and currency != self.cost_currency)
        ):
            return MovedCost(key=key, quantity=quantity)
        self.cost_currency = currency
        moved = self._costed(key, quantity, exact_unit(unit_cost))
        self.quarantined_value += moved.cost or ZERO
        return moved

    def _remember_cost(self, moved: MovedCost) -> None:
        self.moved_costs = [*self.moved_costs[-(RECENT_COSTS - 1) :], moved]

    def value_of(self, quantity: Decimal) -> Decimal | None:
        """What ``quantity`` on hand is worth at the average, to the minor unit."""
        if self.unit_cost is None or self.cost_currency is None:
            return None
        return cost_of(quantity, self.unit_cost, self.cost_currency)

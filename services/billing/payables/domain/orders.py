"""What billing keeps of other services' facts to match bills: each approved purchase order
(vendor, branch, currency, each sku's quantity and net amount) with how much of it was
received, and each branch's match tolerance.

A receipt may reach billing before the order's approval (they come on two queues): the copy
is made by whichever comes first, and a bill is refused until the approval is known.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from services.billing.payables.domain.errors import UnknownOrder
from services.billing.payables.domain.matching import Tolerance
from shared.contracts.common import OrderKind
from shared.contracts.inventory import GoodsReceived
from shared.contracts.orders import OrderApproved
from shared.contracts.payables import MatchToleranceSet, SetMatchTolerance
from shared.domain import Aggregate

ZERO = Decimal(0)


class OrderedItem(BaseModel):
    """One sku of a purchase order: how many were ordered, for what net amount (after line
    and document discounts, without tax), and how many were received so far."""

    model_config = ConfigDict(frozen=True)

    sku: str
    quantity: Decimal
    net: Decimal

    @property
    def unit_price(self) -> Decimal:
        """The order's price of one unit net of discounts: net / quantity, exact."""
        return self.net / self.quantity


class Received(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    quantity: Decimal


def ordered_items(event: OrderApproved) -> list[OrderedItem]:
    """Each sku once (an order naming a sku on two lines adds them up), priced as the order
    was: from its pricing, or quantity x unit price for an order stored before pricing."""
    if event.pricing is not None:
        priced = [(line.sku, line.quantity, line.net) for line in event.pricing.lines]
    else:
        priced = [(line.sku, line.quantity, line.amount) for line in event.lines]
    items: dict[str, OrderedItem] = {}
    for sku, quantity, net in priced:
        before = items.get(sku, OrderedItem(sku=sku, quantity=ZERO, net=ZERO))
        items[sku] = OrderedItem(sku=sku, quantity=before.quantity + quantity, net=before.net + net)
    return list(items.values())


class PurchaseOrderCopy(Aggregate):
    """Billing's copy of one purchase order, by its order id."""

    approved: bool = False
    vendor_id: str | None = None
    branch_id: str = ""
    currency: str | None = None
    items: list[OrderedItem] = []
    received: list[Received] = []

    def approve(self, event: OrderApproved) -> None:
        if event.kind is not OrderKind.PURCHASE:
            return
        self.approved = True
        self.vendor_id, self.branch_id = event.party_id, event.branch_id
        self.currency = event.currency
        self.items = ordered_items(event)

    def receive(self, event: GoodsReceived) -> None:
        """How much of each sku the order has received, as inventory counts it (cumulative;
        a figure older than one already known changes nothing)."""
        known = {line.sku: line.quantity for line in self.received}
        for line in event.order_lines:
            known[line.sku] = max(known.get(line.sku, ZERO), line.fulfilled)
        self.received = [Received(sku=sku, quantity=quantity) for sku, quantity in known.items()]

    def received_of(self, sku: str) -> Decimal:
        return next((line.quantity for line in self.received if line.sku == sku), ZERO)

    def item(self, sku: str) -> OrderedItem | None:
        return next((item for item in self.items if item.sku == sku), None)

    def unit_prices(self) -> dict[str, Decimal]:
        """Each sku's unit price net of discounts."""
        return {item.sku: item.unit_price for item in self.items}

    def checked_approved(self) -> PurchaseOrderCopy:
        if not self.approved:
            raise UnknownOrder(
                f"Purchase order {self.id} is not approved (billing has not learnt of its "
                "approval): a bill is recorded against an approved purchase order."
            )
        return self


class MatchTolerance(Aggregate):
    """A branch's tolerance, by its branch id."""

    price_percent: Decimal = ZERO
    quantity_percent: Decimal = ZERO
    price_amount: Decimal | None = None
    set_by: str | None = None

    def set(self, cmd: SetMatchTolerance) -> None:
        self.price_percent = cmd.price_tolerance_percent
        self.quantity_percent = cmd.quantity_tolerance_percent
        self.price_amount = cmd.price_tolerance_amount
        self.set_by = cmd.set_by
        self.record(
            MatchToleranceSet(
                branch_id=self.id,
                price_tolerance_percent=self.price_percent,
                quantity_tolerance_percent=self.quantity_percent,
                price_tolerance_amount=self.price_amount,
                set_by=cmd.set_by,
            )
        )

    @property
    def tolerance(self) -> Tolerance:
        return Tolerance(self.price_percent, self.quantity_percent, self.price_amount)

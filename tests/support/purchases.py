"""A purchase order approved and received, and the supplier bills and payments against it:
the payables tests' (and the books') starting point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shared.contracts import Discount, DiscountKind, PricingTerms, SubmitOrder
from shared.contracts.payables import BillLineInput, RecordBill, RecordVendorPayment
from tests.support.bus import Bus, having
from tests.support.factories import lines, purchase_order, unique
from tests.support.flows import SECONDS, accepted, once_known
from tests.support.inventory import define_item, define_location, receive

D = Decimal


@dataclass(frozen=True)
class Purchase:
    order_id: str
    vendor_id: str
    branch_id: str
    location_id: str
    skus: tuple[str, str]


async def approved_purchase(bus: Bus) -> Purchase:
    """A purchase order of two items with a 10 % document discount, approved (no cycle):
    A 10 x 4.50 -> net 40.50 (4.05 a unit), B 3 x 19.99 -> net 53.973 (17.991 a unit)."""
    a, b, branch = unique("SKU-A"), unique("SKU-B"), unique("BR")
    location = define_location(branch)
    for command in (define_item(a), define_item(b), location):
        await accepted(bus, command)
    order = purchase_order(
        branch_id=branch,
        lines=lines((a, "10", "4.50"), (b, "3", "19.99")),
        pricing=PricingTerms(discount=Discount(kind=DiscountKind.PERCENT, value=D(10))),
    )
    await accepted(bus, order)
    await accepted(bus, SubmitOrder(order_id=order.order_id, submitted_by="alice"))
    await bus.wait_for("order.approved", having(order_id=order.order_id), timeout=SECONDS)
    return Purchase(order.order_id, order.vendor_id, branch, location.location_id, (a, b))


async def received(bus: Bus, po: Purchase, *specs: tuple[str, str]) -> None:
    command = receive(po.order_id, po.location_id, *specs)
    reply = await once_known(bus, command, "order_not_approved", "unknown_order")
    assert reply.type == "GoodsReceived", reply.body


def bill(po: Purchase, *specs: tuple[int, str, str, str], **overrides: Any) -> RecordBill:
    """A bill of ``(item index, quantity, unit price, tax)`` lines against the order."""
    values: dict[str, Any] = {
        "bill_id": unique("BILL"),
        "vendor_id": po.vendor_id,
        "vendor_bill_number": unique("VB"),
        "order_id": po.order_id,
        "currency": "USD",
        "lines": [
            BillLineInput(sku=po.skus[i], quantity=D(q), unit_price=D(p), tax=D(t))
            for i, q, p, t in specs
        ],
        "bill_date": date(2026, 3, 1),
        "recorded_by": "ap-clerk",
    }
    return RecordBill(**{**values, **overrides})


def pay(bill_id: str, amount: str, currency: str = "USD") -> RecordVendorPayment:
    return RecordVendorPayment(
        bill_id=bill_id,
        payment_id=unique("PAY"),
        amount=D(amount),
        currency=currency,
        recorded_by="ap-clerk",
    )

"""A valid message per cart consumer, and the evidence that it was processed.

For ``tests/integration/test_bad_input.py``: the order service's consumers of storefront cart
events (``cart.*.<event>``) and the notification service's consumer of cart reminders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from shared.contracts import (
    CartCheckedOut,
    CartCleared,
    CartCreated,
    CartCustomerIdentified,
    CartEvent,
    CartItemAdded,
    CartItemQuantityChanged,
    CartItemRemoved,
    CartRecoveryDue,
    ConfigureBranch,
    ConfigureStorefront,
    DefinePriceList,
    ItemPrice,
    LocationDefined,
    MovementKind,
    RecoveryItem,
    ReservedLine,
    SourceType,
    StockMoved,
    StockReserved,
    StockStatus,
    WhenStockShort,
)
from tests.support import consumers
from tests.support.factories import unique

Sample = Callable[[Any], Awaitable[None]]


async def _stored(db: Any, collection: str, query: dict[str, Any]) -> None:
    for _ in range(200):
        if await db[collection].find_one(query):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing in {collection} matches {query}")


def _first(kind: type[CartEvent], **fields: Any) -> Sample:
    """The cart's first event is of this kind: the cart is stored with it."""

    async def sample(ctx: Any) -> None:
        cart_id = unique("CART")
        await ctx.bus.send(kind(storefront_id="demo", cart_id=cart_id, sequence=1, **fields))
        await _stored(ctx.db, "carts", {"_id": cart_id, "through": 1})

    return sample


async def s_notify_cart_recovery(ctx: Any) -> None:
    due = CartRecoveryDue(
        cart_id=unique("CART"),
        storefront_id="demo",
        step=1,
        email="shopper@example.com",
        currency="USD",
        total=Decimal("2.00"),
        items=[RecoveryItem(sku="A", quantity=Decimal(1), unit_price=Decimal(2))],
    )
    await ctx.bus.send(due)
    await _stored(ctx.db, "emails", {"source_message_id": str(due.message_id)})


async def _awaiting_stock(ctx: Any) -> tuple[str, str]:
    """A cart checked out at a branch that refuses short orders: its sales order waits for
    inventory's stock hold (played here). Returns (cart id, order id)."""
    branch, location, cart_id = unique("BR"), unique("LOC"), unique("CART")
    prices = DefinePriceList(
        price_list_id=unique("WEB"),
        name="Web",
        currency="USD",
        prices=[ItemPrice(sku="A", unit_price=Decimal(2))],
        defined_by="olga",
    )
    for command in (
        prices,
        ConfigureStorefront(
            storefront_id="demo", price_list_id=prices.price_list_id, configured_by="olga"
        ),
        ConfigureBranch(
            branch_id=branch, when_stock_short=WhenStockShort.REFUSE, configured_by="olga"
        ),
    ):
        await ctx.bus.send(command, reply=True)
        await ctx.bus.reply_for(command)
    await ctx.bus.send(
        LocationDefined(location_id=location, branch_id=branch, warehouse="W", sales_location=True)
    )
    await ctx.bus.send(
        StockMoved(
            movement_id=unique("M"),
            kind=MovementKind.OPENING,
            sku="A",
            location_id=location,
            branch_id=branch,
            on_hand_change=Decimal(5),
            reserved_change=Decimal(0),
            on_hand_after=Decimal(5),
            reserved_after=Decimal(0),
            source_type=SourceType.OPENING_BALANCE,
            source_id="opening",
            sequence=1,
        )
    )
    await _stored(ctx.db, "stock_levels", {"location_id": location})
    facts = {"storefront_id": "demo", "cart_id": cart_id}
    for event in (
        CartCreated(**facts, sequence=1, currency="USD", branch_id=branch),
        CartItemAdded(**facts, sequence=2, sku="A", quantity=Decimal(1), unit_price=Decimal(2)),
        CartCheckedOut(**facts, sequence=3),
    ):
        await ctx.bus.send(event)
    order_id = f"SO-{cart_id}"
    await _stored(ctx.db, "orders", {"_id": order_id, "status": "awaiting_stock"})
    return cart_id, order_id


def _held(order_id: str, reserved: str) -> StockReserved:
    short = reserved != "1"
    return StockReserved(
        order_id=order_id,
        attempt=1,
        location_id=None,
        lines=[ReservedLine(sku="A", needed=Decimal(1), reserved=Decimal(reserved))],
        stock_status=StockStatus.SHORT if short else StockStatus.CONFIRMED,
        expires_at=None,
    )


async def s_cart_order_submitted(ctx: Any) -> None:
    cart_id, order_id = await _awaiting_stock(ctx)
    await ctx.bus.send(_held(order_id, "1"))
    await _stored(ctx.db, "carts", {"_id": cart_id, "status": "checked_out"})


async def s_cart_stock_hold_refused(ctx: Any) -> None:
    cart_id, order_id = await _awaiting_stock(ctx)
    await ctx.bus.send(_held(order_id, "0"))
    await _stored(ctx.db, "carts", {"_id": cart_id, "status": "checkout_failed"})


CART_SAMPLES: dict[tuple[str, str], Sample] = {
    consumers.event("order", "cart.*.created"): _first(CartCreated, currency="USD", branch_id="B1"),
    consumers.event("order", "cart.*.item_added"): _first(
        CartItemAdded, sku="A", quantity=Decimal(1), unit_price=Decimal(2)
    ),
    consumers.event("order", "cart.*.item_quantity_changed"): _first(
        CartItemQuantityChanged, sku="A", quantity=Decimal(3)
    ),
    consumers.event("order", "cart.*.item_removed"): _first(CartItemRemoved, sku="A"),
    consumers.event("order", "cart.*.customer_identified"): _first(
        CartCustomerIdentified, customer_id="C1", email="c1@example.com"
    ),
    consumers.event("order", "cart.*.checked_out"): _first(CartCheckedOut),
    consumers.event("order", "cart.*.cleared"): _first(CartCleared),
    consumers.event("notification", "order.cart_recovery_due"): s_notify_cart_recovery,
    consumers.event("order", "order.submitted"): s_cart_order_submitted,
    consumers.event("order", "order.stock_hold_refused"): s_cart_stock_hold_refused,
}

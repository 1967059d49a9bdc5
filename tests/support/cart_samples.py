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
    RecoveryItem,
)
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


CART_SAMPLES: dict[tuple[str, str], Sample] = {
    ("order.cart-created", "cart.*.created"): _first(CartCreated, currency="USD", branch_id="B1"),
    ("order.cart-item-added", "cart.*.item_added"): _first(
        CartItemAdded, sku="A", quantity=Decimal(1), unit_price=Decimal(2)
    ),
    ("order.cart-item-quantity-changed", "cart.*.item_quantity_changed"): _first(
        CartItemQuantityChanged, sku="A", quantity=Decimal(3)
    ),
    ("order.cart-item-removed", "cart.*.item_removed"): _first(CartItemRemoved, sku="A"),
    ("order.cart-customer-identified", "cart.*.customer_identified"): _first(
        CartCustomerIdentified, customer_id="C1", email="c1@example.com"
    ),
    ("order.cart-checked-out", "cart.*.checked_out"): _first(CartCheckedOut),
    ("order.cart-cleared", "cart.*.cleared"): _first(CartCleared),
    ("notification.order-cart-recovery-due", "order.cart_recovery_due"): s_notify_cart_recovery,
}

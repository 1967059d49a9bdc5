"""The scheduled scan that finds abandoned carts, sends their reminders and finishes checkouts.

One replica scans at a time (a lease in the ``jobs`` collection). Each cart is saved with a
write conditional on its version, so a storefront event that changes the cart meanwhile wins
and the cart is looked at again on the next pass. A reminder is an ``order.cart_recovery_due``
event in the cart's outbox, written with the step it sends: it goes out once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import structlog

from services.order.carts.domain.cart import Cart, CartStatus
from services.order.carts.domain.recovery import Decision, RecoveryPolicy, decide
from services.order.carts.handlers import CartHandlers
from services.order.stock.repository import StockLevels
from shared.contracts import CartRecoveryDue, RecoveryItem, utcnow
from shared.storage.aggregates import ConcurrencyConflict
from shared.storage.store import Store

log = structlog.get_logger(__name__)

BATCH = 500
"""Carts looked at per pass, the longest idle first."""


class CartRecovery:
    def __init__(
        self,
        carts: Store[Cart],
        stock: StockLevels,
        handlers: CartHandlers,
        policy: RecoveryPolicy,
        *,
        checkout_grace: timedelta,
    ) -> None:
        self.carts = carts
        self.stock = stock
        self.handlers = handlers
        self.policy = policy
        self.checkout_grace = checkout_grace
        """A checkout still not turned into an order after this is finished by the scan."""

    async def scan(self) -> None:
        """One pass: reminders due now, then checkouts left unfinished (a crash mid-way)."""
        now = utcnow()
        for cart in await self.carts.find(
            self._idle(now), limit=BATCH, sort=[("last_activity_at", 1)]
        ):
            try:
                await self.remind(cart, now)
            except ConcurrencyConflict:
                continue  # the cart changed meanwhile: the next pass sees it anew
        for cart in await self.carts.find(self._unfinished(now), limit=BATCH):
            if cart.checkout_due or cart.status is CartStatus.CHECKING_OUT:
                try:
                    await self.handlers.convert(cart)
                except ConcurrencyConflict:
                    continue

    def _idle(self, now: datetime) -> dict[str, object]:
        return {
            "status": CartStatus.OPEN.value,
            "checkout_sequence": None,
            "email": {"$ne": None},
            "recovery_emails": True,
            "items.0": {"$exists": True},
            "recovery.finished": False,
            "last_activity_at": {"$lte": now - self.policy.abandon_after},
        }

    def _unfinished(self, now: datetime) -> dict[str, object]:
        return {
            "status": {"$in": [CartStatus.OPEN.value, CartStatus.CHECKING_OUT.value]},
            "checkout_sequence": {"$ne": None},
            "last_activity_at": {"$lte": now - self.checkout_grace},
        }

    async def remind(self, cart: Cart, now: datetime) -> None:
        before = cart.recovery.model_copy(deep=True)
        outcome = decide(
            cart, cart.recovery, self.policy, now=now, in_stock=await self.in_stock(cart)
        )
        if outcome.decision is Decision.SEND:
            assert outcome.step is not None
            cart.record(reminder(cart, outcome.step))
            log.info("cart_reminder_due", cart_id=cart.id, step=outcome.step)
        elif outcome.decision is Decision.HOLD and before.held_since is None:
            log.info("cart_reminder_held", cart_id=cart.id, step=outcome.step)
        if cart.recovery != before:
            await self.carts.save(cart, cause=None)

    async def in_stock(self, cart: Cart) -> dict[str, bool | None]:
        """Per item: whether the cart's branch has the quantity available (``None``: unknown,
        the branch has no location or the item never moved there)."""
        return await in_stock(self.stock, cart)


async def in_stock(stock: StockLevels, cart: Cart) -> dict[str, bool | None]:
    location = await stock.sales_location(cart.branch_id) if cart.branch_id else None
    if location is None:
        return {item.sku: None for item in cart.items}
    available = await stock.available(location, [item.sku for item in cart.items])
    return {
        item.sku: None if item.sku not in available else available[item.sku] >= item.quantity
        for item in cart.items
    }


def reminder(cart: Cart, step: int) -> CartRecoveryDue:
    assert cart.email is not None
    return CartRecoveryDue(
        cart_id=cart.id,
        storefront_id=cart.storefront_id,
        step=step,
        email=cart.email,
        cart_url=cart.cart_url,
        currency=cart.currency or "XXX",
        total=cart.value if cart.value is not None else Decimal(0),
        items=[
            RecoveryItem(
                sku=item.sku,
                name=item.name,
                quantity=item.quantity,
                # the business's price; an item its list does not know, at the one the shopper saw
                unit_price=item.unit_price if item.unit_price is not None else item.sent_price or 0,
            )
            for item in cart.items
        ],
        correlation_id=cart.id,
    )

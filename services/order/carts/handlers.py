"""Storefront cart events: keep the cart, value it, and turn a checkout into a sales order.

A checkout changes two aggregates, in single-document writes, in this order:

1. the cart: ``checking_out``, the process record (a cart checking out promises its order);
2. the sales order ``SO-<cart_id>``, created, then submitted (each command's id comes from the
   cart, so each step is done once whoever repeats it);
3. the cart: ``checked_out`` with ``order.cart_converted`` in its outbox, or ``checkout_failed``.

Should the process die between them, the cart stays ``checking_out``; the leased cart scan
(:mod:`services.order.carts.recovery`) runs :meth:`CartHandlers.convert` again for a checkout
older than ``OMS_CART_CHECKOUT_GRACE_SECONDS``, and each step finds what was done: no
storefront has to send its checkout again.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from uuid import NAMESPACE_URL, uuid5

from services.order.carts.domain.cart import Cart, CartStatus
from services.order.carts.domain.recovery import checked_out
from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus
from services.order.orders.handlers import OrderHandlers
from services.order.pricing.domain.storefront import ItemsHeld
from services.order.pricing.handlers import PricingConfiguration
from services.order.stock.domain.availability import InsufficientStock
from shared.contracts import (
    CartConverted,
    CartEvent,
    CreateSalesOrder,
    OrderLineInput,
    OrderStockHoldRefused,
    OrderSubmitted,
    PriceDifference,
    SubmitOrder,
    utcnow,
)
from shared.domain import DomainError
from shared.storage.aggregates import AlreadyApplied, AlreadyExists
from shared.storage.store import Store


class CartHandlers:
    def __init__(
        self, carts: Store[Cart], orders: OrderHandlers, pricing: PricingConfiguration
    ) -> None:
        self.carts = carts
        self.orders = orders
        self.pricing = pricing

    async def take(self, event: CartEvent) -> None:
        """Apply one storefront event to its cart (once per sequence, in sequence order
        whatever the arrival order); a checkout whose earlier events all arrived makes the
        sales order."""
        now = utcnow()

        async def apply(cart: Cart) -> None:
            if cart.apply(event, now=now):
                await self._price(cart, now)

        cart: Cart | None = None
        if await self.carts.get(event.cart_id) is None:
            cart = Cart.start(event, now=now)
            await self._price(cart, now)
            try:
                await self.carts.add(cart, cause=event)
            except AlreadyExists:
                cart = None  # started by a concurrent event: apply this one to it
        if cart is None:
            cart = await self.carts.change(
                event.cart_id, event, apply, missing=lambda: LookupError(event.cart_id)
            )
        if cart is not None and cart.checkout_due:
            await self.convert(cart)

    async def _price(self, cart: Cart, now: datetime) -> None:
        """Price the cart from its storefront's price list, at the tax rates in force."""
        try:
            prices = await self.pricing.storefront_prices(cart.storefront_id)
        except DomainError:  # not configured (or its list is gone): the cart says so
            prices = None
        cart.price(await self.pricing.rates_for(cart.items, now), prices)

    async def convert(self, cart: Cart) -> None:
        """Make the checked-out cart a sales order through the order service's own create and
        submit (approval and stock then follow as for any order), and link the two. Safe to
        repeat: the commands' ids come from the cart, so a second attempt changes nothing.
        The order is priced from the storefront's price list; one that holds items the list
        does not know stays a draft for a person. At a branch that refuses short orders the
        cart stays ``checking_out`` until inventory held the stock (``order_settled``)."""
        if (problem := cart.checkout_problem()) is not None:
            cart.refused(None, *problem)
            await self.carts.save(cart, cause=None)
            return
        if cart.status is not CartStatus.CHECKING_OUT:  # else resumed by the scan
            cart.converting()
            await self.carts.save(cart, cause=None)
        create = sales_order(cart)
        try:
            with contextlib.suppress(AlreadyApplied):  # made before, its answer since forgotten
                await self.orders.create(create, storefront_id=cart.storefront_id, cart_id=cart.id)
            with contextlib.suppress(AlreadyApplied):
                await self.orders.submit(submit_order(cart, create))
        except ItemsHeld:
            pass  # made, and waiting for a person: the cart is checked out all the same
        except DomainError as refusal:
            shortages = refusal.lines if isinstance(refusal, InsufficientStock) else []
            cart.refused(create.order_id, refusal.reason, refusal.detail, shortages)
            await self.carts.save(cart, cause=None)
            return
        await self._settle(cart, await self.orders.orders.read(create.order_id))

    async def order_settled(self, event: OrderSubmitted | OrderStockHoldRefused) -> None:
        """A cart's sales order that waited for its stock entered approval, or was refused."""
        if event.cart_id is None:
            return
        cart = await self.carts.read(event.cart_id)
        if cart is not None and cart.status is CartStatus.CHECKING_OUT:
            await self._settle(cart, await self.orders.orders.read(event.order_id))

    async def _settle(self, cart: Cart, order: Order | None) -> None:
        """Link the cart to its order as the order now stands: entered approval (or held for
        a person) is a conversion; refused for stock at submission is a failed checkout."""
        if order is None or order.status is OrderStatus.AWAITING_STOCK:
            return  # the stock hold decides; its outcome comes back here
        refusal = order.stock_refusal
        if refusal is not None and refusal.attempt == order.attempt and not order.locked:
            cart.refused(order.id, InsufficientStock.reason, refusal.detail, refusal.shortages)
        else:
            cart.converted(order.id, held_items=order.held_items)
            checked_out(cart.recovery)
            cart.record(
                CartConverted(
                    cart_id=cart.id,
                    storefront_id=cart.storefront_id,
                    order_id=order.id,
                    total=cart.value or 0,
                    currency=cart.currency or "XXX",
                    recovered_after_step=cart.recovery.recovered_after_step,
                    price_differences=price_differences(cart),
                    held_items=order.held_items,
                    correlation_id=cart.id,
                )
            )
        await self.carts.save(cart, cause=None)


def sales_order(cart: Cart) -> CreateSalesOrder:
    """The sales order a cart becomes: ``SO-<cart_id>``, for its customer (``guest-<cart_id>``
    when the shopper never logged in), created by its storefront."""
    assert cart.currency is not None
    assert cart.branch_id is not None
    return CreateSalesOrder(
        message_id=uuid5(NAMESPACE_URL, f"oms:cart:{cart.id}:create"),
        order_id=f"SO-{cart.id}",
        customer_id=cart.customer_id or f"guest-{cart.id}",
        created_by=f"storefront-{cart.storefront_id}",
        branch_id=cart.branch_id,
        currency=cart.currency,
        notes=f"Storefront {cart.storefront_id}, cart {cart.id}",
        lines=[
            OrderLineInput(
                sku=item.sku,
                quantity=item.quantity,
                unit_price=item.sent_price,  # the storefront's: the order prices it anew
                description=item.name,
                tax_codes=item.tax_codes,
            )
            for item in cart.items
        ],
        correlation_id=cart.id,
    )


def submit_order(cart: Cart, create: CreateSalesOrder) -> SubmitOrder:
    """The submission of the cart's sales order, with an id of its own from the cart."""
    return SubmitOrder(
        message_id=uuid5(NAMESPACE_URL, f"oms:cart:{cart.id}:submit"),
        order_id=create.order_id,
        submitted_by=create.created_by,
        correlation_id=cart.id,
    )


def price_differences(cart: Cart) -> list[PriceDifference]:
    """The items the storefront sent at another price than its price list's."""
    return [
        PriceDifference(
            sku=item.sku,
            unit_price=item.unit_price,
            storefront_unit_price=item.storefront_unit_price,
            difference=item.price_difference,
        )
        for item in cart.items
        if item.unit_price is not None
        and item.storefront_unit_price is not None
        and item.price_difference
    ]

"""Storefront cart events: keep the cart, value it, and turn a checkout into a sales order."""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

from services.order.configuration import PricingConfiguration
from services.order.domain.cart import Cart
from services.order.domain.cart_recovery import checked_out
from services.order.handlers import OrderHandlers
from shared.contracts import (
    CartConverted,
    CartEvent,
    CreateSalesOrder,
    OrderLineInput,
    SubmitOrder,
    utcnow,
)
from shared.domain import DomainError
from shared.storage.aggregates import AggregateStore, AlreadyExists


class CartHandlers:
    def __init__(
        self, carts: AggregateStore[Cart], orders: OrderHandlers, config: PricingConfiguration
    ) -> None:
        self.carts = carts
        self.orders = orders
        self.config = config

    async def take(self, event: CartEvent) -> None:
        """Apply one storefront event to its cart (once per sequence, in sequence order
        whatever the arrival order); a checkout whose earlier events all arrived makes the
        sales order."""
        now = utcnow()

        async def apply(cart: Cart) -> None:
            if cart.apply(event, now=now):
                cart.price(await self.config.rates_for(cart.items, now))

        cart: Cart | None = None
        if await self.carts.get(event.cart_id) is None:
            cart = Cart.start(event, now=now)
            cart.price(await self.config.rates_for(cart.items, now))
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

    async def convert(self, cart: Cart) -> None:
        """Make the checked-out cart a sales order through the order service's own create and
        submit (approval and stock then follow as for any order), and link the two. Safe to
        repeat: the commands' ids come from the cart, so a second attempt changes nothing."""
        if (problem := cart.checkout_problem()) is not None:
            cart.refused(None, problem)
            await self.carts.save(cart, cause=None)
            return
        cart.converting()
        await self.carts.save(cart, cause=None)
        create = sales_order(cart)
        try:
            await self.orders.create(create)
            await self.orders.submit(
                SubmitOrder(
                    message_id=uuid5(NAMESPACE_URL, f"oms:cart:{cart.id}:submit"),
                    order_id=create.order_id,
                    submitted_by=create.created_by,
                    correlation_id=cart.id,
                )
            )
        except DomainError as refusal:
            cart.refused(create.order_id, refusal.reason)
        else:
            cart.converted(create.order_id)
            checked_out(cart.recovery)
            cart.record(
                CartConverted(
                    cart_id=cart.id,
                    storefront_id=cart.storefront_id,
                    order_id=create.order_id,
                    total=cart.value or 0,
                    currency=cart.currency or "XXX",
                    recovered_after_step=cart.recovery.recovered_after_step,
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
                unit_price=item.unit_price,
                description=item.name,
                tax_codes=item.tax_codes,
            )
            for item in cart.items
        ],
        correlation_id=cart.id,
    )

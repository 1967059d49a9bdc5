"""The carts part's rows of the order service's table."""

from __future__ import annotations

from services.order.carts.handlers import CartHandlers
from services.order.carts.queries import cart_queries
from services.order.carts.repository import CARTS
from shared.contracts import (
    CART_EVENTS,
    CartCheckoutFailed,
    CartConverted,
    CartRecoveryDue,
    OrderStockHoldRefused,
    OrderSubmitted,
)
from shared.parts import Part

TABLE = Part[CartHandlers](
    events={
        # A cart's sales order that waited for its stock hold: checked out, or refused.
        OrderSubmitted: CartHandlers.order_settled,
        OrderStockHoldRefused: CartHandlers.order_settled,
        # Storefronts publish these on cart.<storefront_id>.<event>.
        **dict.fromkeys(CART_EVENTS, CartHandlers.take),
    },
    publishes=[CartConverted, CartCheckoutFailed, CartRecoveryDue],
    outbox_collections=[CARTS],
    queries=cart_queries,
)

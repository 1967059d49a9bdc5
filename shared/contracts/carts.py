"""Storefront cart events, and what the order service says about carts.

A storefront publishes its cart events to ``oms.events`` with the routing key
``cart.<storefront_id>.<event>`` (``cart.web-eu.item_added``); its RabbitMQ user
(``storefront-<storefront_id>``) may publish nothing else. Delivery is at least once and in any
order: each event carries the cart's ``sequence`` (1 for the first event of a cart, then 2, 3...
in the order the storefront made them). The order service applies a sequence once (a resent
event, even with a new ``message_id``, changes nothing) and computes the cart from its events
in sequence order, whatever order they came in.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.contracts.base import Event
from shared.contracts.common import (
    CurrencyCode,
    DecimalText,
    Identifier,
    Quantity,
    UnitPrice,
)
from shared.contracts.orders import LineAvailability
from shared.contracts.storefronts import PriceDifference

CART_ROUTING_PREFIX = "cart"
"""Cart events travel as ``cart.<storefront_id>.<event>``."""

Sequence = Annotated[int, Field(ge=1, le=1_000_000)]


class CartEvent(Event):
    """What every storefront cart event carries."""

    ordering_key: ClassVar[str | None] = "cart_id"
    routed_by: ClassVar[str | None] = "storefront_id"
    storefront_id: Identifier = Field(
        description="the storefront that owns the cart; must be the routing key's second word"
    )
    cart_id: Identifier = Field(description="the cart, unique across storefronts")
    sequence: Sequence = Field(
        description="the event's place in the cart's history: 1, 2, 3... per cart, no gaps; "
        "an event whose sequence was applied already is ignored"
    )


class CartCreated(CartEvent):
    """A customer started a cart on a storefront."""

    routing_key: ClassVar[str] = "cart.*.created"
    currency: CurrencyCode
    branch_id: Identifier = Field(
        description="the branch that sells it: its stock answers which items are in stock, "
        "and the sales order at checkout is for this branch"
    )
    cart_url: str | None = Field(
        default=None,
        max_length=500,
        description="where the customer gets back to the cart (used in recovery e-mails)",
    )
    customer_id: Identifier | None = Field(
        default=None, description="the customer, when the shopper is logged in"
    )


class CartItemAdded(CartEvent):
    """Units of an item were put in the cart (added to any already there)."""

    routing_key: ClassVar[str] = "cart.*.item_added"
    sku: Identifier
    quantity: Quantity = Field(description="how many units were added, as a decimal string")
    unit_price: UnitPrice = Field(
        description="the storefront's price of one unit: information only, kept as the item's "
        "storefront_unit_price; the storefront's price list (order.configure_storefront) prices "
        "the cart and its order, and an item the list does not know is refused or held at "
        "checkout (unknown_item)"
    )
    name: str | None = Field(default=None, max_length=200, description="shown in e-mails")
    tax_codes: list[Identifier] = Field(
        default_factory=list,
        max_length=5,
        description="tax rate codes of the item (order.define_tax_rate); none: untaxed",
    )


class CartItemQuantityChanged(CartEvent):
    """The customer set an item's quantity."""

    routing_key: ClassVar[str] = "cart.*.item_quantity_changed"
    sku: Identifier
    quantity: Quantity = Field(description="the new quantity (not a difference)")


class CartItemRemoved(CartEvent):
    """An item was taken out of the cart."""

    routing_key: ClassVar[str] = "cart.*.item_removed"
    sku: Identifier


class CartCustomerIdentified(CartEvent):
    """The shopper said who they are: the e-mail recovery messages go to, and their choice."""

    routing_key: ClassVar[str] = "cart.*.customer_identified"
    customer_id: Identifier
    email: EmailStr
    recovery_emails: bool = Field(
        default=True,
        description="false: the customer opted out of cart reminders (no recovery e-mail)",
    )


class CartCheckedOut(CartEvent):
    """The customer checked out: the order service turns the cart into a sales order."""

    routing_key: ClassVar[str] = "cart.*.checked_out"


class CartCleared(CartEvent):
    """Every item was taken out of the cart: it is ``cleared``, not an active cart (never listed
    as open, never reminded of) until an item is added again; a checkout of it is refused
    (``empty_cart``)."""

    routing_key: ClassVar[str] = "cart.*.cleared"


CART_EVENTS: tuple[type[CartEvent], ...] = (
    CartCreated,
    CartItemAdded,
    CartItemQuantityChanged,
    CartItemRemoved,
    CartCustomerIdentified,
    CartCheckedOut,
    CartCleared,
)


class RecoveryItem(BaseModel):
    """An item as a recovery e-mail shows it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    name: str | None = None
    quantity: DecimalText
    unit_price: DecimalText


class CartConverted(Event):
    """A checked-out cart became a sales order (submitted into approval like any order)."""

    routing_key: ClassVar[str] = "order.cart_converted"
    ordering_key: ClassVar[str | None] = "cart_id"
    cart_id: Identifier
    storefront_id: Identifier
    order_id: Identifier = Field(description="the sales order made from the cart")
    total: DecimalText = Field(description="the cart's grand total at checkout")
    currency: CurrencyCode
    recovered_after_step: int | None = Field(
        default=None,
        description="the last recovery e-mail step sent before checkout; none: not recovered",
    )
    price_differences: list[PriceDifference] = Field(
        default_factory=list,
        description="items the storefront sent at another price than its price list's (the "
        "order has the price list's)",
    )
    held_items: list[Identifier] = Field(
        default_factory=list,
        description="items the price list does not know, under the storefront's `hold` rule: "
        "the order is a draft waiting for a person, not submitted",
    )


class CartCheckoutFailed(Event):
    """A checked-out cart did not become a submitted sales order: ``reason`` says why
    (``insufficient_stock``, ``unknown_item``, ``empty_cart``...), ``detail`` in a sentence,
    and for stock each item short with the quantity wanted and what is available."""

    routing_key: ClassVar[str] = "order.cart_checkout_failed"
    ordering_key: ClassVar[str | None] = "cart_id"
    cart_id: Identifier
    storefront_id: Identifier
    order_id: Identifier | None = Field(
        default=None, description="the sales order, when it was made and then refused"
    )
    reason: str
    detail: str
    shortages: list[LineAvailability] = Field(
        default_factory=list,
        description="insufficient_stock: each item short, `requested` and `available`",
    )


class CartRecoveryDue(Event):
    """An abandoned cart's recovery step is due: the notification service e-mails the customer
    its contents and the link back to it (once per cart and step)."""

    routing_key: ClassVar[str] = "order.cart_recovery_due"
    ordering_key: ClassVar[str | None] = "cart_id"
    cart_id: Identifier
    storefront_id: Identifier
    step: int = Field(ge=1, description="1 for the first reminder, then 2, 3...")
    email: EmailStr
    cart_url: str | None = None
    currency: CurrencyCode
    total: DecimalText = Field(description="the cart's grand total")
    items: list[RecoveryItem]

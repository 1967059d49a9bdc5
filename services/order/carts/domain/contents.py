"""What a cart holds: each storefront event as the cart keeps it, and the contents those
events give when taken in sequence order (items, customer, checkout)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from shared.contracts.carts import (
    CartCheckedOut,
    CartCleared,
    CartCreated,
    CartCustomerIdentified,
    CartEvent,
    CartItemAdded,
    CartItemQuantityChanged,
    CartItemRemoved,
)


class CartEntry(BaseModel):
    """One storefront event as the cart keeps it (stored without the fields it lacks: a cart's
    document is rewritten at each event, and its size is what a write costs)."""

    model_config = ConfigDict(frozen=True)

    sequence: int
    kind: str
    sku: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    name: str | None = None
    tax_codes: list[str] = []
    currency: str | None = None
    branch_id: str | None = None
    cart_url: str | None = None
    customer_id: str | None = None
    email: str | None = None
    recovery_emails: bool | None = None

    @model_serializer(mode="wrap")
    def _without_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        return {k: v for k, v in handler(self).items() if v is not None and v != []}

    @classmethod
    def of(cls, event: CartEvent) -> CartEntry:
        fields = event.model_dump(
            include={
                "sku",
                "quantity",
                "unit_price",
                "name",
                "tax_codes",
                "currency",
                "branch_id",
                "cart_url",
                "customer_id",
                "email",
                "recovery_emails",
            }
        )
        return cls(sequence=event.sequence, kind=KINDS[type(event)], **fields)


KINDS: dict[type[CartEvent], str] = {
    CartCreated: "created",
    CartItemAdded: "item_added",
    CartItemQuantityChanged: "item_quantity_changed",
    CartItemRemoved: "item_removed",
    CartCustomerIdentified: "customer_identified",
    CartCheckedOut: "checked_out",
    CartCleared: "cleared",
}


class CartItem(BaseModel):
    """An item in the cart: what pricing needs of a line, and its name for e-mails. Its price
    is the storefront's price list's; the storefront's own is kept beside as information."""

    sku: str
    quantity: Decimal
    unit_price: Decimal | None = None
    """The business's price (the storefront's price list's); ``None``: the list does not know
    the item, or the storefront has no price list."""
    storefront_unit_price: Decimal | None = None
    """What the storefront sent (carts stored before this field kept it in ``unit_price``)."""
    price_difference: Decimal | None = None
    """``storefront_unit_price - unit_price`` when both are known."""
    name: str | None = None
    tax_codes: list[str] = []

    @property
    def sent_price(self) -> Decimal | None:
        """The storefront's price (in ``unit_price`` on carts stored before it was kept apart)."""
        if self.storefront_unit_price is not None:
            return self.storefront_unit_price
        return self.unit_price

    def priced(self, price: Decimal | None, sent: Decimal | None) -> CartItem:
        """This item at the business's ``price`` (``sent``: the storefront's)."""
        difference = None if price is None or sent is None else sent - price
        return self.model_copy(
            update={
                "unit_price": price,
                "storefront_unit_price": sent,
                "price_difference": difference,
            }
        )


class CartState(BaseModel):
    """What a cart's events say when taken in sequence order."""

    currency: str | None = None
    branch_id: str | None = None
    cart_url: str | None = None
    customer_id: str | None = None
    email: str | None = None
    recovery_emails: bool = True
    items: list[CartItem] = []
    checkout_sequence: int | None = None
    cleared: bool = False
    """The latest change was a ``cleared`` (an item added since opens the cart again)."""

    def take(self, entry: CartEntry) -> None:
        """Apply the next event; what comes after the checkout is not part of the order."""
        if self.checkout_sequence is not None:
            return
        if entry.kind == "created":
            self.currency, self.branch_id = entry.currency, entry.branch_id
            self.cart_url = entry.cart_url
            self.customer_id = entry.customer_id or self.customer_id
        elif entry.kind == "customer_identified":
            self.customer_id, self.email = entry.customer_id, entry.email
            self.recovery_emails = bool(entry.recovery_emails)
        elif entry.kind == "checked_out":
            self.checkout_sequence = entry.sequence
        else:
            self.items = _items_after(entry, {item.sku: item for item in self.items})
            if entry.kind == "cleared":
                self.cleared = True
            elif entry.kind == "item_added":
                self.cleared = False


def _items_after(entry: CartEntry, items: dict[str, CartItem]) -> list[CartItem]:
    if entry.kind == "item_added":
        assert entry.sku is not None
        assert entry.quantity is not None
        assert entry.unit_price is not None
        before = items.get(entry.sku)
        items[entry.sku] = CartItem(
            sku=entry.sku,
            quantity=entry.quantity + (before.quantity if before else 0),
            storefront_unit_price=entry.unit_price,
            name=entry.name,
            tax_codes=entry.tax_codes,
        )
    elif entry.kind == "item_quantity_changed":
        if (item := items.get(entry.sku or "")) is not None:
            items[item.sku] = item.model_copy(update={"quantity": entry.quantity})
    elif entry.kind == "item_removed":
        items.pop(entry.sku or "", None)
    else:  # cleared
        items.clear()
    return list(items.values())

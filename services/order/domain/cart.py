"""A storefront cart, computed from the storefront's events in their sequence order.

Storefronts deliver at least once and in any order. The cart keeps each event it applied by
its ``sequence`` (a sequence seen before changes nothing, whatever its message id) and derives
its contents by replaying them in sequence order, so the same events give the same cart however
they arrived. A checkout takes effect once every earlier sequence has arrived: the cart that
becomes a sales order is the one the customer saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from services.order.domain.timeline import Chronicled
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
from shared.contracts.pricing import PricingTerms, TaxRate
from shared.domain import DomainError
from shared.pricing import PricingError, price_document

MAX_EVENTS = 2000
"""A cart keeps at most this many events; a storefront that sends more is refused."""


class CartStatus(StrEnum):
    OPEN = "open"
    CHECKING_OUT = "checking_out"
    """Checked out; the sales order is being made."""
    CHECKED_OUT = "checked_out"
    CHECKOUT_FAILED = "checkout_failed"
    """The sales order was refused (the reason is on the cart)."""


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
    """An item in the cart: what pricing needs of a line, and its name for e-mails."""

    sku: str
    quantity: Decimal
    unit_price: Decimal
    name: str | None = None
    tax_codes: list[str] = []

    @property
    def discount(self) -> None:
        return None


class SentStep(BaseModel):
    """A reminder that went out (or was handed to the notification service)."""

    step: int
    at: datetime
    round_started: datetime
    """The cart's ``last_activity_at`` the reminder was for: a later change starts a new round."""


class Recovery(BaseModel):
    """What the cart remembers of its recovery; kept on the cart's document."""

    abandoned_at: datetime | None = None
    """When it was first found abandoned (a cart counts once)."""
    sent: list[SentStep] = []
    held_since: datetime | None = None
    """A due step waits for stock since then."""
    recovered_after_step: int | None = None
    finished: bool = False
    """Every step of the current round went out (a change to the cart starts a new round)."""

    def steps_this_round(self, round_started: datetime) -> list[int]:
        return [s.step for s in self.sent if s.round_started == round_started]

    @property
    def last_step(self) -> int | None:
        return self.sent[-1].step if self.sent else None


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


def _items_after(entry: CartEntry, items: dict[str, CartItem]) -> list[CartItem]:
    if entry.kind == "item_added":
        assert entry.sku is not None
        assert entry.quantity is not None
        assert entry.unit_price is not None
        before = items.get(entry.sku)
        items[entry.sku] = CartItem(
            sku=entry.sku,
            quantity=entry.quantity + (before.quantity if before else 0),
            unit_price=entry.unit_price,
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


class Cart(Chronicled):
    timeline_limit: ClassVar[int] = 100
    """A cart's document is rewritten at each event: it keeps its latest 100 on its timeline."""
    storefront_id: str
    through: int = 0
    """Every event up to this sequence arrived and is in ``settled``."""
    settled: CartState = CartState()
    pending: list[CartEntry] = []
    """Events that came after a gap (a lower sequence not yet arrived), in sequence order."""
    # The cart as its events say (settled, then pending), kept for queries and the scan.
    currency: str | None = None
    branch_id: str | None = None
    cart_url: str | None = None
    customer_id: str | None = None
    email: str | None = None
    recovery_emails: bool = True
    items: list[CartItem] = []
    checkout_sequence: int | None = None
    status: CartStatus = CartStatus.OPEN
    created_at: datetime
    last_activity_at: datetime
    """When the cart last changed (this service's clock): what idle time is measured from."""
    order_id: str | None = None
    checkout_refusal: str | None = None
    recovery: Recovery = Recovery()
    value: Decimal | None = None
    """The grand total by the shared pricing rules; ``None`` until it can be priced."""
    pricing_problem: str | None = None
    """Why it cannot be priced (e.g. ``unknown_tax_rate``)."""

    def price(self, rates: Mapping[str, TaxRate]) -> None:
        """Value the cart with the shared pricing rules (tax-exclusive prices, rounded per
        cart); an empty cart is worth 0, a cart without its currency yet is not valued."""
        self.pricing_problem = None
        if self.currency is None:
            self.value = None
        elif not self.items:
            self.value = Decimal(0)
        else:
            try:
                priced = price_document(self.items, PricingTerms(), rates, currency=self.currency)
            except PricingError as problem:
                self.value, self.pricing_problem = None, problem.reason
            else:
                self.value = priced.grand_total

    @classmethod
    def start(cls, event: CartEvent, *, now: datetime) -> Cart:
        """A cart first heard of by ``event`` (not necessarily its ``created``)."""
        cart = cls(
            id=event.cart_id,
            storefront_id=event.storefront_id,
            created_at=now,
            last_activity_at=now,
        )
        cart.apply(event, now=now)
        return cart

    def apply(self, event: CartEvent, *, now: datetime) -> bool:
        """Take one storefront event; tell whether it was new (a sequence seen is ignored)."""
        if event.storefront_id != self.storefront_id:
            raise ForeignCart(
                f"Cart {self.id} belongs to storefront {self.storefront_id}, "
                f"not {event.storefront_id}."
            )
        if event.sequence <= self.through or any(
            entry.sequence == event.sequence for entry in self.pending
        ):
            return False
        if len(self.pending) >= MAX_EVENTS:
            raise CartTooLong(f"Cart {self.id} waits for {MAX_EVENTS} events already.")
        self.pending = sorted([*self.pending, CartEntry.of(event)], key=lambda e: e.sequence)
        # Events that follow every earlier one are settled for good: only those after a gap
        # are kept, so a cart's document stays small when events come in order.
        while self.pending and self.pending[0].sequence == self.through + 1:
            self.settled.take(self.pending.pop(0))
            self.through += 1
        self.last_activity_at = max(self.last_activity_at, now)
        self.recovery.finished = False
        self._show()
        self.saw(event)
        return True

    @property
    def event_count(self) -> int:
        return self.through + len(self.pending)

    @property
    def missing_sequences(self) -> list[int]:
        """Sequences before the latest one that have not arrived yet."""
        seen = {entry.sequence for entry in self.pending}
        last = max(seen, default=0)
        return [n for n in range(self.through + 1, last) if n not in seen]

    @property
    def checkout_due(self) -> bool:
        """Checked out, every earlier event arrived, and no sales order made yet."""
        if self.checkout_sequence is None or self.status is not CartStatus.OPEN:
            return False
        return all(n > self.checkout_sequence for n in self.missing_sequences)

    @property
    def is_open(self) -> bool:
        return self.status is CartStatus.OPEN and self.checkout_sequence is None

    def _show(self) -> None:
        """The cart as its events say, in sequence order: the settled ones, then those that
        came after a gap."""
        state = self.settled.model_copy()  # take() replaces fields, never changes them in place
        for entry in self.pending:
            state.take(entry)
        for name in CartState.model_fields:
            setattr(self, name, getattr(state, name))

    def checkout_problem(self) -> str | None:
        """Why the checked-out cart cannot become a sales order, if it cannot."""
        if self.currency is None or self.branch_id is None:
            return "cart_not_created"
        if not self.items:
            return "empty_cart"
        return None

    def converting(self) -> None:
        """The sales order is being made from the cart."""
        self.status = CartStatus.CHECKING_OUT

    def converted(self, order_id: str) -> None:
        self.status, self.order_id = CartStatus.CHECKED_OUT, order_id

    def refused(self, order_id: str | None, reason: str) -> None:
        self.status, self.order_id = CartStatus.CHECKOUT_FAILED, order_id
        self.checkout_refusal = reason


class ForeignCart(DomainError):
    """An event names a cart that another storefront owns."""

    reason = "foreign_cart"


class CartTooLong(DomainError):
    """A cart with more events than a cart is allowed."""

    reason = "cart_too_long"

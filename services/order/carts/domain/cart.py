"""A storefront cart, computed from the storefront's events in their sequence order.

Storefronts deliver at least once and in any order. The cart keeps each event it applied by
its ``sequence`` (a sequence seen before changes nothing, whatever its message id) and derives
its contents by replaying them in sequence order, so the same events give the same cart however
they arrived. A checkout takes effect once every earlier sequence has arrived: the cart that
becomes a sales order is the one the customer saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel

from services.order.carts.domain.contents import CartEntry, CartItem, CartState
from services.order.common.domain.timeline import Chronicled
from services.order.pricing.domain.storefront import StorefrontNotConfigured, StorefrontPrices
from shared.contracts.carts import CartCheckoutFailed, CartEvent
from shared.contracts.common import OrderLine
from shared.contracts.orders import LineAvailability
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
    CLEARED = "cleared"
    """The storefront cleared it: not an active cart (an item added later opens it again)."""


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
    cleared: bool = False
    status: CartStatus = CartStatus.OPEN
    created_at: datetime
    last_activity_at: datetime
    """When the cart last changed (this service's clock): what idle time is measured from."""
    order_id: str | None = None
    checkout_refusal: str | None = None
    checkout_detail: str | None = None
    """The refusal in a sentence (for stock: each item, wanted and available)."""
    checkout_shortages: list[LineAvailability] = []
    held_items: list[str] = []
    """Items the price list does not know, held at checkout (the order waits for a person)."""
    recovery: Recovery = Recovery()
    value: Decimal | None = None
    """The grand total by the shared pricing rules; ``None`` until it can be priced."""
    pricing_problem: str | None = None
    """Why it cannot be priced (e.g. ``unknown_tax_rate``)."""

    def price(self, rates: Mapping[str, TaxRate], prices: StorefrontPrices | None) -> None:
        """Price each item from the storefront's price list (``None``: not configured; the
        storefront's own price is kept beside) and value the cart with the shared pricing rules
        (tax-exclusive prices, rounded per cart): the items the list knows. An empty cart is
        worth 0; a cart without its currency yet, or of a storefront without a price list, is
        not valued."""
        self.items = [
            item.priced(prices.price_of(item.sku) if prices else None, item.sent_price)
            for item in self.items
        ]
        self.value, self.pricing_problem = None, None
        if self.currency is None:
            return
        if prices is None and self.items:
            self.pricing_problem = StorefrontNotConfigured.reason
            return
        lines = [
            OrderLine(
                sku=item.sku,
                quantity=item.quantity,
                unit_price=item.unit_price,
                tax_codes=item.tax_codes,
            )
            for item in self.items
            if item.unit_price is not None
        ]
        if not lines:
            self.value = Decimal(0)
            return
        try:
            if prices is not None:
                prices.price_list.check_usable(
                    currency=self.currency, branch_id=self.branch_id or ""
                )
            priced = price_document(lines, PricingTerms(), rates, currency=self.currency)
        except (PricingError, DomainError) as problem:
            self.pricing_problem = problem.reason
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
        if self.checkout_sequence is None or self.status not in ACTIVE:
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
        if self.status in ACTIVE:
            self.status = CartStatus.CLEARED if self.cleared else CartStatus.OPEN

    def checkout_problem(self) -> tuple[str, str] | None:
        """Why the checked-out cart cannot become a sales order (reason, sentence), if not."""
        if self.currency is None or self.branch_id is None:
            return "cart_not_created", (
                f"Cart {self.id} was checked out but its created event (currency, branch) "
                "never arrived."
            )
        if not self.items:
            return "empty_cart", f"Cart {self.id} was checked out with no items in it."
        return None

    def converting(self) -> None:
        """The sales order is being made from the cart."""
        self.status = CartStatus.CHECKING_OUT

    def converted(self, order_id: str, *, held_items: Sequence[str] = ()) -> None:
        self.status, self.order_id = CartStatus.CHECKED_OUT, order_id
        self.held_items = list(held_items)

    def refused(
        self,
        order_id: str | None,
        reason: str,
        detail: str,
        shortages: Sequence[LineAvailability] = (),
    ) -> None:
        """The checkout made no submitted sales order: say why, in the cart and in an event."""
        self.status, self.order_id = CartStatus.CHECKOUT_FAILED, order_id
        self.checkout_refusal, self.checkout_detail = reason, detail
        self.checkout_shortages = list(shortages)
        self.record(
            CartCheckoutFailed(
                cart_id=self.id,
                storefront_id=self.storefront_id,
                order_id=order_id,
                reason=reason,
                detail=detail,
                shortages=self.checkout_shortages,
                correlation_id=self.id,
            )
        )


ACTIVE = frozenset({CartStatus.OPEN, CartStatus.CLEARED})
"""A cart the storefront's events still shape (not checked out)."""


class ForeignCart(DomainError):
    """An event names a cart that another storefront owns."""

    reason = "foreign_cart"


class CartTooLong(DomainError):
    """A cart with more events than a cart is allowed."""

    reason = "cart_too_long"

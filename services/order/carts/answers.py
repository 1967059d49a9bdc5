"""What the cart queries answer: a cart, a list of carts, the recovery figures.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime

from services.order.carts.domain.cart import CartStatus
from services.order.common.answers import TimelineEntryAnswer
from shared.contracts import (
    LineAvailability,
)
from shared.contracts.common import DecimalText
from shared.http import Answer

# --- GET /carts, /carts/recovery ----------------------------------------------------------


class CartItemAnswer(Answer):
    """An item in the cart, at the business's price and the storefront's."""

    sku: str
    quantity: DecimalText
    unit_price: DecimalText | None = None
    storefront_unit_price: DecimalText | None = None
    price_difference: DecimalText | None = None
    name: str | None = None
    tax_codes: list[str] = []


class SentStepAnswer(Answer):
    """A reminder that went out, and the round of idleness it was for."""

    step: int
    at: datetime
    round_started: datetime


class RecoveryAnswer(Answer):
    """Where the cart's recovery stands: abandoned, reminders sent, recovered."""

    abandoned_at: datetime | None = None
    sent: list[SentStepAnswer] = []
    held_since: datetime | None = None
    recovered_after_step: int | None = None
    finished: bool = False


class CartListed(Answer):
    """A storefront cart as its events say: items, customer, value, status and recovery."""

    cart_id: str
    storefront_id: str
    through: int = 0
    currency: str | None = None
    branch_id: str | None = None
    cart_url: str | None = None
    customer_id: str | None = None
    email: str | None = None
    recovery_emails: bool = True
    items: list[CartItemAnswer] = []
    checkout_sequence: int | None = None
    cleared: bool = False
    status: CartStatus = CartStatus.OPEN
    created_at: datetime
    last_activity_at: datetime
    order_id: str | None = None
    checkout_refusal: str | None = None
    checkout_detail: str | None = None
    checkout_shortages: list[LineAvailability] = []
    held_items: list[str] = []
    recovery: RecoveryAnswer = RecoveryAnswer()
    value: DecimalText | None = None
    pricing_problem: str | None = None
    version: int


class CartAnswer(CartListed):
    """One cart, with its timeline, its items' stock and the events still missing."""

    timeline: list[TimelineEntryAnswer] = []
    in_stock: dict[str, bool | None]
    missing_sequences: list[int]
    event_count: int


class RecoveryStepAnswer(Answer):
    step: int
    recovered: int
    revenue: DecimalText


class CartRecoveryAnswer(Answer):
    """A storefront's abandoned and recovered carts, and per reminder step the carts it
    recovered and their revenue."""

    storefront_id: str
    abandoned: int
    recovered: int
    recovery_rate: DecimalText
    steps: list[RecoveryStepAnswer]

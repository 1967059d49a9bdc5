"""Abandoned-cart recovery: when a cart counts as abandoned, and which reminder is due.

A cart idle for ``abandon_after`` with a known e-mail is abandoned. Reminder step *k* is due
once the cart has been idle for ``steps[k-1]`` (1 h, 24 h, 72 h by default). The rules:

- only an open cart with items and an e-mail whose owner did not opt out gets reminders;
- checkout stops the sequence (the cart is no longer open);
- a change to the cart restarts it: steps count from the latest change, and the steps sent
  before it no longer count;
- within one round each step is sent at most once; when the service was away past several
  steps, only the latest of them is sent (a customer never gets a burst of reminders);
- while an item of the cart is out of stock the due step waits; it goes out once the stock is
  back (if no later step became due meanwhile, which then goes instead).

Pure: every function takes the time it decides at (``now``), so tests move the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from services.order.carts.domain.cart import Cart, Recovery, SentStep


@dataclass(frozen=True)
class RecoveryPolicy:
    abandon_after: timedelta
    steps: Sequence[timedelta]

    def __post_init__(self) -> None:
        if not self.steps or list(self.steps) != sorted(self.steps):
            msg = "recovery steps must be one or more delays in increasing order"
            raise ValueError(msg)


class Decision(StrEnum):
    NOTHING = "nothing"
    ABANDONED = "abandoned"
    """Newly abandoned, no step due yet."""
    HOLD = "hold"
    """A step is due but an item is out of stock."""
    SEND = "send"


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    step: int | None = None


def can_remind(cart: Cart) -> bool:
    """Open, not empty, with an e-mail, and its owner did not opt out."""
    return cart.is_open and bool(cart.items) and cart.email is not None and cart.recovery_emails


def decide(
    cart: Cart,
    recovery: Recovery,
    policy: RecoveryPolicy,
    *,
    now: datetime,
    in_stock: Mapping[str, bool | None],
) -> Outcome:
    """What the recovery job does with ``cart`` at ``now``, and records it on ``recovery``.

    ``in_stock`` says per sku whether the branch can serve the cart's quantity (``None``:
    unknown, which does not hold a reminder)."""
    if not can_remind(cart):
        return Outcome(Decision.NOTHING)
    idle = now - cart.last_activity_at
    if idle < policy.abandon_after:
        return Outcome(Decision.NOTHING)
    newly = recovery.abandoned_at is None
    if newly:
        recovery.abandoned_at = now
    step = due_step(policy, idle, recovery.steps_this_round(cart.last_activity_at))
    if step is None:
        return Outcome(Decision.ABANDONED if newly else Decision.NOTHING)
    if any(in_stock.get(item.sku) is False for item in cart.items):
        recovery.held_since = recovery.held_since or now
        return Outcome(Decision.HOLD, step)
    recovery.held_since = None
    recovery.sent.append(SentStep(step=step, at=now, round_started=cart.last_activity_at))
    recovery.finished = step == len(policy.steps)
    return Outcome(Decision.SEND, step)


def due_step(policy: RecoveryPolicy, idle: timedelta, sent: Sequence[int]) -> int | None:
    """The latest step whose delay has passed, if it is later than every step sent."""
    elapsed = [n for n, delay in enumerate(policy.steps, start=1) if idle >= delay]
    if not elapsed:
        return None
    latest = elapsed[-1]
    return latest if latest > max(sent, default=0) else None


def checked_out(recovery: Recovery) -> None:
    """A cart checked out after a reminder is recovered by the last step sent."""
    recovery.recovered_after_step = recovery.last_step


@dataclass(frozen=True)
class CartFigures:
    """One cart's part in its storefront's recovery figures."""

    abandoned: bool
    recovered_after_step: int | None
    revenue: Decimal


@dataclass
class StorefrontFigures:
    storefront_id: str
    abandoned: int = 0
    recovered: int = 0
    revenue_by_step: dict[int, Decimal] = field(default_factory=dict)
    recovered_by_step: dict[int, int] = field(default_factory=dict)

    @property
    def recovery_rate(self) -> Decimal:
        """Recovered carts per abandoned cart, 0 to 1 (4 decimals); 0 without abandoned carts."""
        if not self.abandoned:
            return Decimal(0)
        return (Decimal(self.recovered) / Decimal(self.abandoned)).quantize(Decimal("0.0001"))


def figures(storefront_id: str, carts: Sequence[CartFigures]) -> StorefrontFigures:
    """Abandoned and recovered carts, the rate and revenue per step, of one storefront."""
    result = StorefrontFigures(storefront_id)
    for cart in carts:
        result.abandoned += cart.abandoned
        if (step := cart.recovered_after_step) is None:
            continue
        result.recovered += 1
        result.recovered_by_step[step] = result.recovered_by_step.get(step, 0) + 1
        result.revenue_by_step[step] = result.revenue_by_step.get(step, Decimal(0)) + cart.revenue
    return result

"""Abandoned-cart recovery rules, on a clock the tests move: when a cart is abandoned, which
reminder is due, what holds or stops one, and the figures per storefront."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.order.carts.domain.cart import Cart, Recovery
from services.order.carts.domain.recovery import (
    CartFigures,
    Decision,
    Outcome,
    RecoveryPolicy,
    can_remind,
    checked_out,
    decide,
    due_step,
    figures,
)
from tests.support.storefront import CartScript

D = Decimal
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
POLICY = RecoveryPolicy(abandon_after=H / 2, steps=[H, 24 * H, 72 * H])


def abandoned_cart(*, email: str | None = "a@example.com", opted_in: bool = True) -> Cart:
    s = CartScript("C1")
    cart = Cart.start(s.created(), now=T0)
    cart.apply(s.added("A", "2", "3.00"), now=T0)
    if email is not None:
        cart.apply(s.identified(email, opted_in=opted_in), now=T0)
    return cart


def at(cart: Cart, after: timedelta, **stock: bool | None) -> Outcome:
    return decide(cart, cart.recovery, POLICY, now=T0 + after, in_stock=stock)


def test_steps_must_be_given_in_increasing_order() -> None:
    with pytest.raises(
        ValueError, match=r"^recovery steps must be one or more delays in increasing order$"
    ):
        RecoveryPolicy(abandon_after=H, steps=[2 * H, H])
    with pytest.raises(ValueError, match="one or more"):
        RecoveryPolicy(abandon_after=H, steps=[])
    assert RecoveryPolicy(abandon_after=H, steps=[H, H]).steps == [H, H]


def test_who_gets_reminders() -> None:
    assert can_remind(abandoned_cart())
    assert not can_remind(abandoned_cart(email=None))
    assert not can_remind(abandoned_cart(opted_in=False))
    empty = abandoned_cart()
    empty.items = []
    assert not can_remind(empty)
    checked = abandoned_cart()
    checked.checkout_sequence = 9
    assert not can_remind(checked)


def test_an_idle_cart_is_abandoned_then_gets_each_step_once() -> None:
    cart = abandoned_cart()
    assert at(cart, H / 2 - timedelta(seconds=1)) == Outcome(Decision.NOTHING)
    assert cart.recovery.abandoned_at is None
    assert at(cart, H / 2) == Outcome(Decision.ABANDONED)
    assert cart.recovery.abandoned_at == T0 + H / 2
    assert at(cart, H / 2 + timedelta(minutes=1)) == Outcome(Decision.NOTHING)
    assert at(cart, H) == Outcome(Decision.SEND, 1)
    assert at(cart, 2 * H) == Outcome(Decision.NOTHING)
    assert at(cart, 24 * H) == Outcome(Decision.SEND, 2)
    assert at(cart, 72 * H) == Outcome(Decision.SEND, 3)
    assert cart.recovery.finished
    assert at(cart, 100 * H) == Outcome(Decision.NOTHING)
    assert [s.step for s in cart.recovery.sent] == [1, 2, 3]
    assert cart.recovery.sent[1].at == T0 + 24 * H
    assert cart.recovery.abandoned_at == T0 + H / 2  # counted once


def test_a_cart_found_late_gets_only_the_latest_step() -> None:
    cart = abandoned_cart()
    assert at(cart, 30 * H) == Outcome(Decision.SEND, 2)
    assert cart.recovery.abandoned_at == T0 + 30 * H
    assert not cart.recovery.finished
    assert at(cart, 31 * H) == Outcome(Decision.NOTHING)


def test_a_cart_without_email_or_opted_out_is_not_abandoned() -> None:
    for cart in (abandoned_cart(email=None), abandoned_cart(opted_in=False)):
        assert at(cart, 80 * H) == Outcome(Decision.NOTHING)
        assert cart.recovery.abandoned_at is None


def test_a_change_restarts_the_round() -> None:
    cart = abandoned_cart()
    assert at(cart, H) == Outcome(Decision.SEND, 1)
    cart.apply(
        CartScript("C1").added("B", "1", "1.00").model_copy(update={"sequence": 9}), now=T0 + 2 * H
    )
    assert cart.recovery.finished is False  # the scan looks for exactly False
    assert at(cart, 2 * H + H / 2) == Outcome(Decision.NOTHING)
    assert at(cart, 3 * H) == Outcome(Decision.SEND, 1)
    assert [s.round_started for s in cart.recovery.sent] == [T0, T0 + 2 * H]
    assert cart.recovery.steps_this_round(T0 + 2 * H) == [1]


def test_an_out_of_stock_item_holds_the_due_step() -> None:
    cart = abandoned_cart()
    assert at(cart, H, A=False) == Outcome(Decision.HOLD, 1)
    assert cart.recovery.held_since == T0 + H
    assert at(cart, 2 * H, A=False) == Outcome(Decision.HOLD, 1)
    assert cart.recovery.held_since == T0 + H
    assert cart.recovery.sent == []
    assert at(cart, 3 * H, A=True) == Outcome(Decision.SEND, 1)
    assert cart.recovery.held_since is None


def test_unknown_stock_does_not_hold() -> None:
    cart = abandoned_cart()
    assert at(cart, H, A=None) == Outcome(Decision.SEND, 1)


def test_a_hold_past_the_next_step_sends_that_step() -> None:
    cart = abandoned_cart()
    assert at(cart, H, A=False) == Outcome(Decision.HOLD, 1)
    assert at(cart, 25 * H, A=True) == Outcome(Decision.SEND, 2)


def test_the_due_step_is_the_latest_elapsed_after_those_sent() -> None:
    steps = RecoveryPolicy(abandon_after=H, steps=[H, 2 * H, 3 * H])
    assert due_step(steps, H - timedelta(seconds=1), []) is None
    assert due_step(steps, H, []) == 1
    assert due_step(steps, 2 * H, []) == 2
    assert due_step(steps, 2 * H, [1]) == 2
    assert due_step(steps, 2 * H, [2]) is None
    assert due_step(steps, 5 * H, [3]) is None
    assert due_step(steps, 5 * H, [1, 2]) == 3


def test_a_checkout_after_a_reminder_is_recovered_by_the_last_step() -> None:
    recovery = Recovery()
    checked_out(recovery)
    assert recovery.recovered_after_step is None
    cart = abandoned_cart()
    at(cart, H)
    at(cart, 24 * H)
    checked_out(cart.recovery)
    assert cart.recovery.recovered_after_step == 2
    assert cart.recovery.last_step == 2


def test_recovery_figures_per_storefront() -> None:
    found = figures(
        "demo",
        [
            CartFigures(abandoned=True, recovered_after_step=1, revenue=D("10.00")),
            CartFigures(abandoned=True, recovered_after_step=1, revenue=D("5.50")),
            CartFigures(abandoned=True, recovered_after_step=3, revenue=D("7.00")),
            CartFigures(abandoned=True, recovered_after_step=None, revenue=D("99")),
            CartFigures(abandoned=False, recovered_after_step=None, revenue=D("1")),
            CartFigures(abandoned=True, recovered_after_step=None, revenue=D("2")),
        ],
    )
    assert found.storefront_id == "demo"
    assert (found.abandoned, found.recovered) == (5, 3)
    assert found.recovery_rate == D("0.6")
    assert found.recovered_by_step == {1: 2, 3: 1}
    assert found.revenue_by_step == {1: D("15.50"), 3: D("7.00")}


def test_the_rate_is_rounded_and_zero_without_abandoned_carts() -> None:
    assert figures("x", []).recovery_rate == 0
    thirds = figures(
        "x",
        [
            CartFigures(abandoned=True, recovered_after_step=1, revenue=D(1)),
            CartFigures(abandoned=True, recovered_after_step=None, revenue=D(1)),
            CartFigures(abandoned=True, recovered_after_step=None, revenue=D(1)),
        ],
    )
    assert str(thirds.recovery_rate) == "0.3333"

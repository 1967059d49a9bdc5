"""Amount thresholds: which levels of a cycle apply to an order's total, at and around the
boundary, in the base currency, per currency, converted, and with no way to compare."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.approval.domain import ApprovalRequest, Cycle, RequestStatus, User, UserDetails
from services.approval.domain.resolution import Resolved
from services.approval.domain.thresholds import Rates, route_levels
from shared.contracts import (
    ApprovalApproved,
    ApprovalBasis,
    ApprovalPending,
    DefineCycle,
    LevelRule,
    OrderKind,
    Person,
)

RATES = Rates("USD", {"EUR": Decimal("1.10"), "JPY": Decimal("0.0067")})
ALWAYS = LevelRule(approver="named_user", user_id="adam")
ABOVE_10K = LevelRule(approver="named_user", user_id="ann", above=Decimal("10000"))


def applies(rule: LevelRule, total: str, currency: str = "USD") -> bool:
    [routed] = route_levels([rule], total=Decimal(total), currency=currency, rates=RATES)
    return routed.applies


@pytest.mark.parametrize(
    ("total", "expected"),
    [("9999.99", False), ("10000.00", False), ("10000", False), ("10000.01", True)],
)
def test_a_level_applies_only_above_its_threshold_not_at_it(total: str, expected: bool) -> None:
    assert applies(ABOVE_10K, total) is expected


def test_a_level_without_threshold_always_applies_and_says_so() -> None:
    [routed] = route_levels([ALWAYS], total=Decimal(0), currency="XYZ", rates=RATES)
    assert routed.applies
    assert routed.why == "no threshold: always"
    assert routed.threshold is None


def test_level_one_always_and_level_two_above_ten_thousand() -> None:
    small, big = (
        route_levels([ALWAYS, ABOVE_10K], total=Decimal(t), currency="USD", rates=RATES)
        for t in ("5", "500000")
    )
    assert [r.applies for r in small] == [True, False]
    assert [r.applies for r in big] == [True, True]
    assert [r.cycle_level for r in big] == [1, 2]
    assert small[1].why == "5 USD, not above the threshold 10000 USD"
    assert big[1].why == "500000 USD, above the threshold 10000 USD"
    assert (big[1].amount, big[1].threshold, big[1].threshold_currency) == (
        Decimal(500000),
        Decimal(10000),
        "USD",
    )


@pytest.mark.parametrize(
    ("total", "expected"),
    # 9090.91 EUR x 1.10 = 10000.001 -> 10000.00 USD (not above); 9090.92 -> 10000.01
    [("9090.90", False), ("9090.91", False), ("9090.92", True)],
)
def test_another_currency_converts_at_its_rate_rounded_to_the_base_minor_unit(
    total: str, expected: bool
) -> None:
    [routed] = route_levels([ABOVE_10K], total=Decimal(total), currency="EUR", rates=RATES)
    assert routed.applies is expected
    assert routed.rate == Decimal("1.10")
    assert routed.threshold_currency == "USD"
    assert routed.amount == (Decimal(total) * Decimal("1.10")).quantize(Decimal("0.01"))


def test_rounding_is_half_to_even_at_the_boundary() -> None:
    # 10000.005 rounds to 10000.00 (even): not above 10000
    rates = Rates("USD", {"GBP": Decimal("0.5")})
    [routed] = route_levels([ABOVE_10K], total=Decimal("20000.01"), currency="GBP", rates=rates)
    assert routed.amount == Decimal("10000.00")
    assert not routed.applies


def test_a_currency_threshold_wins_over_the_converted_one_and_is_compared_as_is() -> None:
    rule = ABOVE_10K.model_copy(update={"above_in": {"EUR": Decimal("5000")}})
    assert applies(rule, "5000.01", "EUR")
    assert not applies(rule, "5000", "EUR")
    [routed] = route_levels([rule], total=Decimal("5000.01"), currency="EUR", rates=RATES)
    assert routed.threshold_currency == "EUR"
    assert routed.rate is None


def test_an_order_in_a_currency_with_no_threshold_and_no_rate_enters_the_level_saying_why() -> None:
    [routed] = route_levels([ABOVE_10K], total=Decimal("1"), currency="CHF", rates=RATES)
    assert routed.applies
    assert "no rate from CHF to USD" in routed.why
    only_eur = LevelRule(approver="named_user", user_id="ann", above_in={"EUR": Decimal("5")})
    [routed] = route_levels([only_eur], total=Decimal("1"), currency="USD", rates=RATES)
    assert routed.applies
    assert "no threshold for USD" in routed.why


def test_a_threshold_below_zero_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError, match="above"):
        LevelRule(approver="named_user", user_id="ann", above="-0.01")
    with pytest.raises(ValidationError, match="above_in"):
        LevelRule(approver="named_user", user_id="ann", above_in={"EUR": "-1"})
    assert LevelRule(approver="named_user", user_id="ann", above="0").above == 0


@pytest.mark.parametrize(
    ("remind", "escalate", "error"),
    [
        (timedelta(0), None, "remind_after must be above zero"),
        (None, timedelta(seconds=-1), "escalate_after must be above zero"),
        (timedelta(hours=2), timedelta(hours=2), "longer than remind_after"),
        (timedelta(hours=3), timedelta(hours=2), "longer than remind_after"),
    ],
)
def test_intervals_must_be_positive_and_escalation_after_the_reminder(
    remind: timedelta | None, escalate: timedelta | None, error: str
) -> None:
    with pytest.raises(ValidationError, match=error):
        DefineCycle(
            cycle_id="C",
            name="C",
            order_kind=OrderKind.PURCHASE,
            levels=[ALWAYS],
            fallback_approver_id="adam",
            remind_after=remind,
            escalate_after=escalate,
            defined_by="root",
        )


def _cycle() -> Cycle:
    users = {"adam": User.register("adam", UserDetails(name="A", admin=True))}
    users["ann"] = User.register("ann", UserDetails(name="N", admin=True))
    cycle = Cycle.new("C", OrderKind.PURCHASE)
    cycle.define(
        name="C",
        order_kind=OrderKind.PURCHASE,
        levels=[ABOVE_10K.model_copy(update={"above": Decimal(100)}), ABOVE_10K],
        notify=True,
        fallback_approver_id=None,
        by="root",
        users=users,
    )
    return cycle


def _open(total: str) -> ApprovalRequest:
    cycle = _cycle()
    routing = route_levels(cycle.levels, total=Decimal(total), currency="USD", rates=RATES)
    first = [rule for rule, r in zip(cycle.levels, routing, strict=True) if r.applies]
    return ApprovalRequest.open(
        order_id="PO-1",
        order_kind=OrderKind.PURCHASE,
        party_id="V",
        attempt=1,
        creator=Person(user_id="alice"),
        cycle=cycle,
        first_approver=Resolved(Person(user_id=first[0].user_id or ""), "named") if first else None,
        routing=routing,
    )


def test_no_level_applying_approves_at_once_and_says_why() -> None:
    request = _open("100")
    assert request.status is RequestStatus.APPROVED
    assert request.decided_at == request.opened_at
    [approved] = request.collect_events()
    assert isinstance(approved, ApprovalApproved)
    assert approved.basis is ApprovalBasis.BELOW_THRESHOLDS
    assert [r.applies for r in approved.routing] == [False, False]
    assert approved.notify  # the cycle's approved e-mail goes out as for any approval


def test_only_the_levels_that_apply_are_entered_and_numbered_among_themselves() -> None:
    request = _open("5000")
    [pending] = request.collect_events()
    assert isinstance(pending, ApprovalPending)
    assert (pending.level, pending.levels) == (1, 1)
    assert [r.applies for r in pending.routing] == [True, False]
    assert len(request.levels) == 1
    two = _open("10000.01")
    [pending] = two.collect_events()
    assert isinstance(pending, ApprovalPending)
    assert (pending.level, pending.levels) == (1, 2)


def test_the_why_of_each_case_is_spelled_out() -> None:
    only_eur = LevelRule(
        approver="named_user", user_id="ann", above_in={"GBP": Decimal(5), "EUR": Decimal(5)}
    )
    [routed] = route_levels([only_eur], total=Decimal(1), currency="USD", rates=RATES)
    assert routed.why == "no threshold for USD (only for EUR, GBP): applies"
    [routed] = route_levels([ABOVE_10K], total=Decimal(1), currency="CHF", rates=RATES)
    assert (
        routed.why
        == "no threshold for CHF and no rate from CHF to USD: applies, whatever the total"
    )
    assert (routed.threshold, routed.threshold_currency, routed.amount) == (
        Decimal(10000),
        "USD",
        None,
    )
    [routed] = route_levels([ABOVE_10K], total=Decimal(10000), currency="EUR", rates=RATES)
    assert routed.why == "10000 EUR at 1.10 is 11000.00 USD, above the threshold 10000 USD"


def test_conversion_rounds_to_the_base_currency_s_own_minor_unit() -> None:
    yen = Rates("JPY", {"USD": Decimal("150.5")})
    rule = LevelRule(approver="named_user", user_id="ann", above=Decimal(1506))
    [routed] = route_levels([rule], total=Decimal("10.01"), currency="USD", rates=yen)
    assert routed.amount == Decimal(1507)  # 1506.505 yen, to the yen
    assert routed.applies

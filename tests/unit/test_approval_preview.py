"""The routing preview (who would approve an order before it is submitted): the cycle's
levels against the total at, just below and just above each threshold, the approver each level
would wait for (the manager, the named admin, the fallback, an away approver's delegate), and
a party in no cycle; the same rules a submission follows, nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.approval.domain import Cycle, User
from services.approval.domain.preview import RoutingPlan, preview_routing
from services.approval.domain.thresholds import Rates
from services.approval.domain.users import Away
from shared.contracts import ApproverRule, LevelRule, OrderKind

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
RATES = Rates("USD", {"EUR": Decimal("1.10")})
MANAGER = LevelRule(approver=ApproverRule.CREATOR_MANAGER)


def named(user_id: str, above: str | None = None) -> LevelRule:
    return LevelRule(
        approver=ApproverRule.NAMED_USER,
        user_id=user_id,
        above=Decimal(above) if above is not None else None,
    )


def away(delegate_id: str, *, starts: timedelta = -timedelta(hours=1)) -> Away:
    return Away(
        delegate_id=delegate_id,
        starts_at=NOW + starts,
        ends_at=NOW + timedelta(days=1),
        set_by="root",
    )


def directory(**changes: dict[str, Any]) -> dict[str, User]:
    """alice (manager mary), mary, adam and ann (admins), dave; ``changes`` per user."""
    people: dict[str, dict[str, Any]] = {
        "alice": {"name": "Alice", "manager_id": "mary"},
        "mary": {"name": "Mary"},
        "adam": {"name": "Adam", "admin": True},
        "ann": {"name": "Ann", "admin": True},
        "dave": {"name": "Dave"},
    }
    return {
        user_id: User(id=user_id, **(fields | changes.get(user_id, {})))
        for user_id, fields in people.items()
    }


def cycle(*levels: LevelRule, fallback: str | None = "ann") -> Cycle:
    return Cycle(
        id="C",
        name="C",
        order_kind=OrderKind.PURCHASE,
        levels=list(levels),
        fallback_approver_id=fallback,
    )


def preview(
    found: Cycle | None,
    total: str,
    *,
    currency: str = "USD",
    creator: str = "alice",
    users: dict[str, User] | None = None,
) -> RoutingPlan:
    return preview_routing(
        found,
        total=Decimal(total),
        currency=currency,
        rates=RATES,
        creator_id=creator,
        users=directory() if users is None else users,
        now=NOW,
    )


def approvers(plan: RoutingPlan) -> list[tuple[bool, str | None, str | None]]:
    return [(level.applies, level.approver_id, level.delegated_from) for level in plan.levels]


@pytest.mark.parametrize(
    ("total", "second_applies"),
    [("10000.00", False), ("9999.99", False), ("10000.01", True)],
)
def test_a_level_applies_only_above_its_threshold(total: str, second_applies: bool) -> None:
    plan = preview(cycle(MANAGER, named("adam", "10000")), total)
    assert plan.cycle_id == "C"
    assert [level.level for level in plan.levels] == [1, 2]
    assert [level.rule for level in plan.levels] == [
        ApproverRule.CREATOR_MANAGER,
        ApproverRule.NAMED_USER,
    ]
    first, second = plan.levels
    assert (first.applies, first.approver_id, first.approver_name) == (True, "mary", "Mary")
    assert first.routing.why == "no threshold: always"
    assert second.applies is second_applies
    assert second.approver_id == ("adam" if second_applies else None)
    assert second.approver_name == ("Adam" if second_applies else None)
    assert second.routing.threshold == Decimal("10000")
    assert second.routing.amount == Decimal(total)
    relation = "above" if second_applies else "not above"
    assert second.routing.why == f"{total} USD, {relation} the threshold 10000 USD"
    assert plan.auto_approved is False


def test_no_level_applying_or_no_cycle_is_approved_at_once() -> None:
    below = preview(cycle(named("adam", "100"), named("ann", "1000")), "100")
    assert approvers(below) == [(False, None, None), (False, None, None)]
    assert below.auto_approved is True
    alone = preview(None, "5000000")
    assert (alone.cycle_id, alone.levels, alone.auto_approved) == (None, [], True)


def test_an_order_in_another_currency_is_converted_as_a_submission_would_be() -> None:
    plan = preview(cycle(named("adam", "1100")), "1000.01", currency="EUR")
    [level] = plan.levels
    assert level.applies is True
    assert (level.routing.amount, level.routing.rate) == (Decimal("1100.01"), Decimal("1.10"))
    at = preview(cycle(named("adam", "1100")), "1000", currency="EUR")
    assert at.levels[0].applies is False


def test_an_away_approver_is_replaced_by_their_delegate_for_them() -> None:
    users = directory(adam={"away": away("dave")}, ann={"away": away("adam")})
    plan = preview(cycle(named("adam"), named("ann")), "10", users=users)
    # dave is no admin: adam's named level goes to the fallback, ann, for adam; ann's own
    # level goes to her delegate adam (an admin), for her.
    assert approvers(plan) == [(True, "ann", "adam"), (True, "adam", "ann")]
    assert plan.levels[1].approver_name == "Adam"
    managers = directory(mary={"away": away("dave")})
    assert approvers(preview(cycle(MANAGER), "10", users=managers)) == [(True, "dave", "mary")]


def test_an_away_range_not_yet_started_changes_nothing() -> None:
    users = directory(mary={"away": away("dave", starts=timedelta(minutes=1))})
    assert approvers(preview(cycle(MANAGER), "10", users=users)) == [(True, "mary", None)]


def test_a_delegate_never_approves_their_own_order() -> None:
    # mary, alice's manager, is away with alice as her delegate: alice's order goes to the
    # fallback, for mary.
    users = directory(mary={"away": away("alice")})
    assert approvers(preview(cycle(MANAGER), "10", users=users)) == [(True, "ann", "mary")]


def test_nobody_to_approve_is_shown_as_no_approver() -> None:
    users = directory(alice={"manager_id": None})
    plan = preview(cycle(MANAGER, fallback=None), "10", users=users)
    assert approvers(plan) == [(True, None, None)]
    assert plan.auto_approved is False

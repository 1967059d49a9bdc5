"""Who would approve an order, asked before it is submitted: the routing preview.

The same rules as a submission, applied without storing anything: the cycle's levels against
the order's total (``thresholds``), and for each level that applies the approver it would wait
for if it started waiting ``now`` (``resolution``: the rule, the fallback, an away approver's
delegate). A level after the first is resolved when the one before it is approved, so the
preview of a later level says who it would be now; an away range may have started or ended by
then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.approval.domain.cycles import Cycle
from services.approval.domain.resolution import Resolved, resolve_at
from services.approval.domain.thresholds import Rates, route_levels
from services.approval.domain.users import User
from shared.contracts import ApproverRule, LevelRouting, LevelRule


@dataclass(frozen=True)
class LevelPreview:
    """One level of the cycle: whether it applies, and if so who would approve it."""

    level: int
    rule: ApproverRule
    applies: bool
    routing: LevelRouting
    approver_id: str | None = None
    approver_name: str | None = None
    delegated_from: str | None = None
    """The away approver the approver decides for."""


@dataclass(frozen=True)
class RoutingPlan:
    cycle_id: str | None
    levels: list[LevelPreview]

    @property
    def auto_approved(self) -> bool:
        """No level applies: a submission would be approved at once."""
        return not any(level.applies for level in self.levels)


def preview_routing(
    cycle: Cycle | None,
    *,
    total: Decimal,
    currency: str,
    rates: Rates,
    creator_id: str,
    users: Mapping[str, User],
    now: datetime,
) -> RoutingPlan:
    """Each level of ``cycle`` (none: the party is in no cycle) for an order of ``total``."""
    if cycle is None:
        return RoutingPlan(cycle_id=None, levels=[])
    routings = route_levels(cycle.levels, total=total, currency=currency, rates=rates)
    levels = []
    for rule, routing in zip(cycle.levels, routings, strict=True):
        resolved = None
        if routing.applies:  # a level that does not apply waits for nobody
            resolved = resolve_at(
                rule,
                creator_id=creator_id,
                fallback_id=cycle.fallback_approver_id,
                users=users,
                now=now,
            )
        levels.append(_level(rule, routing, resolved))
    return RoutingPlan(cycle_id=cycle.id, levels=levels)


def _level(rule: LevelRule, routing: LevelRouting, resolved: Resolved | None) -> LevelPreview:
    approver = resolved.approver if resolved else None
    away = resolved.on_behalf_of if resolved else None
    return LevelPreview(
        level=routing.cycle_level,
        rule=rule.approver,
        applies=routing.applies,
        routing=routing,
        approver_id=approver.user_id if approver else None,
        approver_name=approver.name if approver else None,
        delegated_from=away.user_id if away else None,
    )

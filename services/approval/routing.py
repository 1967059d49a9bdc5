"""Where a submitted order goes: its party's cycle, the levels that apply to its total, and
the credit check of a sales order. One code path for a real submission and for the preview
(``GET /routing-preview``), which stores nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from services.approval.domain import Cycle, Resolved
from services.approval.domain.credit import SETTINGS_ID, CustomerCredit
from services.approval.domain.thresholds import Rates, route_levels
from services.approval.repository import ApprovalStores
from shared.contracts import (
    ApproverRule,
    CreditCheck,
    LevelRouting,
    LevelRule,
    OrderKind,
)


@dataclass(frozen=True)
class Plan:
    """What a submission of an order would meet now."""

    cycle: Cycle | None
    routing: list[LevelRouting] | None
    """Each level of the cycle, applying or not (None without a cycle)."""
    customer: CustomerCredit | None
    """The customer's credit record, when approval holds one (sales orders)."""
    credit: CreditCheck | None
    """The credit check, with the credit approver it goes to when it applies."""

    @property
    def rules(self) -> list[LevelRule]:
        """The levels the request enters, in order: the cycle's that apply, then credit's."""
        levels = self.cycle.levels if self.cycle is not None else []
        routing = self.routing or []
        rules = [rule for rule, r in zip(levels, routing, strict=True) if r.applies]
        if self.credit is not None and self.credit.applies and self.credit.approver_id:
            rules.append(credit_rule(self.credit.approver_id))
        return rules

    @property
    def fallback_id(self) -> str | None:
        return self.cycle.fallback_approver_id if self.cycle is not None else None


def credit_rule(approver_id: str) -> LevelRule:
    return LevelRule(approver=ApproverRule.NAMED_USER, user_id=approver_id)


class Router:
    def __init__(self, stores: ApprovalStores, rates: Rates) -> None:
        self.stores = stores
        self.rates = rates

    async def plan(
        self, *, kind: OrderKind, party_id: str, order_id: str, total: Decimal, currency: str
    ) -> Plan:
        """The party's cycle and the levels that apply; for a sales order, the credit check
        against the customer's exposure (their record read once; reused for the write)."""
        stores = self.stores
        assignment, customer = await stores.parties.of(kind, party_id)
        cycle = None
        if assignment is not None and assignment.cycle_id is not None:
            cycle = await stores.cycles.get(assignment.cycle_id)
        routing = None
        if cycle is not None:
            routing = route_levels(cycle.levels, total=total, currency=currency, rates=self.rates)
        credit = None
        if customer is not None:
            credit = customer.check(order_id, total, currency, self.rates)
            credit = await self.with_approver(credit, cycle)
        return Plan(cycle=cycle, routing=routing, customer=customer, credit=credit)

    async def with_approver(
        self, credit: CreditCheck | None, cycle: Cycle | None
    ) -> CreditCheck | None:
        """The check naming its credit approver (the cycle's, else the approval-wide one)."""
        if credit is None or not credit.applies:
            return credit
        approver_id = cycle.credit_approver_id if cycle is not None else None
        if approver_id is None:
            settings = await self.stores.settings.get(SETTINGS_ID)
            approver_id = settings.credit_approver_id if settings is not None else None
        return credit.model_copy(update={"approver_id": approver_id})

    async def resolve_all(self, plan: Plan, *, creator_id: str, now: datetime) -> list[Resolved]:
        """Who each level of the cycle (applying or not) would wait for now."""
        levels = plan.cycle.levels if plan.cycle is not None else []
        return [
            await self.stores.directory.resolve(
                rule, creator_id=creator_id, fallback_id=plan.fallback_id, now=now
            )
            for rule in levels
        ]

"""``GET /routing-preview``: who would approve an order submitted now, stored nowhere.

It runs the routing a submission runs (``routing.Router``: the party's cycle, the thresholds,
the credit check, then who each level would wait for after fallback and delegation) on the
database as it is, and writes nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from services.approval.answers import PreviewCredit, PreviewLevel, RoutingPreview
from services.approval.domain.credit import CustomerCredit, credit_id
from services.approval.repository import Stores
from services.approval.routing import Plan, Router, credit_rule
from services.approval.settings import ApprovalSettings
from shared.contracts import ApproverRule, OrderKind, utcnow
from shared.contracts.common import IDENTIFIER_PATTERN
from shared.runtime import Runtime

RULE_NAMES = {ApproverRule.CREATOR_MANAGER: "manager", ApproverRule.NAMED_USER: "named_user"}
_ID = re.compile(IDENTIFIER_PATTERN)


class BadParams(ValueError):
    """A parameter is missing or malformed; the message says which and how."""


def read_params(params: dict[str, str]) -> dict[str, Any]:
    """The preview's parameters, checked; every wrong one is named (``name: what is wrong``)."""
    wrong: list[str] = []
    kind = params.get("kind", "")
    if kind not in ("sales", "purchase"):
        wrong.append("kind: must be sales or purchase")
    for name in ("party_id", "created_by"):
        if not _identifier(params.get(name, "")):
            wrong.append(f"{name}: give an identifier of 1-64 characters, no spaces")
    for name in ("order_id", "branch_id"):
        value = params.get(name)
        if value is not None and not _identifier(value):
            wrong.append(f"{name}: must be an identifier of 1-64 characters, no spaces")
    text = params.get("total", "")
    try:
        total = Decimal(text)
    except InvalidOperation:
        total = Decimal("NaN")
    if not total.is_finite() or total < 0 or "e" in text.lower():
        wrong.append('total: give a decimal of zero or more, e.g. "1250.00"')
    currency = params.get("currency", "")
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        wrong.append("currency: give an ISO 4217 code, e.g. USD")
    if wrong:
        raise BadParams("; ".join(wrong))
    return {
        "kind": OrderKind(kind),
        "party_id": params["party_id"],
        "created_by": params["created_by"],
        "total": total,
        "currency": currency,
        "order_id": params.get("order_id") or "",
    }


def _identifier(value: str) -> bool:
    return bool(_ID.match(value)) and len(value) <= 64


class RoutingPreviewQuery:
    """The preview over the service's database (its stores made at the first call: the
    database is connected after the queries are listed)."""

    def __init__(self, runtime: Runtime[Any]) -> None:
        self.runtime = runtime
        self._router: Router | None = None

    @property
    def router(self) -> Router:
        if self._router is None:
            settings = self.runtime.settings
            if not isinstance(settings, ApprovalSettings):
                settings = ApprovalSettings(**settings.model_dump())
            stores = Stores(self.runtime.database, self.runtime.outbox)
            self._router = Router(stores, settings.rates)
        return self._router

    async def answer(self, params: dict[str, str]) -> tuple[int, Any]:
        """``GET /routing-preview?kind=sales|purchase&party_id=..&created_by=..&total=..
        &currency=..[&branch_id=..][&order_id=..]``: who would approve the order if it were
        submitted now (levels with thresholds and approvers after delegation, the credit
        check), without changing anything. ``order_id``: an order submitted before, whose
        earlier attempt is then not counted twice in the exposure."""
        try:
            wanted = read_params(params)
        except BadParams as error:
            return 400, {"error": str(error)}
        return 200, await preview(self.router, **wanted)

    async def customer_credit(self, customer_id: str) -> list[dict[str, Any]]:
        customer = await self.router.stores.customers.read(credit_id(customer_id))
        if customer is None:
            return []
        return [credit_answer(customer, self.router)]


def credit_answer(customer: CustomerCredit, router: Router) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "currency": customer.currency,
        "status": customer.status,
        "limit": customer.limit,
        "exposure": customer.exposure(router.rates),
        "open_orders": len(customer.orders),
        "record_version": customer.record_version,
    }


async def preview(
    router: Router,
    *,
    kind: OrderKind,
    party_id: str,
    created_by: str,
    total: Decimal,
    currency: str,
    order_id: str,
) -> RoutingPreview:
    now = utcnow()
    plan = await router.plan(
        kind=kind, party_id=party_id, order_id=order_id, total=total, currency=currency
    )
    resolved = await router.resolve_all(plan, creator_id=created_by, now=now)
    levels = []
    cycle_levels = plan.cycle.levels if plan.cycle is not None else []
    for number, (rule, routed, found) in enumerate(
        zip(cycle_levels, plan.routing or [], resolved, strict=True), start=1
    ):
        levels.append(
            PreviewLevel(
                level=number,
                rule=RULE_NAMES[rule.approver],
                approver_id=found.approver.user_id if found.approver and routed.applies else None,
                approver_name=found.approver.name if found.approver and routed.applies else None,
                delegated_from=(
                    found.on_behalf_of.user_id if found.on_behalf_of and routed.applies else None
                ),
                applies=routed.applies,
                routing=routed,
            )
        )
    credit = await preview_credit(router, plan, created_by=created_by, now=now)
    over = plan.credit is not None and plan.credit.applies
    return RoutingPreview(
        kind=kind,
        party_id=party_id,
        created_by=created_by,
        total=total,
        currency=currency,
        auto_approved=not any(level.applies for level in levels) and not over,
        cycle_id=plan.cycle.id if plan.cycle is not None else None,
        levels=levels,
        credit=credit,
    )


async def preview_credit(
    router: Router, plan: Plan, *, created_by: str, now: Any
) -> PreviewCredit | None:
    check = plan.credit
    if check is None:
        return None
    approver_id, approver_name = None, None
    if check.applies and check.approver_id is not None:
        found = await router.stores.directory.resolve(
            credit_rule(check.approver_id),
            creator_id=created_by,
            fallback_id=plan.fallback_id,
            now=now,
        )
        if found.approver is not None:
            approver_id, approver_name = found.approver.user_id, found.approver.name
    return PreviewCredit(
        limit=check.limit,
        currency=check.currency,
        exposure=check.exposure,
        exposure_after=check.exposure_after,
        over_by=check.over_by,
        approver_id=approver_id,
        approver_name=approver_name,
    )

"""Read-only HTTP queries: approval requests, cycles, the user directory and the routing
preview."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.approval.answers import (
    ApprovalRequestAnswer,
    CycleAnswer,
    RoutingPreview,
    UserAnswer,
)
from services.approval.domain import assignment_id
from services.approval.domain.preview import preview_routing
from services.approval.repository import ASSIGNMENTS, CYCLES, REQUESTS, USERS, Stores
from services.approval.settings import ApprovalSettings
from shared.contracts import OrderKind, utcnow
from shared.contracts.common import FROM_TEXT, CurrencyCode, Identifier
from shared.http import Route, json_query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING


class PreviewAsked(BaseModel):
    """The facts of the order to preview, as ``order.submitted`` would carry them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: OrderKind
    party_id: Identifier
    created_by: Identifier
    total: Annotated[Decimal, Field(ge=0, max_digits=18, allow_inf_nan=False), FROM_TEXT]
    currency: CurrencyCode
    branch_id: Identifier | None = None
    order_id: Identifier | None = None


def queries(runtime: Runtime[Any]) -> list[Route]:
    async def listing(collection: str, query: dict[str, Any], sort: str) -> list[dict[str, Any]]:
        cursor = runtime.database[collection].find(
            query, HIDE_BOOKKEEPING, sort=[(sort, -1)], limit=200
        )
        return [{"id": doc.pop("_id"), **doc} async for doc in cursor]

    async def requests(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /requests?order_id=..`` or ``?approver_id=..&status=pending`` or
        ``?request_id=..``: an approver's inbox, every attempt of an order with its decisions,
        or one request."""
        query: dict[str, Any] = {}
        if request_id := params.get("request_id"):
            query["_id"] = request_id
        if order_id := params.get("order_id"):
            query["order_id"] = order_id
        if approver_id := params.get("approver_id"):
            query["approver.user_id"] = approver_id
        if status := params.get("status"):
            query["status"] = status
        if not query:
            return 400, {"error": "give order_id, approver_id, status or request_id"}
        return 200, await listing(REQUESTS, query, "opened_at")

    async def cycles(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /cycles``: every cycle with its parties (``?cycle_id=``: that one only)."""
        query = {"_id": params["cycle_id"]} if params.get("cycle_id") else {}
        found = await listing(CYCLES, query, "updated_at")
        for cycle in found:
            parties = runtime.database[ASSIGNMENTS].find({"cycle_id": cycle["id"]}, {"party_id": 1})
            cycle["parties"] = sorted([doc["party_id"] async for doc in parties])
        return 200, found

    async def users(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /users``: the approval directory (``?user_id=``: that user only)."""
        query = {"_id": params["user_id"]} if params.get("user_id") else {}
        return 200, await listing(USERS, query, "updated_at")

    async def routing_preview(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /routing-preview?kind=sales|purchase&party_id=&created_by=&total=&currency=
        [&branch_id=][&order_id=]``: who would approve an order with these facts were it
        submitted now (``total``: its grand total, a decimal string), level by level, with
        the thresholds that applied or not and why; changes nothing. 400 names each wrong
        parameter."""
        try:
            asked = PreviewAsked.model_validate(params)
        except ValidationError as error:
            return 400, {"error": _wrong(error)}
        stores = Stores(runtime.database, runtime.outbox)
        assignment = await stores.assignments.read(assignment_id(asked.kind, asked.party_id))
        cycle_id = assignment.cycle_id if assignment else None
        cycle = await stores.cycles.read(cycle_id) if cycle_id else None
        rules = cycle.levels if cycle else []
        fallback = cycle.fallback_approver_id if cycle else None
        plan = preview_routing(
            cycle,
            total=asked.total,
            currency=asked.currency,
            rates=_settings(runtime).rates,
            creator_id=asked.created_by,
            users=await stores.directory.around(asked.created_by, rules, fallback),
            now=utcnow(),
        )
        found = {"cycle_id": plan.cycle_id, "levels": plan.levels}
        answer = asked.model_dump() | found | {"auto_approved": plan.auto_approved}
        return 200, RoutingPreview.model_validate(answer)

    return [
        ("/requests", json_query(requests, list[ApprovalRequestAnswer])),
        ("/cycles", json_query(cycles, list[CycleAnswer])),
        ("/users", json_query(users, list[UserAnswer])),
        ("/routing-preview", json_query(routing_preview, RoutingPreview)),
    ]


def _settings(runtime: Runtime[Any]) -> ApprovalSettings:
    settings = runtime.settings
    if isinstance(settings, ApprovalSettings):
        return settings
    return ApprovalSettings(**settings.model_dump())  # started with the shared settings only


def _wrong(error: ValidationError) -> str:
    """Each wrong parameter and what is wrong with it."""
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())

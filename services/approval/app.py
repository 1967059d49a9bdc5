"""The approval service as data: the messages it takes, its handlers, what it publishes."""

from __future__ import annotations

from services.approval.handlers import ApprovalHandlers
from services.approval.metrics import approval_metrics
from services.approval.queries import queries
from services.approval.repository import COLLECTIONS, Stores, create_indexes
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApprovalWithdrawn,
    ApproveRequest,
    AssignParty,
    CycleDefined,
    DefineCycle,
    OrderCancelled,
    OrderSubmitted,
    PartyAssigned,
    PartyUnassigned,
    RejectRequest,
    UnassignParty,
    UpsertUser,
    UserUpserted,
)
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import Service
from shared.settings import ServiceSettings


async def setup(runtime: Runtime[ServiceSettings]) -> ApprovalHandlers:
    await create_indexes(runtime.database)
    return ApprovalHandlers(
        Stores(runtime.database, runtime.outbox), decided=approval_metrics(runtime)
    )


SERVICE = Service(
    entry=entry("approval"),
    description="Approval cycles for purchase and sales orders, the user directory, decisions.",
    setup=setup,
    commands={
        UpsertUser: ApprovalHandlers.upsert_user,
        DefineCycle: ApprovalHandlers.define_cycle,
        AssignParty: ApprovalHandlers.assign_party,
        UnassignParty: ApprovalHandlers.unassign_party,
        ApproveRequest: ApprovalHandlers.approve,
        RejectRequest: ApprovalHandlers.reject,
    },
    events={
        OrderSubmitted: ApprovalHandlers.order_submitted,
        OrderCancelled: ApprovalHandlers.order_cancelled,
    },
    publishes=[
        ApprovalPending,
        ApprovalApproved,
        ApprovalRejected,
        ApprovalWithdrawn,
        ApprovalReassigned,
        CycleDefined,
        PartyAssigned,
        PartyUnassigned,
        UserUpserted,
    ],
    outbox_collections=COLLECTIONS,
    queries=queries,
)

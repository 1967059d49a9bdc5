"""Wiring of the approval service."""

from __future__ import annotations

from faststream.asgi import AsgiFastStream

from services.approval.consumers import routers
from services.approval.handlers import ApprovalHandlers
from services.approval.queries import queries
from services.approval.repository import COLLECTIONS, Stores, create_indexes
from services.approval.settings import ApprovalSettings
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalRejected,
    CycleDefined,
    PartyAssigned,
    PartyUnassigned,
    UserUpserted,
)
from shared.runtime import Runtime, ServiceDefinition, build_app


async def setup(runtime: Runtime) -> ApprovalHandlers:
    await create_indexes(runtime.database)
    return ApprovalHandlers(Stores(runtime.database, runtime.outbox))


SERVICE = ServiceDefinition(
    name="approval",
    description="Approval cycles for purchase and sales orders, the user directory, decisions.",
    routers=routers,
    setup=setup,
    outbox_collections=COLLECTIONS,
    publishes=[
        ApprovalPending,
        ApprovalApproved,
        ApprovalRejected,
        CycleDefined,
        PartyAssigned,
        PartyUnassigned,
        UserUpserted,
    ],
    queries=queries,
)


def create_app(settings: ApprovalSettings | None = None) -> AsgiFastStream:
    return build_app(SERVICE, settings or ApprovalSettings())

"""Wiring of the approval service."""

from __future__ import annotations

from faststream.asgi import AsgiFastStream

from services.approval.consumers import routers
from services.approval.handlers import ApprovalHandlers
from services.approval.repository import REQUESTS, create_indexes, request_store
from services.approval.settings import ApprovalSettings
from shared.contracts import ApprovalApproved, ApprovalPending, ApprovalRejected
from shared.runtime import Runtime, ServiceDefinition, build_app


async def setup(runtime: Runtime) -> ApprovalHandlers:
    await create_indexes(runtime.database)
    return ApprovalHandlers(request_store(runtime.database, runtime.outbox))


SERVICE = ServiceDefinition(
    name="approval",
    description="Approval cycles for purchase and sales orders, and the decisions on them.",
    routers=routers,
    setup=setup,
    outbox_collections=[REQUESTS],
    publishes=[ApprovalPending, ApprovalApproved, ApprovalRejected],
)


def create_app(settings: ApprovalSettings | None = None) -> AsgiFastStream:
    return build_app(SERVICE, settings or ApprovalSettings())

"""Subscribers of the notification service."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.rabbit import RabbitRouter

from services.notification.handlers import NotificationHandlers
from shared.contracts import ApprovalApproved, ApprovalPending, ApprovalRejected
from shared.messaging.topology import EVENTS, Topology
from shared.names import Approval
from shared.names import Notification as N

Handlers = Annotated[NotificationHandlers, Context("deps")]


def routers(topology: Topology) -> list[RabbitRouter]:
    router = RabbitRouter()

    @topology.subscriber(router, N.APPROVAL_PENDING_QUEUE, Approval.PENDING, EVENTS)
    async def approval_pending(event: ApprovalPending, handlers: Handlers) -> None:
        """E-mail the approver a pending request."""
        await handlers.approval_pending(event)

    @topology.subscriber(router, N.APPROVAL_APPROVED_QUEUE, Approval.APPROVED, EVENTS)
    async def approval_approved(event: ApprovalApproved, handlers: Handlers) -> None:
        """E-mail the creator an approval."""
        await handlers.approval_approved(event)

    @topology.subscriber(router, N.APPROVAL_REJECTED_QUEUE, Approval.REJECTED, EVENTS)
    async def approval_rejected(event: ApprovalRejected, handlers: Handlers) -> None:
        """E-mail the creator a rejection with the approver's notes."""
        await handlers.approval_rejected(event)

    return [router]

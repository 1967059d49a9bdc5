"""Handlers of the approval service: open a request for each order submission."""

from __future__ import annotations

import contextlib

from services.approval.domain import ApprovalRequest
from shared.contracts import OrderSubmitted, Person
from shared.storage.aggregates import AggregateStore, AlreadyExists


class ApprovalHandlers:
    def __init__(self, requests: AggregateStore[ApprovalRequest]) -> None:
        self.requests = requests

    async def order_submitted(self, event: OrderSubmitted) -> None:
        """Open the request for this attempt; a second delivery finds it open and stops."""
        request = ApprovalRequest.open_without_cycle(
            order_id=event.order_id,
            order_kind=event.kind,
            party_id=event.party_id,
            attempt=event.attempt,
            creator=Person(user_id=event.created_by),
        )
        with contextlib.suppress(AlreadyExists):  # this attempt has its request: a redelivery
            await self.requests.add(request, cause=event)

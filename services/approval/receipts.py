"""Over-receipts: a receipt inventory held beyond its order's tolerance opens a request.

The request is the order's own kind of request (``domain.receipts``): the creator and party
come from the order's latest request here, the cycle from the vendor's purchase assignment
now, the approver from its first level (away and delegation applied). It is decided with the
ordinary approve and reject, and reminded, escalated and moved as any request is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from services.approval.domain import assignment_id
from services.approval.domain.receipts import open_receipt_request
from services.approval.repository import ApprovalStores
from shared.contracts import OrderKind, Person
from shared.contracts.receipts import ReceiptFacts, ReceiptHeld
from shared.storage.aggregates import AlreadyExists

Clock = Callable[[], datetime]


class ReceiptHandlers:
    stores: ApprovalStores
    clock: Clock

    async def receipt_held(self, event: ReceiptHeld) -> None:
        """Open the over-receipt request of a held receipt, or refuse it at once when the
        vendor is in no purchase cycle (the request says so; inventory refuses the receipt)."""
        stores = self.stores
        creator = await self._creator(event)
        assignment = await stores.assignments.get(assignment_id(OrderKind.PURCHASE, event.party_id))
        cycle = None
        if assignment is not None and assignment.cycle_id is not None:
            cycle = await stores.cycles.get(assignment.cycle_id)
        now, approver = self.clock(), None
        if cycle is not None:
            approver = await stores.directory.resolve(
                cycle.levels[0],
                creator_id=creator.user_id,
                fallback_id=cycle.fallback_approver_id,
                now=now,
            )
        receipt = ReceiptFacts(
            receipt_id=event.receipt_id,
            location_id=event.location_id,
            received_by=event.received_by,
            tolerance_percent=event.tolerance_percent,
            lines=event.lines,
        )
        request = open_receipt_request(
            order_id=event.order_id,
            party_id=event.party_id,
            attempt=event.attempt,
            creator=creator,
            receipt=receipt,
            cycle=cycle,
            approver=approver,
            now=now,
        )
        with contextlib.suppress(AlreadyExists):  # a redelivery, or another replica was first
            await stores.requests.add(request, cause=event)

    async def _creator(self, event: ReceiptHeld) -> Person:
        """Who created the order: as its request for the attempt approved says (the receiver,
        in the directory's words, when this service never saw the order)."""
        query = {"order_id": event.order_id, "attempt": event.attempt, "receipt": None}
        found = await self.stores.requests.find(query, limit=1)
        if found:
            return found[0].creator
        return await self.stores.directory.person(event.received_by)

"""Every approval level as the approval service's events tell it (who it waited for, since
when, how it ended): what the turnaround, rejection and waiting reports are computed from."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApprovalWithdrawn,
    Event,
)

Document = dict[str, Any]
LEVELS = "approval_levels"
APPROVAL_EVENTS: tuple[type[Event], ...] = (
    ApprovalPending,
    ApprovalReassigned,
    ApprovalApproved,
    ApprovalRejected,
    ApprovalWithdrawn,
)


class ApprovalLevels:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.levels = db[LEVELS]

    async def _set(self, request_id: str, level: int, facts: Document, **fields: Any) -> None:
        await self.levels.update_one(
            {"_id": f"{request_id}:{level}"},
            {"$set": fields, "$setOnInsert": {**facts, "level": level}},
            upsert=True,
        )

    async def learn(self, event: Event) -> None:
        """Each event sets what it knows, so redeliveries and reorderings change nothing."""
        assert isinstance(
            event, ApprovalPending | ApprovalApproved | ApprovalRejected | ApprovalWithdrawn
        )
        facts = {"order_id": event.order_id, "cycle_id": event.cycle_id}
        if isinstance(event, ApprovalReassigned):  # the same wait, for someone else now
            await self._set(
                event.request_id, event.level, facts, approver_id=event.approver.user_id
            )
        elif isinstance(event, ApprovalPending):
            await self._set(
                event.request_id,
                event.level,
                facts,
                approver_id=event.approver.user_id,
                waiting_since=event.occurred_at,
            )
            if event.level > 1:  # the level before was approved just now
                await self.levels.update_one(
                    {"_id": f"{event.request_id}:{event.level - 1}", "decision": None},
                    {"$set": {"decision": "approved", "decided_at": event.occurred_at}},
                )
        elif isinstance(event, ApprovalWithdrawn):
            await self._set(
                event.request_id,
                event.level,
                facts,
                decision="withdrawn",
                withdrawn_at=event.occurred_at,
            )
        else:
            for decision in event.decisions:
                await self._set(
                    event.request_id,
                    decision.level,
                    facts,
                    decision=decision.decision,
                    decided_at=decision.decided_at,
                    notes=decision.notes,
                    approver_id=decision.approver.user_id,
                )

    async def all(self) -> list[Document]:
        return [doc async for doc in self.levels.find({})]

"""The approval schedule: away ranges that start, reminders and escalations of what waits.

Run by one replica at a time (``shared.jobs.LeasedJob``) on the handlers' clock. Each request
is saved on its own; one that changed meanwhile (a decision crossed the look) is left for the
next look, which sees it as it is then.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from services.approval.away import AwayHandlers
from services.approval.domain import ApprovalRequest, RequestStatus
from services.approval.domain.resolution import may_take
from shared.logging import log_failure
from shared.storage.aggregates import ConcurrencyConflict

log = structlog.get_logger(__name__)


class ScheduleHandlers(AwayHandlers):
    async def run_schedule(self) -> int:
        """Start the away ranges due, then remind and escalate the requests due; the number of
        users and requests changed."""
        now = self.clock()
        return await self.start_away(now) + await self.remind_and_escalate(now)

    async def remind_and_escalate(self, now: datetime) -> int:
        query = {"status": RequestStatus.PENDING, "due_at": {"$ne": None, "$lte": now}}
        changed = 0
        for request in await self.stores.requests.find(query, limit=self.batch):
            try:
                changed += await self._tick(request, now)
            except ConcurrencyConflict:
                log.info("approval_schedule_retried", request_id=request.id)
            except Exception as error:  # one request's failure does not stop the others
                log_failure(log, "approval_schedule_failed", error, request_id=request.id)
        return changed

    async def _tick(self, request: ApprovalRequest, now: datetime) -> int:
        due = request.due(now)
        if due == "escalate":
            fallback = await self.stores.users.read(request.fallback_approver_id or "")
            if may_take(fallback, creator_id=request.creator.user_id, needs_admin=True):
                assert fallback is not None
                request.escalate(fallback.person(), now)
            else:
                why = (
                    f"the fallback approver {request.fallback_approver_id} is not an active "
                    "admin other than the order's creator"
                )
                request.escalate(None, now, why=why)
                log.warning("escalation_blocked", request_id=request.id)
        elif due == "remind":
            request.remind(now)
        else:
            return 0
        await self.stores.requests.save(request, cause=None)
        return 1

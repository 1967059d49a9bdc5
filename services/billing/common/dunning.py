"""The dunning rules every kind of invoice is reminded by (``OMS_DUNNING_*`` settings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class FinalAction(StrEnum):
    """What dunning does after its last attempt (subscription invoices; a sales invoice is only
    reminded)."""

    CANCEL_SUBSCRIPTION = "cancel_subscription"
    MARK_UNCOLLECTIBLE = "mark_uncollectible"


@dataclass(frozen=True)
class DunningPolicy:
    """Reminders ``delays_days`` after the due date (one attempt each); the last attempt also
    takes the final action."""

    delays_days: tuple[int, ...] = (1, 3, 7)
    final_action: FinalAction = FinalAction.CANCEL_SUBSCRIPTION

    def attempt_at(self, due_at: datetime, attempt: int) -> datetime | None:
        """When attempt ``attempt`` (from 1) is due; none past the last."""
        if attempt > len(self.delays_days):
            return None
        return due_at + timedelta(days=self.delays_days[attempt - 1])

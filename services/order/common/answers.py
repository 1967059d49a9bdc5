"""What every part's timeline answers: one entry per event about a document.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime

from services.order.common.domain.timeline import ByKind
from shared.http import Answer


class TimelineEntryAnswer(Answer):
    """One event about a document: when, from which service, and who was behind it."""

    at: datetime
    service: str
    event: str
    message_id: str
    summary: str | None = None
    by: str | None = None
    by_kind: ByKind | None = None
    by_name: str | None = None

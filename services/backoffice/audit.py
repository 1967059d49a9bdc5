"""Who read or changed what in the back office: one entry per page a signed-in person opened or
form they sent, kept ``OMS_AUDIT_DAYS`` and shown to administrators on ``/audit``.

An entry names the person by id (never their name or address), the method (GET reads, POST
changes), the path with its query (which order, request or filter), for a form the ids it names
(``about``: a form such as ``/configuration/users`` names its user in the form, not the path),
the answer's status and when. Writing it never fails the page: a database that does not answer
is logged instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog
from pymongo import DESCENDING
from pymongo.errors import PyMongoError

AUDIT = "audit"
LIMIT = 500
log = structlog.get_logger(__name__)
ABOUT = ("order_id", "user_id", "cycle_id", "order_kind", "party_id", "location_id", "decision")
"""The fields of a form that say which document it changes (never a password or a note)."""


def about(form: Mapping[str, str]) -> str:
    """What a form changed, by the ids it names: ``user_id=alice``."""
    return " ".join(f"{name}={form[name]}" for name in ABOUT if form.get(name))


class AuditTrail:
    def __init__(self, db: Any, keep: timedelta) -> None:
        self.collection = db[AUDIT]
        self.keep = keep

    async def create_indexes(self) -> None:
        await self.collection.create_index("at", expireAfterSeconds=int(self.keep.total_seconds()))
        await self.collection.create_index([("person", 1), ("at", DESCENDING)])

    async def record(
        self,
        person: str,
        method: str,
        path: str,
        *,
        query: str,
        status: int,
        at: datetime,
        about: str = "",
    ) -> None:
        entry = {
            "at": at,
            "person": person,
            "action": "change" if method == "POST" else "read",
            "method": method,
            "path": path,
            "query": query,
            "about": about,
            "status": status,
        }
        try:
            await self.collection.insert_one(entry)
        except PyMongoError as error:
            log.error("audit_not_recorded", person=person, path=path, error=repr(error))

    async def entries(
        self,
        *,
        person: str = "",
        path: str = "",
        action: str = "",
        since: datetime | None = None,
        limit: int = LIMIT,
    ) -> list[dict[str, Any]]:
        """The newest first, filtered by person, a path's beginning, read/change and time."""
        query: dict[str, Any] = {}
        if person:
            query["person"] = person
        if path:
            query["path"] = {"$regex": "^" + _literal(path)}
        if action in {"read", "change"}:
            query["action"] = action
        if since is not None:
            query["at"] = {"$gte": since}
        cursor = self.collection.find(query, {"_id": 0}, sort=[("at", DESCENDING)], limit=limit)
        return [doc async for doc in cursor]


def _literal(text: str) -> str:
    """``text`` matched as it is, not as a pattern."""
    return re.escape(text)

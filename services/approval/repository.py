"""Collections of the approval service's database and the user directory lookups."""

from __future__ import annotations

import time
from collections.abc import Iterable

from pymongo.asynchronous.database import AsyncDatabase

from services.approval.domain import ApprovalRequest, Assignment, Cycle, User
from services.approval.domain.directory import MAX_CHAIN
from services.approval.domain.resolution import Resolved, resolve_approver
from shared.contracts import LevelRule, Person
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments

UNKNOWN_FOR_SECONDS = 2.0
REQUESTS = "requests"
CYCLES = "cycles"
ASSIGNMENTS = "assignments"
USERS = "users"
COLLECTIONS = (REQUESTS, CYCLES, ASSIGNMENTS, USERS)


class Stores:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        recent_requests = RecentDocuments()
        self.requests = AggregateStore(db[REQUESTS], ApprovalRequest, relay, recent=recent_requests)
        self.moved_requests = AggregateStore(
            db[REQUESTS], ApprovalRequest, relay, answers=False, recent=recent_requests
        )
        """The same requests, changed as consequences of a directory command: their events do
        not answer it (the user's change does)."""
        self.cycles = AggregateStore(db[CYCLES], Cycle, relay)
        self.assignments = AggregateStore(db[ASSIGNMENTS], Assignment, relay)
        self.users = AggregateStore(db[USERS], User, relay, recent=RecentDocuments())
        self.directory = Directory(self.users)


class Directory:
    """Reads the user directory for the decisions that need it."""

    def __init__(self, users: AggregateStore[User]) -> None:
        self.users = users
        self._unknown: dict[str, float] = {}
        """Ids the directory lacked a moment ago (most order creators are in no directory)."""

    async def get(self, user_ids: Iterable[str | None]) -> dict[str, User]:
        wanted = sorted({user_id for user_id in user_ids if user_id})
        found = await self.users.find({"_id": {"$in": wanted}}, limit=len(wanted) or 1)
        return {user.id: user for user in found}

    async def person(self, user_id: str) -> Person:
        """The directory's view of a user, or just their id when the directory lacks them.

        Only for naming people in messages: what was known a moment ago will do.
        """
        if (
            time.monotonic() - self._unknown.get(user_id, -UNKNOWN_FOR_SECONDS)
            < UNKNOWN_FOR_SECONDS
        ):
            return Person(user_id=user_id)
        user = await self.users.get(user_id)
        if user is None:
            if len(self._unknown) > 10_000:
                self._unknown.clear()
            self._unknown[user_id] = time.monotonic()
            return Person(user_id=user_id)
        self._unknown.pop(user_id, None)
        return user.person()

    async def managers_from(self, manager_id: str | None) -> dict[str, str | None]:
        """Each user's manager along the chain that starts at ``manager_id``, as stored now."""
        managers: dict[str, str | None] = {}
        current = manager_id
        while current is not None and current not in managers and len(managers) < MAX_CHAIN:
            user = await self.users.read(current)
            managers[current] = user.manager_id if user else None
            current = managers[current]
        return managers

    async def other_active_admins(self, user_id: str) -> int:
        """How many active admins there are besides ``user_id`` (0 or 1: enough to know)."""
        query = {"admin": True, "active": True, "_id": {"$ne": user_id}}
        return len(await self.users.find(query, limit=1))

    async def resolve(
        self, rule: LevelRule, *, creator_id: str, fallback_id: str | None
    ) -> Resolved:
        users = await self.get([creator_id, rule.user_id, fallback_id])
        creator = users.get(creator_id)
        if creator is not None and creator.manager_id and creator.manager_id not in users:
            users |= await self.get([creator.manager_id])
        return resolve_approver(rule, creator_id=creator_id, fallback_id=fallback_id, users=users)


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[REQUESTS].create_index([("order_id", 1), ("attempt", -1)])
    await db[REQUESTS].create_index([("status", 1), ("approver.user_id", 1)])
    await db[ASSIGNMENTS].create_index([("cycle_id", 1)])

"""Collections of the approval service's database and the user directory lookups."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.approval.domain import ApprovalRequest, Assignment, Cycle, User, assignment_id
from services.approval.domain.credit import CreditSettings, CustomerCredit, credit_id
from services.approval.domain.directory import MAX_CHAIN
from services.approval.domain.resolution import Resolved, delegated, resolve_approver
from shared.concurrency import SharedReads, waiting_for_turn
from shared.contracts import ApproverRule, LevelRule, OrderKind, Person, utcnow
from shared.storage.aggregates import WITHOUT_OUTBOX, AggregateStore, ConcurrencyConflict
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.reads import ReadBatch
from shared.storage.recent import RecentDocuments
from shared.storage.store import Store

UNKNOWN_FOR_SECONDS = 2.0
REQUESTS = "requests"
CYCLES = "cycles"
ASSIGNMENTS = "assignments"
USERS = "users"
SETTINGS = "settings"
LOCKS = "locks"
DIRECTORY_LEASE = timedelta(seconds=10)
"""How long a directory change may hold the directory (a replica that died frees it then)."""
DIRECTORY_WAIT_SECONDS = 12.0
"""Longer than the lease: a change waiting behind one whose replica died gets its turn."""
COLLECTIONS = (REQUESTS, CYCLES, ASSIGNMENTS, USERS, SETTINGS)


class Turns(Protocol):
    def changing(self, holder: str) -> AbstractAsyncContextManager[None]:
        """Hold the directory while ``holder`` changes it."""
        ...


class Parties(Protocol):
    async def of(
        self, kind: OrderKind, party_id: str
    ) -> tuple[Assignment | None, CustomerCredit | None]:
        """The party's cycle assignment and, for a customer, their credit record."""
        ...


class ApprovalStores(Protocol):
    """What the handlers use: :class:`Stores` in the service, in-memory ones in unit tests."""

    @property
    def requests(self) -> Store[ApprovalRequest]: ...
    @property
    def moved_requests(self) -> Store[ApprovalRequest]: ...
    @property
    def cycles(self) -> Store[Cycle]: ...
    @property
    def assignments(self) -> Store[Assignment]: ...
    @property
    def users(self) -> Store[User]: ...
    @property
    def customers(self) -> Store[CustomerCredit]: ...
    @property
    def settings(self) -> Store[CreditSettings]: ...
    @property
    def parties(self) -> Parties: ...
    @property
    def directory(self) -> Directory: ...
    @property
    def directory_lock(self) -> Turns: ...


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
        self.customers = AggregateStore(
            db[ASSIGNMENTS], CustomerCredit, relay, recent=RecentDocuments()
        )
        """Customers' credit limits and open orders (ids ``credit:<customer_id>``), beside
        the assignments so that a sales order reads both at once, and is then written from
        the copy read."""
        self.settings = AggregateStore(db[SETTINGS], CreditSettings, relay)
        self.parties = PartyLookup(db[ASSIGNMENTS], self.assignments, self.customers)
        self.directory = Directory(self.users)
        self.directory_lock = DirectoryLock(db[LOCKS])


class PartyLookup:
    """A party's assignment and a customer's credit record, read in one round trip (both live
    in the assignments collection), with those of the other orders handled meanwhile."""

    def __init__(
        self,
        collection: AsyncCollection[Document],
        assignments: AggregateStore[Assignment],
        customers: AggregateStore[CustomerCredit],
    ) -> None:
        self.collection = collection
        self.assignments = assignments
        self.customers = customers
        self._reads = ReadBatch(collection, WITHOUT_OUTBOX)
        """The parties of orders handled at about the same time are read in one query."""

    async def of(
        self, kind: OrderKind, party_id: str
    ) -> tuple[Assignment | None, CustomerCredit | None]:
        assignment_key, credit_key = assignment_id(kind, party_id), credit_id(party_id)
        sales = kind is OrderKind.SALES  # only a customer has a credit record
        docs = await self._reads.get([assignment_key, credit_key] if sales else [assignment_key])
        assignment, customer = docs.get(assignment_key), docs.get(credit_key)
        if customer is not None and self.customers.recent is not None:
            # The count of the order writes from this copy (conditional on its version).
            self.customers.recent.put(credit_key, customer)
        return (
            self.assignments.from_document(assignment) if assignment else None,
            self.customers.from_document(customer) if customer else None,
        )


class Directory:
    """Reads the user directory for the decisions that need it."""

    def __init__(self, users: Store[User]) -> None:
        self.users = users
        self._unknown: dict[str, float] = {}
        """Ids the directory lacked a moment ago (most order creators are in no directory)."""
        self._reads = SharedReads[str, User | None]()

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
        # The orders a creator has in flight share one look.
        user = await self._reads.read(user_id, lambda: self.users.get(user_id))
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
        self,
        rule: LevelRule,
        *,
        creator_id: str,
        fallback_id: str | None,
        now: datetime | None = None,
    ) -> Resolved:
        """Who approves a level that starts waiting ``now``: the rule's approver, or their
        delegate while they are away (see ``domain.resolution``)."""
        users = await self.get([creator_id, rule.user_id, fallback_id])
        creator = users.get(creator_id)
        if creator is not None and creator.manager_id and creator.manager_id not in users:
            users |= await self.get([creator.manager_id])
        resolved = resolve_approver(
            rule, creator_id=creator_id, fallback_id=fallback_id, users=users
        )
        approver = users.get(resolved.approver.user_id) if resolved.approver else None
        if approver is None or approver.away is None:
            return resolved
        users |= await self.get([approver.away.delegate_id])
        return delegated(
            resolved,
            needs_admin=rule.approver is ApproverRule.NAMED_USER or resolved.via == "fallback",
            creator_id=creator_id,
            fallback_id=fallback_id,
            users=users,
            now=now or utcnow(),
        )


class DirectoryLock:
    """Directory changes take turns, across replicas."""

    def __init__(self, locks: AsyncCollection[Document]) -> None:
        self.locks = locks

    @contextlib.asynccontextmanager
    async def changing(self, holder: str) -> AsyncIterator[None]:
        """Hold the directory while ``holder`` (a command's id) checks its rules and changes it.

        The rules span users (the last admin, a chain of managers), so two changes checked at
        once could each pass and together break them: changes take turns, across replicas, on
        a lease in the ``locks`` collection. One that waits too long is retried later.
        """
        deadline = time.monotonic() + DIRECTORY_WAIT_SECONDS
        while not await self._claim(holder):
            if time.monotonic() > deadline:
                raise ConcurrencyConflict("the user directory is being changed; retry")
            with waiting_for_turn():  # between claims: a stopping process may give it back
                await asyncio.sleep(0.02)
        try:
            yield
        finally:
            await self.locks.delete_one({"_id": "directory", "holder": holder})

    async def _claim(self, holder: str) -> bool:
        now = utcnow()
        try:
            await self.locks.find_one_and_update(
                {"_id": "directory", "$or": [{"until": {"$lt": now}}, {"holder": holder}]},
                {"$set": {"holder": holder, "until": now + DIRECTORY_LEASE}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # another change holds it
        return True


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    await db[REQUESTS].create_index([("order_id", 1), ("attempt", -1)])
    await db[REQUESTS].create_index([("status", 1), ("approver.user_id", 1)])
    await db[ASSIGNMENTS].create_index([("cycle_id", 1)])
    await db[REQUESTS].create_index([("status", 1), ("due_at", 1)])
    await db[USERS].create_index([("away_starts_pending", 1)])

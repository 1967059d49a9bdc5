"""The back office's own database: the people of the approval directory (learnt from
``approval.user_upserted``) with their password hashes, the sessions of those signed in, and
the failed sign-ins that hold further attempts back."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts import UserUpserted

Document = dict[str, Any]
PEOPLE = "people"
SESSIONS = "sessions"
FAILURES = "sign_in_failures"
HASHER = PasswordHasher()
MOVES = {"reassigned_to", "reassigned_requests"}
"""What a deactivation moved is the requests' story, not the person's."""
# Verified when the name is unknown too, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_hex(16))


def _digest(token: str) -> str:
    """Sessions are stored by a digest of their token: a leaked database signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


class People:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.people = db[PEOPLE]

    async def learn(self, event: UserUpserted) -> None:
        """Keep the directory's latest word about a user; an older event changes nothing."""
        fields = event.model_dump(mode="json", include=set(UserUpserted.model_fields) - MOVES)
        fields.pop("message_id", None)
        fields.pop("user_id")
        fields["seen_at"] = event.occurred_at
        newer = {"$or": [{"seen_at": {"$lte": event.occurred_at}}, {"seen_at": None}]}
        # A duplicate key: the stored facts are newer than this event.
        with contextlib.suppress(DuplicateKeyError):
            await self.people.update_one(
                {"_id": event.user_id, **newer}, {"$set": fields}, upsert=True
            )

    async def get(self, user_id: str) -> Document | None:
        return await self.people.find_one({"_id": user_id})

    async def all(self) -> list[Document]:
        return [doc async for doc in self.people.find({}, {"password_hash": 0}, sort=[("_id", 1)])]

    async def set_password(self, user_id: str, password: str) -> bool:
        """False when the directory has no such user (yet)."""
        done = await self.people.update_one(
            {"_id": user_id}, {"$set": {"password_hash": HASHER.hash(password)}}
        )
        return done.matched_count == 1

    async def set_preferences(self, user_id: str, preferences: dict[str, str]) -> None:
        """The person's own formats (date style, time zone); an empty value: the default."""
        chosen = {key: value for key, value in preferences.items() if value}
        await self.people.update_one({"_id": user_id}, {"$set": {"preferences": chosen}})

    async def check(self, user_id: str, password: str) -> Document | None:
        """The person, if the password is theirs and they may sign in."""
        person = await self.get(user_id)
        stored = (person or {}).get("password_hash") or _DUMMY_HASH
        try:
            HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if person is None or not person.get("active", True) or stored is _DUMMY_HASH:
            return None
        return person


class Sessions:
    def __init__(self, db: AsyncDatabase[Document], *, lasts: timedelta, idle: timedelta) -> None:
        self.sessions = db[SESSIONS]
        self.lasts, self.idle = lasts, idle

    async def open(self, user_id: str, now: datetime) -> tuple[str, str]:
        """A new session: (its token for the cookie, its CSRF token for the forms)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        await self.sessions.insert_one(
            {
                "_id": _digest(token),
                "user_id": user_id,
                "csrf": csrf,
                "opened_at": now,
                "expires_at": now + self.lasts,
                "idle_until": now + self.idle,
            }
        )
        return token, csrf

    async def find(self, token: str, now: datetime) -> Document | None:
        """The live session of ``token``, its idle time renewed; ``None`` once expired."""
        return await self.sessions.find_one_and_update(
            {"_id": _digest(token), "expires_at": {"$gt": now}, "idle_until": {"$gt": now}},
            {"$set": {"idle_until": now + self.idle}},
            return_document=ReturnDocument.AFTER,
        )

    async def close(self, token: str) -> None:
        await self.sessions.delete_one({"_id": _digest(token)})


class SignInGuard:
    """Failed sign-ins, counted per user id and per client address in the database, so that
    every replica sees them.

    After ``attempts`` failures for one user id (``address_attempts`` from one address) within
    ``longest`` of each other, sign-in there is refused for ``lock``, twice as long after each
    further failure, up to ``longest``; the password is not even looked at meanwhile. A
    success clears the user id's count; counts end ``longest`` after the last failure (the
    longest hold then has ended too). An unknown user id is counted like a known one, so the
    answers tell nobody which ids exist.
    """

    def __init__(
        self,
        db: AsyncDatabase[Document],
        *,
        attempts: int,
        address_attempts: int,
        lock: timedelta,
        longest: timedelta,
    ) -> None:
        self.failures = db[FAILURES]
        self.attempts, self.address_attempts = attempts, address_attempts
        self.lock, self.longest = lock, longest

    def _limits(self, user_id: str, address: str) -> dict[str, int]:
        return {_user_key(user_id): self.attempts, f"address:{address}": self.address_attempts}

    async def locked_for(self, user_id: str, address: str, now: datetime) -> timedelta | None:
        """How long sign-in stays refused for this user id or from this address; None: open."""
        locked = self.failures.find(
            {"_id": {"$in": list(self._limits(user_id, address))}, "locked_until": {"$gt": now}}
        )
        ends = [doc["locked_until"] async for doc in locked]
        return max(ends) - now if ends else None

    async def failed(self, user_id: str, address: str, now: datetime) -> None:
        for key, limit in self._limits(user_id, address).items():
            doc = await self.failures.find_one_and_update(
                {"_id": key},
                {"$inc": {"count": 1}, "$set": {"last_at": now, "expires_at": now + self.longest}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            count = doc["count"] if doc else 1  # an upsert always returns the document
            if (beyond := count - limit) >= 0:
                lock = min(self.lock * 2 ** min(beyond, 20), self.longest)
                held = {"locked_until": now + lock, "expires_at": now + self.longest}
                await self.failures.update_one({"_id": key}, {"$set": held})

    async def succeeded(self, user_id: str) -> None:
        await self.failures.delete_one({"_id": _user_key(user_id)})


def _user_key(user_id: str) -> str:
    return f"user:{user_id.strip().casefold()}"


async def create_indexes(db: AsyncDatabase[Document]) -> None:
    # Expired sessions are deleted by the server; `find` refuses them before that.
    await db[SESSIONS].create_index("expires_at", expireAfterSeconds=0)
    # Failure counts are forgotten by the server; `locked_for` reads the lock's own end.
    await db[FAILURES].create_index("expires_at", expireAfterSeconds=0)

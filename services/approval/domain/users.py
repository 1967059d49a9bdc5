"""The approval service's own user directory: who someone is, whether they are admin-level,
and who their manager is. It is kept by ``approval.upsert_user`` commands."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.approval.domain.errors import InvalidDelegate, InvalidManager, NotAway
from shared.contracts import AwayCleared, AwaySet, Person, UserUpserted, utcnow
from shared.domain import Aggregate


class UserDetails(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    email: str | None = None
    admin: bool = False
    manager_id: str | None = None
    active: bool = True


class Away(BaseModel):
    """An approver away from ``starts_at`` until ``ends_at``, and who decides for them."""

    model_config = ConfigDict(frozen=True)

    delegate_id: str
    starts_at: datetime
    ends_at: datetime
    set_by: str

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


class User(Aggregate):
    name: str
    email: str | None = None
    admin: bool = False
    manager_id: str | None = None
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow)
    away: Away | None = None
    away_starts_pending: datetime | None = None
    """When the away range starts, until the requests waiting then have moved to the delegate
    (the schedule looks for it); None once they have, or when the user is not away."""

    @classmethod
    def register(cls, user_id: str, details: UserDetails, *, by: str | None = None) -> User:
        user = cls(id=user_id, name=details.name)
        user.change(details, by=by)
        return user

    def change(
        self,
        details: UserDetails,
        *,
        by: str | None = None,
        reassigned_to: str | None = None,
        reassigned: Sequence[str] = (),
    ) -> None:
        """Take the new details; ``reassigned``: the requests that waited for this user and
        move to ``reassigned_to`` as they leave (the directory's rules were checked before)."""
        if details.manager_id == self.id:
            raise InvalidManager(f"User {self.id} cannot be their own manager.")
        for field, value in details:
            setattr(self, field, value)
        self.updated_at = utcnow()
        self.record(
            UserUpserted(
                user_id=self.id,
                **details.model_dump(),
                changed_by=by,
                reassigned_to=reassigned_to if reassigned else None,
                reassigned_requests=list(reassigned),
            )
        )

    def set_away(
        self, away: Away, delegate: User | None, *, now: datetime, moved: Sequence[str] = ()
    ) -> None:
        """Be away for ``away``'s range; ``moved``: the requests that move at once (the range
        has started)."""
        if delegate is None or not delegate.active or delegate.id == self.id:
            why = (
                "is the approver themself"
                if away.delegate_id == self.id
                else "is not in the directory"
                if delegate is None
                else "is inactive"
            )
            raise InvalidDelegate(
                f"{away.delegate_id} cannot be the delegate of {self.id}: {why}; name an "
                "active user other than the approver."
            )
        self.away = away
        self.away_starts_pending = None if away.starts_at <= now else away.starts_at
        self.updated_at = now
        self.record(
            AwaySet(
                user_id=self.id,
                delegate_id=away.delegate_id,
                starts_at=away.starts_at,
                ends_at=away.ends_at,
                set_by=away.set_by,
                moved_requests=list(moved),
            )
        )

    def away_started(self) -> None:
        """The requests that waited when the range started have moved to the delegate."""
        self.away_starts_pending = None

    def clear_away(self, *, by: str, now: datetime) -> None:
        if self.away is None:
            raise NotAway(f"{self.id} is not away: there is nothing to clear.")
        delegate_id, self.away, self.away_starts_pending = self.away.delegate_id, None, None
        self.updated_at = now
        self.record(AwayCleared(user_id=self.id, delegate_id=delegate_id, cleared_by=by))

    def delegate_at(self, moment: datetime) -> str | None:
        """Who decides for this user at ``moment``: their delegate while they are away."""
        return self.away.delegate_id if self.away and self.away.covers(moment) else None

    @property
    def can_approve_as_admin(self) -> bool:
        return self.active and self.admin

    def person(self) -> Person:
        return Person(user_id=self.id, name=self.name, email=self.email)

"""The approval service's own user directory: who someone is, whether they are admin-level,
and who their manager is. It is kept by ``approval.upsert_user`` commands."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.approval.domain.errors import InvalidManager
from shared.contracts import Person, UserUpserted, utcnow
from shared.domain import Aggregate


class UserDetails(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    email: str | None = None
    admin: bool = False
    manager_id: str | None = None
    active: bool = True


class User(Aggregate):
    name: str
    email: str | None = None
    admin: bool = False
    manager_id: str | None = None
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow)

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

    @property
    def can_approve_as_admin(self) -> bool:
        return self.active and self.admin

    def person(self) -> Person:
        return Person(user_id=self.id, name=self.name, email=self.email)

"""The approval service's own user directory: who someone is, whether they are admin-level,
and who their manager is. It is kept by ``approval.upsert_user`` commands."""

from __future__ import annotations

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
    def register(cls, user_id: str, details: UserDetails) -> User:
        user = cls(id=user_id, name=details.name)
        user.change(details)
        return user

    def change(self, details: UserDetails) -> None:
        if details.manager_id == self.id:
            raise InvalidManager(f"User {self.id} cannot be their own manager.")
        for field, value in details:
            setattr(self, field, value)
        self.updated_at = utcnow()
        self.record(UserUpserted(user_id=self.id, **details.model_dump()))

    @property
    def can_approve_as_admin(self) -> bool:
        return self.active and self.admin

    def person(self) -> Person:
        return Person(user_id=self.id, name=self.name, email=self.email)

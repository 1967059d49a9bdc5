"""The parcels service's commands and events (a real service's live in shared/contracts/)."""

from __future__ import annotations

from typing import ClassVar

from shared.contracts.base import Command, Event
from shared.contracts.common import Identifier


class RegisterParcel(Command):
    """Register a parcel to be shipped for an order."""

    routing_key: ClassVar[str] = "parcels.register"
    ordering_key: ClassVar[str | None] = "parcel_id"
    answered_by: ClassVar[tuple[str, ...]] = ("parcels.registered",)
    parcel_id: Identifier
    order_id: Identifier


class ParcelRegistered(Event):
    """A parcel was registered."""

    routing_key: ClassVar[str] = "parcels.registered"
    ordering_key: ClassVar[str | None] = "parcel_id"
    parcel_id: Identifier
    order_id: Identifier

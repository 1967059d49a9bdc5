"""Parcels and their one rule (pure): a parcel is registered once."""

from __future__ import annotations

from shared.domain import Aggregate, DomainError
from tests.example.parcels.contracts import ParcelRegistered


class ParcelExists(DomainError):
    """A parcel with this id is registered already."""

    reason = "parcel_exists"


class Parcel(Aggregate):
    order_id: str
    cancelled: bool = False

    @classmethod
    def register(cls, parcel_id: str, order_id: str) -> Parcel:
        parcel = cls(id=parcel_id, order_id=order_id)
        parcel.record(ParcelRegistered(parcel_id=parcel_id, order_id=order_id))
        return parcel

    def cancel(self) -> None:
        """Its order was cancelled: the parcel will not be shipped."""
        self.cancelled = True

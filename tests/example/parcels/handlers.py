"""One handler per message: load, call the aggregate, save."""

from __future__ import annotations

from shared.contracts import OrderCancelled
from shared.storage.aggregates import AggregateStore, AlreadyExists
from tests.example.parcels.contracts import RegisterParcel
from tests.example.parcels.domain import Parcel, ParcelExists


class ParcelHandlers:
    def __init__(self, parcels: AggregateStore[Parcel]) -> None:
        self.parcels = parcels

    async def register(self, cmd: RegisterParcel) -> None:
        """Register the parcel; a second registration of its id is refused."""
        try:
            await self.parcels.add(Parcel.register(cmd.parcel_id, cmd.order_id), cause=cmd)
        except AlreadyExists:
            raise ParcelExists(f"Parcel {cmd.parcel_id} is registered already.") from None

    async def order_cancelled(self, event: OrderCancelled) -> None:
        """A cancelled order's parcels are not shipped."""
        for parcel in await self.parcels.find({"order_id": event.order_id}):
            parcel.cancel()
            await self.parcels.save(parcel, cause=event)

"""The parcels service as data: its handler table, from which the runtime builds the rest."""

from __future__ import annotations

from shared.contracts import OrderCancelled
from shared.runtime import Runtime
from shared.service import Service
from shared.settings import ServiceSettings
from shared.storage.aggregates import AggregateStore
from tests.example import example
from tests.example.parcels.contracts import ParcelRegistered, RegisterParcel
from tests.example.parcels.domain import Parcel
from tests.example.parcels.handlers import ParcelHandlers


async def setup(runtime: Runtime[ServiceSettings]) -> ParcelHandlers:
    return ParcelHandlers(AggregateStore(runtime.database["parcels"], Parcel, runtime.outbox))


SERVICE = Service(
    entry=example("parcels"),
    description="Parcels to ship for orders (a service that exists only in the tests).",
    setup=setup,
    commands={RegisterParcel: ParcelHandlers.register},
    events={OrderCancelled: ParcelHandlers.order_cancelled},
    publishes=[ParcelRegistered],
    outbox_collections=["parcels"],
)

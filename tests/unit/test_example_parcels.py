"""The example service's business rules (a new service's ``tests/unit/test_<name>.py``)."""

from __future__ import annotations

from tests.example.parcels.contracts import ParcelRegistered
from tests.example.parcels.domain import Parcel


def test_a_registered_parcel_records_that_it_was_registered_for_its_order() -> None:
    parcel = Parcel.register("P-1", "SO-1")
    [registered] = parcel.collect_events()
    assert isinstance(registered, ParcelRegistered)
    assert (registered.parcel_id, registered.order_id) == ("P-1", "SO-1")
    assert not parcel.cancelled


def test_a_parcel_of_a_cancelled_order_is_not_shipped() -> None:
    parcel = Parcel.register("P-1", "SO-1")
    parcel.cancel()
    assert parcel.cancelled

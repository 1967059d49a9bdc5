"""A valid message per consumer of customer and vendor records, and the evidence that it was
processed (for ``tests/integration/test_bad_input.py``, which sends each bad input first)."""

from __future__ import annotations

from typing import Any

from shared.contracts.parties import (
    CustomerRecord,
    CustomerUpserted,
    UpsertCustomer,
    UpsertVendor,
    VendorRecord,
    VendorUpserted,
)
from tests.support.consumers import command, event
from tests.support.factories import unique
from tests.support.inventory_samples import Sample, SampleContext, _answered


def customer(customer_id: str | None = None, **changes: Any) -> CustomerRecord:
    values: dict[str, Any] = {"name": "Acme", "currency": "USD"}
    return CustomerRecord(customer_id=customer_id or unique("C"), **{**values, **changes})


def vendor(vendor_id: str | None = None, **changes: Any) -> VendorRecord:
    values: dict[str, Any] = {"name": "Parts Inc", "currency": "USD"}
    return VendorRecord(vendor_id=vendor_id or unique("V"), **{**values, **changes})


async def s_upsert_customer(ctx: SampleContext) -> None:
    record = customer()
    upsert = UpsertCustomer(customer_id=record.customer_id, record=record, changed_by="olga")
    assert (await _answered(ctx, upsert))["version"] == 1


async def s_upsert_vendor(ctx: SampleContext) -> None:
    record = vendor()
    upsert = UpsertVendor(vendor_id=record.vendor_id, record=record, changed_by="olga")
    assert (await _answered(ctx, upsert))["version"] == 1


async def s_customer_upserted(ctx: SampleContext) -> None:
    record = customer()
    await ctx.bus.send(CustomerUpserted(customer_id=record.customer_id, version=7, record=record))
    await ctx.bus.wait_for(
        "order.customer_recorded", lambda b: b["customer_id"] == record.customer_id
    )


async def s_vendor_upserted(ctx: SampleContext) -> None:
    record = vendor()
    await ctx.bus.send(VendorUpserted(vendor_id=record.vendor_id, version=7, record=record))
    await ctx.bus.wait_for("order.vendor_recorded", lambda b: b["vendor_id"] == record.vendor_id)


PARTY_SAMPLES: dict[tuple[str, str], Sample] = {
    command("order.upsert_customer"): s_upsert_customer,
    command("order.upsert_vendor"): s_upsert_vendor,
    event("order", "customer.upserted"): s_customer_upserted,
    event("order", "vendor.upserted"): s_vendor_upserted,
}

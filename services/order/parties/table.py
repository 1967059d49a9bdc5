"""The parties part's rows of the order service's table."""

from __future__ import annotations

from services.order.parties.handlers import PartyHandlers
from services.order.parties.queries import party_queries
from services.order.parties.repository import CUSTOMERS, VENDORS
from shared.contracts.parties import (
    CustomerRecorded,
    CustomerUpserted,
    UpsertCustomer,
    UpsertVendor,
    VendorRecorded,
    VendorUpserted,
)
from shared.parts import Part

TABLE = Part[PartyHandlers](
    commands={
        UpsertCustomer: PartyHandlers.upsert_customer,
        UpsertVendor: PartyHandlers.upsert_vendor,
    },
    events={
        CustomerUpserted: PartyHandlers.customer_upserted,
        VendorUpserted: PartyHandlers.vendor_upserted,
    },
    publishes=[CustomerRecorded, VendorRecorded],
    outbox_collections=[CUSTOMERS, VENDORS],
    queries=party_queries,
)

"""Customer and vendor records: taken from the business's systems (integration events) and from
the back office and omsctl (commands), one handler each; orders read them through the
directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import structlog

from services.order.parties.domain.records import OMS, Customer, Vendor
from services.order.parties.repository import PartyDirectory
from shared.contracts import utcnow
from shared.contracts.base import Delivery
from shared.contracts.parties import (
    INTEGRATION_SENDERS,
    CustomerUpserted,
    UpsertCustomer,
    UpsertVendor,
    VendorUpserted,
)
from shared.domain import DomainError
from shared.storage.store import Store

log = structlog.get_logger(__name__)


class PartyHandlers:
    def __init__(
        self, customers: Store[Customer], vendors: Store[Vendor], directory: PartyDirectory
    ) -> None:
        self.customers = customers
        self.vendors = vendors
        self.directory = directory
        """What orders are checked against (this replica forgets what it changes)."""

    async def upsert_customer(self, cmd: UpsertCustomer) -> None:
        """The next version of the customer, if ``expected_version`` is still the stored one."""

        def change(customer: Customer) -> None:
            customer.change(
                cmd.record,
                source=OMS,
                at=utcnow(),
                expected=cmd.expected_version,
                by=cmd.changed_by,
            )

        await self.customers.create_or_change(
            cmd.customer_id, cmd, create=_new(Customer, cmd.customer_id, change), change=change
        )
        self.directory.forget_customer(cmd.customer_id)

    async def upsert_vendor(self, cmd: UpsertVendor) -> None:
        def change(vendor: Vendor) -> None:
            vendor.change(
                cmd.record,
                source=OMS,
                at=utcnow(),
                expected=cmd.expected_version,
                by=cmd.changed_by,
            )

        await self.vendors.create_or_change(
            cmd.vendor_id, cmd, create=_new(Vendor, cmd.vendor_id, change), change=change
        )
        self.directory.forget_vendor(cmd.vendor_id)

    async def customer_upserted(self, event: CustomerUpserted) -> None:
        """The customer system's record, if newer than the stored one; otherwise (or if it
        breaks a rule) ignored and logged: a late event must not overwrite a newer record."""
        source = _sender(event.delivery, "customer")

        def change(customer: Customer) -> None:
            customer.change(event.record, source=source, at=utcnow(), version=event.version)

        if await _taken(
            self.customers, Customer, event.customer_id, event, change, record="customer"
        ):
            self.directory.forget_customer(event.customer_id)

    async def vendor_upserted(self, event: VendorUpserted) -> None:
        """As ``customer_upserted``, for the vendor system's records."""
        source = _sender(event.delivery, "vendor")

        def change(vendor: Vendor) -> None:
            vendor.change(event.record, source=source, at=utcnow(), version=event.version)

        if await _taken(self.vendors, Vendor, event.vendor_id, event, change, record="vendor"):
            self.directory.forget_vendor(event.vendor_id)


P = TypeVar("P", Customer, Vendor)


def _new(kind: type[P], party_id: str, change: Callable[[P], None]) -> Callable[[], P]:
    """Makes a record not stored yet, changed as a stored one would be (version 0 before)."""

    def create() -> P:
        party = kind(id=party_id)
        change(party)
        return party

    return create


def _sender(delivery: Delivery | None, record: str) -> str:
    """Who sent an integration event: the caller the broker vouched for, else the record's
    integration sender."""
    sender = delivery.sender if delivery else None
    return sender or INTEGRATION_SENDERS[record]


async def _taken(
    store: Store[P],
    kind: type[P],
    party_id: str,
    event: CustomerUpserted | VendorUpserted,
    change: Callable[[P], None],
    *,
    record: str,
) -> bool:
    """Whether the integration event's record was taken; one that is not newer, or breaks a
    rule, is ignored and logged (``<record>_upsert_ignored``)."""
    try:
        await store.create_or_change(
            party_id, event, create=_new(kind, party_id, change), change=change
        )
    except DomainError as refused:
        log.warning(
            f"{record}_upsert_ignored",
            **{f"{record}_id": party_id},
            version=event.version,
            reason=refused.reason,
            detail=refused.detail,
        )
        return False
    return True

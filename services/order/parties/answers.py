"""What the customer and vendor queries answer.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.contracts.parties import CustomerRecord, PartyStatus, VendorRecord
from shared.http import Answer


class RecordChangeAnswer(Answer):
    """One accepted version of a record."""

    version: int
    at: datetime
    source: str = Field(description="oms (back office, omsctl) or the integration caller")
    changed_by: str | None = None
    fields: list[str] = Field(description="the record's fields this version changed")


class _Held(Answer):
    version: int = Field(
        description="the record's version: the integration event's, or the stored one plus "
        "one for each change made in OMS; send it as expected_version with a change"
    )
    source: str = Field(description="where the current version came from")
    changed_by: str | None = None
    recorded_at: datetime | None = None


class CustomerListed(Answer):
    """A customer in a list: who, whether orders may be made, in which currency."""

    customer_id: str
    name: str
    status: PartyStatus
    currency: str
    version: int


class CustomerAnswer(_Held):
    """One customer: the record, its version and where it came from, and its history (the
    newest versions, oldest first)."""

    customer_id: str
    record: CustomerRecord
    history: list[RecordChangeAnswer] = []


class VendorListed(Answer):
    vendor_id: str
    name: str
    status: PartyStatus
    currency: str
    version: int


class VendorAnswer(_Held):
    """One vendor, as :class:`CustomerAnswer`."""

    vendor_id: str
    record: VendorRecord
    history: list[RecordChangeAnswer] = []

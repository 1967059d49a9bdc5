"""A customer or vendor record and its versions.

Two sources change a record. The business's own system publishes the whole record with a
version of its own (``customer.upserted``): a version not above the stored one is a late or
repeated event and changes nothing. The back office and omsctl (``order.upsert_customer``)
change it as the stored version plus one, and say which version they changed: if that is no
longer the stored one, someone else changed it meanwhile and the change is refused
(``stale_record``). Either way a record whose tax exemption certificate has already expired on
arrival is refused (``exemption_expired``). Each accepted change keeps a line of history:
which version, from where, by whom, when, and which fields changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from shared.contracts.parties import (
    CustomerRecord,
    CustomerRecorded,
    TaxExemption,
    VendorRecord,
    VendorRecorded,
)
from shared.domain import Aggregate, DomainError

OMS = "oms"
"""The source of changes made in OMS itself (back office, omsctl)."""
HISTORY_LIMIT = 50
"""Versions of a record kept in its history (the newest; older ones are dropped)."""


class StaleRecord(DomainError):
    """The change was made on another version than the stored one."""

    reason = "stale_record"


class OlderVersion(DomainError):
    """An integration event whose version is not above the stored one (ignored)."""

    reason = "older_version"


class RecordMismatch(DomainError):
    """The record names another party than the command."""

    reason = "record_mismatch"


class ExemptionExpired(DomainError):
    """The record's tax exemption certificate expired before it arrived."""

    reason = "exemption_expired"


class RecordChange(BaseModel):
    """One accepted version of a record."""

    model_config = ConfigDict(frozen=True)

    version: int
    at: datetime
    source: str = Field(description="oms, or the integration caller that sent it")
    changed_by: str | None = None
    fields: list[str] = Field(description="the record's fields this version changed")


def changed_fields(before: BaseModel | None, after: BaseModel) -> list[str]:
    """The fields of ``after`` that differ from ``before`` (a new record: those it sets)."""
    if before is None:
        return [name for name, value in after if value is not None]
    fields = type(after).model_fields
    return [name for name in fields if getattr(before, name) != getattr(after, name)]


def check_exemption(exemption: TaxExemption | None, *, what: str, today: date) -> None:
    """Refuse a certificate whose last valid day has passed (valid through ``expires_on``)."""
    if exemption is not None and exemption.expires_on < today:
        raise ExemptionExpired(
            f"{what}'s tax exemption certificate {exemption.certificate_id} expired on "
            f"{exemption.expires_on.isoformat()}: send a valid certificate, or none."
        )


class _Party(Aggregate):
    """What customers and vendors share: the version and where it came from, and history."""

    record_version: int = 0
    source: str = OMS
    changed_by: str | None = None
    recorded_at: datetime | None = None
    history: list[RecordChange] = Field(default_factory=list)

    @field_serializer("current", check_fields=False)
    def _as_stored(self, current: BaseModel | None) -> dict[str, Any] | None:
        """The record as its contract's JSON (dates as text: the database keeps no dates)."""
        return None if current is None else current.model_dump(mode="json")

    def _what(self) -> str:
        return f"{type(self).__name__} {self.id}"

    def _next_version(
        self, *, version: int | None, expected: int | None, source: str, named: str
    ) -> int:
        """The version a change gets, or why it is refused (see the module's docstring);
        ``named``: the id the record gives itself."""
        if named != self.id:
            raise RecordMismatch(
                f"{self._what()}: the record names {named}; send it for {named}, or name "
                f"{self.id} in it."
            )
        if version is not None:
            if version <= self.record_version:
                raise OlderVersion(
                    f"{self._what()}: version {version} from {source} is not above the stored "
                    f"version {self.record_version}; ignored."
                )
            return version
        if expected is not None and expected != self.record_version:
            raise StaleRecord(
                f"{self._what()} is at version {self.record_version}, but the change was made "
                f"on version {expected}: reload it and make the change again."
            )
        return self.record_version + 1

    def _keep(
        self, *, version: int, fields: list[str], source: str, by: str | None, at: datetime
    ) -> None:
        self.record_version = version
        self.source = source
        self.changed_by = by
        self.recorded_at = at
        change = RecordChange(version=version, at=at, source=source, changed_by=by, fields=fields)
        self.history = [*self.history, change][-HISTORY_LIMIT:]


class Customer(_Party):
    """A customer's record as OMS holds it."""

    current: CustomerRecord | None = None
    """``None`` only before the first version is taken."""

    def change(
        self,
        record: CustomerRecord,
        *,
        source: str,
        at: datetime,
        version: int | None = None,
        expected: int | None = None,
        by: str | None = None,
    ) -> None:
        """Take ``record``: with ``version`` (an integration event) if it is newer, else (a
        command) as the next version, if ``expected`` is still the stored one."""
        next_version = self._next_version(
            version=version, expected=expected, source=source, named=record.customer_id
        )
        check_exemption(record.tax_exemption, what=self._what(), today=at.date())
        fields = changed_fields(self.current, record)
        self.current = record
        self._keep(version=next_version, fields=fields, source=source, by=by, at=at)
        self.record(
            CustomerRecorded(
                customer_id=self.id,
                version=next_version,
                record=record,
                source=source,
                changed_by=by,
            )
        )


class Vendor(_Party):
    """A vendor's record as OMS holds it."""

    current: VendorRecord | None = None

    def change(
        self,
        record: VendorRecord,
        *,
        source: str,
        at: datetime,
        version: int | None = None,
        expected: int | None = None,
        by: str | None = None,
    ) -> None:
        """As :meth:`Customer.change` (vendors have no tax exemption)."""
        next_version = self._next_version(
            version=version, expected=expected, source=source, named=record.vendor_id
        )
        fields = changed_fields(self.current, record)
        self.current = record
        self._keep(version=next_version, fields=fields, source=source, by=by, at=at)
        self.record(
            VendorRecorded(
                vendor_id=self.id,
                version=next_version,
                record=record,
                source=source,
                changed_by=by,
            )
        )

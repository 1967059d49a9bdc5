"""What the other parts ask of the parties part, as types: ``PartyDirectory``
(``repository``) satisfies it, and so does a unit test's in-memory stand-in."""

from __future__ import annotations

from typing import Protocol

from shared.contracts.parties import CustomerRecord, VendorRecord


class Parties(Protocol):
    async def customer(self, customer_id: str) -> CustomerRecord | None:
        """The customer's record as lately seen (``None``: OMS knows no such customer)."""
        ...

    async def vendor(self, vendor_id: str) -> VendorRecord | None:
        """The vendor's record as lately seen (``None``: OMS knows no such vendor)."""
        ...

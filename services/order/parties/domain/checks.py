"""What an order's customer or vendor says about the order, when it is created, changed or
submitted.

The findings: the record is unknown (``unknown_customer``, ``unknown_vendor``), its status
stops new orders (``customer_blocked``, ``customer_on_hold``, ``vendor_blocked``,
``vendor_on_hold``), or the order is in another currency than the party's
(``currency_mismatch``). The order's branch decides (``order.configure_branch``
``unknown_party``): ``refuse`` refuses the command with the first finding's reason and every
finding's sentence (``REFUSALS``); ``allow`` lets the order go on carrying the findings as
``flags``.

A known record also fills what the order leaves out: the price list of lines without a price,
the payment terms, and, while the customer's tax exemption certificate is valid on the order's
date (through its ``expires_on``), the exemption its lines are priced under (no tax).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from shared.contracts import OrderLineInput, PricingTerms
from shared.contracts.parties import (
    CustomerRecord,
    OrderFlag,
    PartyStatus,
    UnknownParty,
    VendorRecord,
)
from shared.domain import DomainError


class UnknownCustomer(DomainError):
    """OMS has no record of the sales order's customer, and its branch refuses such orders
    (``order.configure_branch`` ``unknown_party: refuse``)."""

    reason = "unknown_customer"


class CustomerBlocked(DomainError):
    """The sales order's customer is blocked, and its branch refuses such orders."""

    reason = "customer_blocked"


class CustomerOnHold(DomainError):
    """The sales order's customer is on hold, and its branch refuses such orders."""

    reason = "customer_on_hold"


class UnknownVendor(DomainError):
    """OMS has no record of the purchase order's vendor, and its branch refuses such
    orders."""

    reason = "unknown_vendor"


class VendorBlocked(DomainError):
    """The purchase order's vendor is blocked, and its branch refuses such orders."""

    reason = "vendor_blocked"


class VendorOnHold(DomainError):
    """The purchase order's vendor is on hold, and its branch refuses such orders."""

    reason = "vendor_on_hold"


class CurrencyMismatch(DomainError):
    """The order is in another currency than its customer buys in (or its vendor sells in),
    and its branch refuses such orders."""

    reason = "currency_mismatch"


REFUSALS: dict[str, type[DomainError]] = {
    error.reason: error
    for error in (
        UnknownCustomer,
        CustomerBlocked,
        CustomerOnHold,
        UnknownVendor,
        VendorBlocked,
        VendorOnHold,
        CurrencyMismatch,
    )
}
"""Each finding's refusal, by its reason."""


class BranchRequired(DomainError):
    """The order names no branch, and its customer's or vendor's record names none (or OMS has
    no record of them)."""

    reason = "branch_required"


class CurrencyRequired(DomainError):
    """The order names no currency, and OMS has no record of its customer or vendor to take
    theirs from."""

    reason = "currency_required"


def order_defaults(
    record: CustomerRecord | VendorRecord | None,
    *,
    party: str,
    branch_id: str | None,
    currency: str | None,
) -> tuple[str, str]:
    """The branch and currency of a new order: as it names them, else its party's record's
    (``party``: "Customer C-1", "Vendor V-1", for the refusals' sentences)."""
    branch_id = branch_id or (record.branch_id if record is not None else None)
    currency = currency or (record.currency if record is not None else None)
    if branch_id is None:
        known = "names no default branch" if record is not None else "is not known to OMS"
        raise BranchRequired(f"The order names no branch_id, and {party} {known}: give one.")
    if currency is None:
        raise CurrencyRequired(
            f"The order names no currency, and {party} is not known to OMS: give one."
        )
    return branch_id, currency


@dataclass(frozen=True)
class PartyTerms:
    """What the customer's or vendor's record gives an order: the findings (flags) and the
    defaults it fills in."""

    flags: tuple[OrderFlag, ...] = ()
    payment_terms_days: int | None = None
    price_list_id: str | None = None
    tax_exemption: str | None = None
    """The certificate id of a valid tax exemption: the lines carry no tax."""


def _status(kind: str, party_id: str, name: str, status: PartyStatus) -> list[OrderFlag]:
    if status is PartyStatus.ACTIVE:
        return []
    said = "blocked" if status is PartyStatus.BLOCKED else "on hold"
    return [
        OrderFlag(
            reason=f"{kind}_{status.value}",
            detail=f"{kind.capitalize()} {party_id} ({name}) is {said}: no new orders for now.",
        )
    ]


def _currency(
    kind: str, party_id: str, name: str, *, theirs: str, currency: str, verb: str
) -> list[OrderFlag]:
    if theirs == currency:
        return []
    return [
        OrderFlag(
            reason="currency_mismatch",
            detail=f"{kind.capitalize()} {party_id} ({name}) {verb} in {theirs}, not {currency}.",
        )
    ]


def _unknown(kind: str, party_id: str, command: str) -> OrderFlag:
    return OrderFlag(
        reason=f"unknown_{kind}",
        detail=f"{kind.capitalize()} {party_id} is not known to OMS: record it first "
        f"({command}, or the {kind} system's {kind}.upserted).",
    )


def customer_flags(
    customer: CustomerRecord | None, *, customer_id: str, currency: str
) -> list[OrderFlag]:
    """What is wrong with a sales order's customer (empty: nothing)."""
    if customer is None:
        return [_unknown("customer", customer_id, "order.upsert_customer")]
    name = customer.name
    return [
        *_status("customer", customer_id, name, customer.status),
        *_currency(
            "customer", customer_id, name, theirs=customer.currency, currency=currency, verb="buys"
        ),
    ]


def vendor_flags(vendor: VendorRecord | None, *, vendor_id: str, currency: str) -> list[OrderFlag]:
    """What is wrong with a purchase order's vendor (empty: nothing)."""
    if vendor is None:
        return [_unknown("vendor", vendor_id, "order.upsert_vendor")]
    name = vendor.name
    return [
        *_status("vendor", vendor_id, name, vendor.status),
        *_currency(
            "vendor", vendor_id, name, theirs=vendor.currency, currency=currency, verb="sells"
        ),
    ]


def decide(flags: Sequence[OrderFlag], policy: UnknownParty, *, branch_id: str) -> None:
    """Refuse the order if it has findings and its branch refuses such orders."""
    if flags and policy is UnknownParty.REFUSE:
        findings = " ".join(flag.detail for flag in flags)
        raise REFUSALS[flags[0].reason](
            f"{findings} Branch {branch_id} refuses such orders (unknown_party: refuse)."
        )


def exemption_on(customer: CustomerRecord | None, day: date) -> str | None:
    """The certificate id of the customer's tax exemption if it is valid on ``day``."""
    exemption = customer.tax_exemption if customer is not None else None
    if exemption is None or day > exemption.expires_on:
        return None
    return exemption.certificate_id


def sales_terms(
    customer: CustomerRecord | None,
    *,
    customer_id: str,
    currency: str,
    policy: UnknownParty,
    branch_id: str,
    day: date,
) -> PartyTerms:
    """A sales order's findings (refused at a ``refuse`` branch) and its customer's defaults."""
    flags = customer_flags(customer, customer_id=customer_id, currency=currency)
    decide(flags, policy, branch_id=branch_id)
    if customer is None:
        return PartyTerms(flags=tuple(flags))
    return PartyTerms(
        flags=tuple(flags),
        payment_terms_days=customer.payment_terms_days,
        price_list_id=customer.price_list_id,
        tax_exemption=exemption_on(customer, day),
    )


def purchase_terms(
    vendor: VendorRecord | None,
    *,
    vendor_id: str,
    currency: str,
    policy: UnknownParty,
    branch_id: str,
) -> PartyTerms:
    """A purchase order's findings (refused at a ``refuse`` branch) and its vendor's defaults."""
    flags = vendor_flags(vendor, vendor_id=vendor_id, currency=currency)
    decide(flags, policy, branch_id=branch_id)
    payment_terms = vendor.payment_terms_days if vendor is not None else None
    return PartyTerms(flags=tuple(flags), payment_terms_days=payment_terms)


def with_price_list(
    terms: PricingTerms, lines: Sequence[OrderLineInput], party: PartyTerms
) -> PricingTerms:
    """``terms`` with the party's price list when they name none and a line has no price of
    its own (an order whose lines are all priced needs no list, so none is imposed on it)."""
    if terms.price_list_id is not None or party.price_list_id is None:
        return terms
    if all(line.unit_price is not None for line in lines):
        return terms
    return terms.model_copy(update={"price_list_id": party.price_list_id})

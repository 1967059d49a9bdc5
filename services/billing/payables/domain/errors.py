"""Refusals of supplier bills and vendor payments, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


class UnknownOrder(DomainError):
    """No approved purchase order of this id is known to billing (it learns of one from
    order.approved; a sales order is never billed by a vendor)."""

    reason = "unknown_order"


class DuplicateBill(DomainError):
    """The vendor's bill number is recorded for that vendor already (on another bill)."""

    reason = "duplicate_bill"


class BillExists(DomainError):
    """A bill with this bill_id was recorded by another command."""

    reason = "bill_exists"


class VendorMismatch(DomainError):
    """A bill from a vendor other than its purchase order's."""

    reason = "vendor_mismatch"


class PayableCurrencyMismatch(DomainError):
    """A bill in another currency than its purchase order's, or a vendor payment in another
    than its bill's."""

    reason = "currency_mismatch"


class InvalidAmount(DomainError):
    """An amount with more decimals than its currency's minor unit has (2 for USD, 0 for JPY,
    3 for KWD)."""

    reason = "invalid_amount"


class SkuNotOnOrder(DomainError):
    """A bill line for an item its purchase order does not have."""

    reason = "sku_not_on_order"


class UnknownBill(DomainError):
    """No bill with this id."""

    reason = "unknown_bill"


class BillNotHeld(DomainError):
    """Only a held bill is accepted or rejected."""

    reason = "bill_not_held"


class BillNotPayable(DomainError):
    """Only an approved bill with a balance is paid (not a held, rejected or paid one)."""

    reason = "bill_not_payable"


class VendorOverpayment(DomainError):
    """A vendor payment larger than its bill's balance."""

    reason = "overpayment"


class DuplicateVendorPayment(DomainError):
    """A payment_id already recorded on the bill (by another command)."""

    reason = "duplicate_payment"

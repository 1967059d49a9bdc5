"""What the payables queries answer: bills, and a vendor's open payables.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from shared.contracts.common import DecimalText
from shared.contracts.payables import BillLine, BillStatus, HowApproved, PaymentMade, Variance
from shared.http import Answer

ZERO = Decimal(0)


class BillAnswer(Answer):
    """One supplier bill: its lines as matched, why it is held (``variances``), who approved
    or rejected it, and its payments."""

    bill_id: str
    vendor_id: str
    vendor_bill_number: str
    order_id: str
    branch_id: str
    currency: str
    status: BillStatus
    lines: list[BillLine]
    variances: list[Variance] = []
    net_total: DecimalText
    tax_total: DecimalText
    total: DecimalText
    price_variance_total: DecimalText = ZERO
    amount_paid: DecimalText = ZERO
    balance: DecimalText
    payments: list[PaymentMade] = []
    approval: HowApproved | None = None
    approved_by: str | None = None
    rejected_by: str | None = None
    notes: str | None = None
    bill_date: date
    due_date: date
    recorded_by: str
    recorded_at: datetime
    version: int


class OpenBill(Answer):
    """A bill not yet paid nor rejected: held (not payable yet) or approved (payable)."""

    bill_id: str
    vendor_bill_number: str
    order_id: str
    status: BillStatus
    currency: str
    total: DecimalText
    amount_paid: DecimalText
    balance: DecimalText
    bill_date: date
    due_date: date


class PayablesTotal(Answer):
    """What is owed the vendor in one currency: ``approved`` is payable now, ``held`` waits
    for a person or a receipt; ``balance`` is both."""

    currency: str
    approved: DecimalText
    held: DecimalText
    balance: DecimalText
    bills: int


class VendorPayablesAnswer(Answer):
    """A vendor's open payables: its held and approved bills with a balance, by due date,
    and their totals per currency."""

    vendor_id: str
    bills: list[OpenBill]
    totals: list[PayablesTotal]

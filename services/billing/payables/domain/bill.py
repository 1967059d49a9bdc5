"""A supplier's bill: recorded against an approved purchase order, matched line by line,
approved or held, accepted or rejected by a person, paid in one or several payments.

Recording checks the bill against billing's copy of its order (vendor, currency, items) and
the currency's minor unit; the match (:mod:`.matching`) decides approved or held. A held bill
is matched again when its order receives more, or an earlier bill of it is rejected, and is
approved once every line is within tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import PlainSerializer

from services.billing.payables.domain.errors import (
    BillNotHeld,
    BillNotPayable,
    DuplicateVendorPayment,
    InvalidAmount,
    PayableCurrencyMismatch,
    SkuNotOnOrder,
    VendorMismatch,
    VendorOverpayment,
)
from services.billing.payables.domain.matching import Tolerance, match_line
from services.billing.payables.domain.orders import PurchaseOrderCopy
from shared.contracts.payables import (
    BillApproved,
    BillHeld,
    BillLine,
    BillLineInput,
    BillRecorded,
    BillRejected,
    BillStatus,
    HowApproved,
    PaymentMade,
    RecordBill,
    Variance,
    VendorPaymentRecorded,
)
from shared.domain import Aggregate
from shared.pricing.money import minor_unit

ZERO = Decimal(0)
StoredDate = Annotated[date, PlainSerializer(lambda day: day.isoformat(), return_type=str)]
"""A calendar day, stored as ``YYYY-MM-DD`` (BSON has no date without a time)."""
MATCHABLE = (BillStatus.OPEN, BillStatus.HELD)


def check_amount(amount: Decimal, currency: str, what: str) -> None:
    """``invalid_amount`` for an amount finer than the currency's minor unit."""
    unit = minor_unit(currency)
    if amount % unit != ZERO:
        raise InvalidAmount(
            f"{what} {amount} has more decimals than {currency} has (its minor unit is {unit})."
        )


class Bill(Aggregate):
    vendor_id: str
    vendor_bill_number: str
    order_id: str
    branch_id: str
    currency: str
    status: BillStatus = BillStatus.OPEN
    lines: list[BillLine]
    variances: list[Variance] = []
    approval: HowApproved | None = None
    approved_by: str | None = None
    notes: str | None = None
    rejected_by: str | None = None
    net_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    total: Decimal = ZERO
    price_variance_total: Decimal = ZERO
    amount_paid: Decimal = ZERO
    balance: Decimal = ZERO
    payments: list[PaymentMade] = []
    bill_date: StoredDate
    due_date: StoredDate
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def enter(
        cls,
        cmd: RecordBill,
        order: PurchaseOrderCopy,
        *,
        earlier: Mapping[str, Decimal],
        tolerance: Tolerance,
        at: datetime,
    ) -> Bill:
        """The bill as recorded and matched; refused (nothing made) when it does not fit its
        order."""
        order.checked_approved()
        if cmd.vendor_id != order.vendor_id:
            raise VendorMismatch(
                f"Purchase order {order.id} is for vendor {order.vendor_id}, not "
                f"{cmd.vendor_id}: a bill is recorded against its own vendor's order."
            )
        if cmd.currency != order.currency:
            raise PayableCurrencyMismatch(
                f"Purchase order {order.id} is in {order.currency}, not {cmd.currency}: "
                "record the bill in the order's currency."
            )
        if missing := [line.sku for line in cmd.lines if order.item(line.sku) is None]:
            raise SkuNotOnOrder(
                f"lines: {', '.join(missing)} not on purchase order {order.id} (it has "
                f"{', '.join(item.sku for item in order.items)})."
            )
        for number, line in enumerate(cmd.lines, start=1):
            check_amount(line.tax, cmd.currency, f"lines[{number}].tax")
        due = cmd.due_date or cmd.bill_date + timedelta(days=cmd.payment_terms_days)
        bill = cls(
            id=cmd.bill_id,
            vendor_id=cmd.vendor_id,
            vendor_bill_number=cmd.vendor_bill_number,
            order_id=order.id,
            branch_id=order.branch_id,
            currency=cmd.currency,
            lines=[],
            bill_date=cmd.bill_date,
            due_date=due,
            recorded_by=cmd.recorded_by,
            recorded_at=at,
        )
        lines, variances = bill._matched(cmd.lines, order, earlier, tolerance)
        bill._set_lines(lines)
        bill.record(BillRecorded(**bill.facts(), recorded_at=at))
        bill._decide(variances)
        return bill

    # --- the match ----------------------------------------------------------------------

    def _matched(
        self,
        lines: list[BillLineInput],
        order: PurchaseOrderCopy,
        earlier: Mapping[str, Decimal],
        tolerance: Tolerance,
    ) -> tuple[list[BillLine], list[Variance]]:
        matched, variances = [], []
        prices = order.unit_prices()  # every sku of the bill: checked when it was recorded
        for number, line in enumerate(lines, start=1):
            bill_line, found = match_line(
                number,
                line,
                order_unit_price=prices[line.sku],
                available=order.received_of(line.sku) - earlier.get(line.sku, ZERO),
                tolerance=tolerance,
                currency=self.currency,
            )
            matched.append(bill_line)
            variances += found
        return matched, variances

    def match(
        self, order: PurchaseOrderCopy, earlier: Mapping[str, Decimal], tolerance: Tolerance
    ) -> None:
        """Match a held bill again (more received, an earlier bill rejected, a tolerance
        changed): approved when every line is within, else held with the reasons now."""
        if self.status not in MATCHABLE:
            return
        inputs = [
            BillLineInput(
                sku=line.sku, quantity=line.quantity, unit_price=line.unit_price, tax=line.tax
            )
            for line in self.lines
        ]
        lines, variances = self._matched(inputs, order, earlier, tolerance)
        self._set_lines(lines)  # what is available now, shown on the lines
        if variances != self.variances:  # the same reasons are not told again
            self._decide(variances)

    def _decide(self, variances: list[Variance]) -> None:
        self.variances = variances
        if variances:
            self.status = BillStatus.HELD
            self.record(BillHeld(**self.facts(), variances=variances))
        else:
            self.status, self.approval = BillStatus.APPROVED, HowApproved.MATCHED
            self.record(BillApproved(**self.facts(), approval=HowApproved.MATCHED))

    # --- people's decisions ------------------------------------------------------------------

    def _held(self, doing: str) -> None:
        if self.status is not BillStatus.HELD:
            raise BillNotHeld(f"Bill {self.id} is {self.status}: only a held bill is {doing}.")

    def accept(self, by: str, notes: str) -> None:
        """Approve a held bill as it is: its variances (the price variance per line) stay
        recorded in it."""
        self._held("accepted")
        self.status, self.approval = BillStatus.APPROVED, HowApproved.ACCEPTED
        self.approved_by, self.notes = by, notes
        self.record(
            BillApproved(
                **self.facts(),
                approval=HowApproved.ACCEPTED,
                approved_by=by,
                notes=notes,
                accepted_variances=self.variances,
            )
        )

    def reject(self, by: str, notes: str) -> None:
        self._held("rejected")
        self.status, self.rejected_by, self.notes = BillStatus.REJECTED, by, notes
        self.record(BillRejected(**self.facts(), rejected_by=by, notes=notes))

    # --- payments -------------------------------------------------------------------------

    def pay(self, payment: PaymentMade, currency: str) -> None:
        """Record a payment to the vendor; the bill is paid once nothing is left."""
        if self.status is not BillStatus.APPROVED:
            raise BillNotPayable(
                f"Bill {self.id} is {self.status}: only an approved bill with a balance is paid."
            )
        if currency != self.currency:
            raise PayableCurrencyMismatch(f"Bill {self.id} is in {self.currency}, not {currency}.")
        check_amount(payment.amount, currency, "amount")
        if any(made.payment_id == payment.payment_id for made in self.payments):
            raise DuplicateVendorPayment(
                f"Payment {payment.payment_id} is recorded on {self.id} already."
            )
        if payment.amount > self.balance:
            raise VendorOverpayment(
                f"amount: {payment.amount} is more than the {self.balance} {self.currency} "
                f"left on {self.id}."
            )
        self.amount_paid += payment.amount
        self.balance = self.total - self.amount_paid
        self.payments = [*self.payments, payment]
        if self.balance == ZERO:
            self.status = BillStatus.PAID
        self.record(
            VendorPaymentRecorded(
                **self.facts(),
                payment_id=payment.payment_id,
                amount=payment.amount,
                paid_at=payment.paid_at,
            )
        )

    # --- figures ----------------------------------------------------------------------------

    def _set_lines(self, lines: list[BillLine]) -> None:
        """The lines and the totals they make (kept in the document for the queries)."""
        self.lines = lines
        self.net_total = sum((line.net for line in lines), ZERO)
        self.tax_total = sum((line.tax for line in lines), ZERO)
        self.total = self.net_total + self.tax_total
        self.price_variance_total = sum((line.price_variance for line in lines), ZERO)
        self.balance = self.total  # lines change only before the bill is approved and paid

    def billed(self) -> dict[str, Decimal]:
        """The quantity of each sku this bill bills."""
        return {line.sku: line.quantity for line in self.lines}

    def facts(self) -> dict[str, Any]:
        return {
            "bill_id": self.id,
            "vendor_id": self.vendor_id,
            "vendor_bill_number": self.vendor_bill_number,
            "order_id": self.order_id,
            "branch_id": self.branch_id,
            "currency": self.currency,
            "status": self.status,
            "lines": self.lines,
            "net_total": self.net_total,
            "tax_total": self.tax_total,
            "total": self.total,
            "price_variance_total": self.price_variance_total,
            "amount_paid": self.amount_paid,
            "balance": self.balance,
            "bill_date": self.bill_date,
            "due_date": self.due_date,
            "recorded_by": self.recorded_by,
        }

"""Credit limits: a customer's open exposure and the check of a sales order against the limit.

Approval keeps, per customer, the record's credit limit, currency, status and name (from
``order.customer_recorded``; a version not above the stored one is ignored) and the sales
orders that are open. Exposure is, in the customer's currency, the sum over open orders of
the order's total minus what has been settled on its invoices (paid plus credited minus
refunded, as the invoice's latest event says; a voided or written-off invoice is settled in
full), never below zero per order. An order is counted once, at its latest attempt's total: it
opens when submitted, and leaves when rejected, cancelled or fully settled.

An order in another currency than the customer's is converted at the approval service's rates
(units of the base currency per unit of each currency; the base currency is 1), rounded to the
customer's currency's minor unit, half to even; its settlements convert at the same rate. An
order that cannot be converted (no rate) is kept but not counted, and its own check always
applies, saying why: it is never let through silently.

The check: the order applies (goes to the credit approver) when exposure plus the order's
amount is above the limit; at the limit exactly it does not. A customer without a limit (or
unknown to approval) has no check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from services.approval.domain.cycles import require_admin
from services.approval.domain.thresholds import Rates
from services.approval.domain.users import User
from shared.contracts import CreditCheck, CreditConfigured, CustomerRecord
from shared.domain import Aggregate
from shared.pricing.money import minor_unit, round_to

ZERO = Decimal(0)
SETTINGS_ID = "credit"


def credit_id(customer_id: str) -> str:
    """Where a customer's credit record is kept (beside the parties' cycle assignments)."""
    return f"credit:{customer_id}"


def converted(amount: Decimal, currency: str, *, to: str, rates: Rates) -> Decimal | None:
    """``amount`` of ``currency`` in ``to``, through the base currency; None without a rate."""
    if currency == to:
        return amount
    rate_from = Decimal(1) if currency == rates.base else rates.per_unit.get(currency)
    rate_to = Decimal(1) if to == rates.base else rates.per_unit.get(to)
    if rate_from is None or rate_to is None:
        return None
    return round_to(amount * rate_from / rate_to, minor_unit(to))


class InvoiceSettlement(BaseModel):
    """What has been settled on one invoice of an order, as its latest event said."""

    invoice_id: str
    settled: Decimal = Field(description="in the order's currency")
    at: datetime = Field(description="when the event that said so occurred")


class OpenOrder(BaseModel):
    """A sales order counted in its customer's exposure."""

    order_id: str
    attempt: int
    total: Decimal
    currency: str
    amount: Decimal | None
    """The total in the customer's currency (None: no rate to convert it)."""
    invoices: list[InvoiceSettlement] = []

    @property
    def settled(self) -> Decimal:
        return sum((invoice.settled for invoice in self.invoices), ZERO)

    def exposure(self, customer_currency: str, rates: Rates) -> Decimal:
        """What is still open of the order, in the customer's currency (0 at least)."""
        settled = converted(self.settled, self.currency, to=customer_currency, rates=rates)
        if self.amount is None or settled is None:  # no rate: neither converts
            return ZERO
        return max(ZERO, self.amount - settled)


class CustomerCredit(Aggregate):
    """One customer's credit limit and open sales orders, as approval knows them."""

    customer_id: str
    name: str = ""
    currency: str = ""
    status: str = "active"
    limit: Decimal | None = None
    record_version: int = 0
    orders: list[OpenOrder] = []

    def take_record(self, version: int, record: CustomerRecord) -> bool:
        """Take the customer's record at ``version``; False (nothing changes) when it is not
        newer than the one held."""
        if version <= self.record_version:
            return False
        self.record_version, self.name = version, record.name
        self.currency, self.status = record.currency, record.status.value
        self.limit = record.credit_limit.amount if record.credit_limit else None
        return True

    def exposure(self, rates: Rates, *, besides: str | None = None) -> Decimal:
        """The open exposure, leaving out the order ``besides`` (the one being checked)."""
        return sum(
            (o.exposure(self.currency, rates) for o in self.orders if o.order_id != besides),
            ZERO,
        )

    def check(
        self, order_id: str, total: Decimal, currency: str, rates: Rates
    ) -> CreditCheck | None:
        """The credit check of an order of ``total`` ``currency`` (None: no limit)."""
        if self.limit is None or not self.currency:
            return None
        exposure = self.exposure(rates, besides=order_id)
        amount = converted(total, currency, to=self.currency, rates=rates)
        if amount is None:
            return CreditCheck(
                limit=self.limit,
                currency=self.currency,
                exposure=exposure,
                exposure_after=exposure,
                over_by=max(ZERO, exposure - self.limit),
                applies=True,
                why=f"no rate from {currency} to {self.currency}: checked by the credit approver",
            )
        after = exposure + amount
        over = after > self.limit
        relation = "above" if over else "not above"
        return CreditCheck(
            limit=self.limit,
            currency=self.currency,
            exposure=exposure,
            exposure_after=after,
            over_by=after - self.limit if over else ZERO,
            applies=over,
            why=f"exposure {exposure} + {amount} = {after} {self.currency}, {relation} the "
            f"limit {self.limit} {self.currency}",
        )

    def open_order(
        self, order_id: str, attempt: int, total: Decimal, currency: str, rates: Rates
    ) -> None:
        """A submission: the order counts (once) at this attempt's total; an older attempt
        arriving late changes nothing."""
        found = self._order(order_id)
        if found is not None and found.attempt >= attempt:
            return
        amount = converted(total, currency, to=self.currency, rates=rates)
        invoices = found.invoices if found is not None else []
        self.orders = [o for o in self.orders if o.order_id != order_id]
        self.orders.append(
            OpenOrder(
                order_id=order_id,
                attempt=attempt,
                total=total,
                currency=currency,
                amount=amount,
                invoices=invoices,
            )
        )

    def close_order(self, order_id: str, *, attempt: int | None = None) -> bool:
        """The order was cancelled, or its attempt ``attempt`` rejected: it no longer counts
        (a rejection of an older attempt than the one counted changes nothing)."""
        found = self._order(order_id)
        if found is None or (attempt is not None and found.attempt > attempt):
            return False
        self.orders.remove(found)
        return True

    def settle(self, order_id: str, invoice_id: str, settled: Decimal, at: datetime) -> bool:
        """An invoice of the order now has ``settled`` paid or credited (absolute, as of
        ``at``: an older event changes nothing). A fully settled order leaves."""
        found = self._order(order_id)
        if found is None:
            return False
        invoices = {invoice.invoice_id: invoice for invoice in found.invoices}
        known = invoices.get(invoice_id)
        if known is not None and known.at >= at:
            return False
        invoices[invoice_id] = InvoiceSettlement(invoice_id=invoice_id, settled=settled, at=at)
        found.invoices = list(invoices.values())
        if found.settled >= found.total:
            self.orders.remove(found)
        return True

    def counts(self, order_id: str) -> bool:
        """Whether the order is among the open ones."""
        return self._order(order_id) is not None

    def _order(self, order_id: str) -> OpenOrder | None:
        return next((o for o in self.orders if o.order_id == order_id), None)


class CreditSettings(Aggregate):
    """The approval-wide credit approver: for customers in no cycle, or in a cycle that names
    no credit approver of its own."""

    credit_approver_id: str | None = None
    revision: int = 0
    configured_by: str | None = None

    def configure(self, approver_id: str | None, *, by: str, users: Mapping[str, User]) -> None:
        if approver_id is not None:
            require_admin(approver_id, users, "the credit approver")
        self.credit_approver_id, self.configured_by = approver_id, by
        self.revision += 1
        self.record(
            CreditConfigured(
                credit_approver_id=approver_id, configured_by=by, revision=self.revision
            )
        )

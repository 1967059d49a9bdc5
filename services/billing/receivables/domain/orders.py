"""Billing's copy of a sales order: what it was priced at, what was shipped, invoiced and
returned, and the invoices (bills) that are due by its invoicing policy.

The copy is made from ``order.approved``; goods issues, the completion and returns may reach
billing before the approval does (they come on other queues), so each is kept as it comes and
the bills are worked out once the approval is known. A bill is the whole content of one invoice
(its lines, taxes and totals); it is written here first, then stored as an invoice with the
next number of its series (at most one per order and bill), and marked with the invoice's id
by a later write of the copy: a crash between those steps is finished from the bill by the
redelivery, or by the next event about the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from services.billing.receivables.domain.lines import (
    LineTarget,
    invoice_line,
    line_targets,
    tax_totals,
)
from shared.contracts.inventory import LineProgress, StockLine
from shared.contracts.orders import OrderApproved
from shared.contracts.pricing import TaxTotal
from shared.contracts.receivables import (
    CreditedLines,
    CustomerInvoiceLine,
    InvoicingPolicy,
    ReturnCredited,
)
from shared.contracts.subscriptions import BillingContact
from shared.domain import Aggregate
from shared.pricing.money import ZERO, minor_unit

APPROVAL, COMPLETION = "approval", "completion"


class OrderTerms(BaseModel):
    """How one order is invoiced: the policy in force when its approval was learnt."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    policy: InvoicingPolicy = InvoicingPolicy.ON_COMPLETION
    payment_terms_days: int = 30
    invoice_series: str = "SI"
    billing_contact: BillingContact | None = None


class Shipment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    issue_id: str
    lines: list[StockLine]


class Bill(BaseModel):
    """One invoice to issue: its key in the order (``approval``, ``issue:<id>``,
    ``completion``) and its whole content."""

    model_config = ConfigDict(extra="ignore")

    key: str
    issue_id: str | None = None
    lines: list[CustomerInvoiceLine]
    taxes: list[TaxTotal]
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    final: bool
    invoice_id: str | None = None


class ReturnPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    return_id: str
    credits: list[CreditedLines] = []


Creditable = Sequence[tuple[str, dict[str, Decimal]]]
"""The order's invoices, oldest first, each with what of each item it has left to credit."""


class SalesOrder(Aggregate):
    known: bool = False
    """Whether the approval was learnt (until then only shipments and returns are kept)."""
    customer_id: str = ""
    branch_id: str = ""
    currency: str = ""
    prices_include_tax: bool = False
    terms: OrderTerms = OrderTerms()
    targets: list[LineTarget] = []
    invoiced: list[Decimal] = []
    """Per line: the quantity billed so far."""
    not_to_invoice: list[Decimal] = []
    """Per line: returned before it was invoiced (taken off what is still to invoice)."""
    shipments: list[Shipment] = []
    completed: list[LineProgress] | None = None
    bills: list[Bill] = []
    pending: bool = False
    """Whether a bill is not marked with its invoice yet: it waits to be stored as one, or was
    stored and the mark rides on the copy's next write (the next event about the order, or
    the redelivery of the one that made it, stores it or finds it stored)."""
    returns: list[ReturnPlan] = []

    # --- what billing learns -------------------------------------------------------------

    def approve(self, order: OrderApproved, terms: OrderTerms) -> None:
        if self.known:
            return
        self.known = True
        self.customer_id, self.branch_id = order.party_id, order.branch_id
        self.currency, self.terms = order.currency, terms
        if order.payment_terms_days is not None:  # the customer's record's terms come first
            self.terms = terms.model_copy(update={"payment_terms_days": order.payment_terms_days})
        self.prices_include_tax = order.pricing is not None and order.pricing.prices_include_tax
        self.targets = line_targets(order)
        self.invoiced = [ZERO for _ in self.targets]
        self.not_to_invoice = [ZERO for _ in self.targets]
        self._bill_due()

    def ship(self, issue_id: str, lines: Sequence[StockLine]) -> None:
        if all(shipment.issue_id != issue_id for shipment in self.shipments):
            self.shipments = [*self.shipments, Shipment(issue_id=issue_id, lines=list(lines))]
            self._bill_due()

    def complete(self, lines: Sequence[LineProgress]) -> None:
        if self.completed is None:
            self.completed = list(lines)
            self._bill_due()

    def invoice_stored(self, key: str, invoice_id: str) -> None:
        for bill in self.bills:
            if bill.key == key:
                bill.invoice_id = invoice_id
        self.pending = any(bill.invoice_id is None for bill in self.bills)

    @property
    def pending_bills(self) -> list[Bill]:
        return [bill for bill in self.bills if bill.invoice_id is None]

    # --- bills -----------------------------------------------------------------------------

    def _bill_due(self) -> None:
        if not self.known:
            return
        keys = {bill.key for bill in self.bills}
        policy = self.terms.policy
        if policy is InvoicingPolicy.ON_APPROVAL and APPROVAL not in keys:
            left = [t.quantity - done for t, done in zip(self.targets, self.invoiced, strict=True)]
            self._bill(APPROVAL, None, left)
        elif policy is InvoicingPolicy.PER_ISSUE:
            for shipment in self.shipments:
                if f"issue:{shipment.issue_id}" not in keys:
                    quantities = self._spread(shipment.lines, self._uninvoiced())
                    self._bill(f"issue:{shipment.issue_id}", shipment.issue_id, quantities)
        elif policy is InvoicingPolicy.ON_COMPLETION and self.completed and COMPLETION not in keys:
            fulfilled = [
                StockLine(sku=p.sku, quantity=p.fulfilled)
                for p in self.completed
                if p.fulfilled > ZERO
            ]
            shipped = self._spread(fulfilled, self._open())
            quantities = [
                max(shipped[i] - self.invoiced[i] - self.not_to_invoice[i], ZERO)
                for i in range(len(self.targets))
            ]
            self._bill(COMPLETION, None, quantities)

    def _uninvoiced(self) -> list[Decimal]:
        return [
            t.quantity - self.invoiced[i] - self.not_to_invoice[i]
            for i, t in enumerate(self.targets)
        ]

    def _open(self) -> list[Decimal]:
        return [t.quantity for t in self.targets]

    def _spread(self, lines: Sequence[StockLine], room: Sequence[Decimal]) -> list[Decimal]:
        """Quantities of items over the order's lines of each item, in line order, each line
        taking at most its ``room``."""
        taken = [ZERO for _ in self.targets]
        for item in lines:
            left = item.quantity
            for i, target in enumerate(self.targets):
                if target.sku == item.sku and left > ZERO:
                    taken[i] += (step := min(left, max(room[i] - taken[i], ZERO)))
                    left -= step
        return taken

    def _bill(self, key: str, issue_id: str | None, quantities: Sequence[Decimal]) -> None:
        unit = minor_unit(self.currency)
        lines = [
            invoice_line(target, self.invoiced[i], quantities[i], unit)
            for i, target in enumerate(self.targets)
            if quantities[i] > ZERO
        ]
        self.invoiced = [done + q for done, q in zip(self.invoiced, quantities, strict=True)]
        if not lines:
            return
        net = sum((line.net for line in lines), ZERO)
        tax = sum((line.tax for line in lines), ZERO)
        final = self.terms.policy is not InvoicingPolicy.PER_ISSUE or all(
            q <= ZERO for q in self._uninvoiced()
        )
        bill = Bill(
            key=key,
            issue_id=issue_id,
            lines=lines,
            taxes=tax_totals(lines),
            net_total=net,
            tax_total=tax,
            total=net + tax,
            final=final,
        )
        self.bills = [*self.bills, bill]
        self.pending = True

    # --- returns ---------------------------------------------------------------------------

    def plan(self, return_id: str) -> ReturnPlan | None:
        return next((p for p in self.returns if p.return_id == return_id), None)

    def return_received(
        self, return_id: str, lines: Sequence[StockLine], creditable: Creditable
    ) -> None:
        """Credit the returned items against the invoices that billed them, oldest first; take
        what was not invoiced yet off what is still to invoice; say what was done."""
        if self.plan(return_id) is not None:
            return
        left = {inv: dict(items) for inv, items in creditable}
        credits: dict[str, list[StockLine]] = {}
        not_yet: list[StockLine] = []
        not_credited: list[StockLine] = []
        for item in lines:
            wanted = item.quantity
            for invoice_id, _ in creditable:
                step = min(wanted, left[invoice_id].get(item.sku, ZERO))
                if step > ZERO:
                    credits.setdefault(invoice_id, []).append(
                        StockLine(sku=item.sku, quantity=step)
                    )
                    left[invoice_id][item.sku] -= step
                    wanted -= step
            wanted = self._not_invoiced(item.sku, wanted, not_yet)
            if wanted > ZERO:
                not_credited.append(StockLine(sku=item.sku, quantity=wanted))
        plan = ReturnPlan(
            return_id=return_id,
            credits=[CreditedLines(invoice_id=i, lines=ls) for i, ls in credits.items()],
        )
        self.returns = [*self.returns, plan]
        self.record(
            ReturnCredited(
                order_id=self.id,
                return_id=return_id,
                customer_id=self.customer_id or "unknown",
                credits=plan.credits,
                not_yet_invoiced=not_yet,
                not_credited=not_credited,
                detail=_said(plan.credits, not_yet, not_credited, known=self.known),
            )
        )

    def _not_invoiced(self, sku: str, wanted: Decimal, noted: list[StockLine]) -> Decimal:
        """Take up to ``wanted`` of the item off what was shipped and is not invoiced yet;
        what is left of ``wanted``."""
        if not self.known or wanted <= ZERO:
            return wanted
        shipped = self._spread([line for s in self.shipments for line in s.lines], self._open())
        taken = ZERO
        for i, target in enumerate(self.targets):
            if target.sku == sku:
                room = shipped[i] - self.invoiced[i] - self.not_to_invoice[i]
                step = min(wanted - taken, max(room, ZERO))
                self.not_to_invoice[i] += step
                taken += step
        if taken > ZERO:
            noted.append(StockLine(sku=sku, quantity=taken))
        return wanted - taken


def _said(
    credits: Sequence[CreditedLines],
    not_yet: Sequence[StockLine],
    not_credited: Sequence[StockLine],
    *,
    known: bool,
) -> str:
    def items(lines: Sequence[StockLine]) -> str:
        return ", ".join(f"{line.quantity} {line.sku}" for line in lines)

    said = [f"credited on {c.invoice_id}: {items(c.lines)}" for c in credits]
    if not_yet:
        said.append(f"not invoiced yet, taken off what is still to invoice: {items(not_yet)}")
    if not_credited:
        why = "beyond what was shipped" if known else "the order's approval is not known"
        said.append(f"not credited ({why}): {items(not_credited)}")
    return "; ".join(said) + "."

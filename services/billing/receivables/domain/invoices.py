"""Sales invoices: issued from a bill of an order, paid (in part, in full, several times),
credited (by items and quantities, or by an amount), refunded, and reminded when overdue.

The balance is total - credited - paid + refunded: above 0 the customer owes it (``open``), 0
is ``settled``, below 0 the customer is owed it (``in_credit``) until a refund pays it out.
Credit notes are numbered per invoice, ``<invoice_id>-CN<k>``, without gaps (they live in the
invoice's own document).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.billing.common.dunning import DunningPolicy
from services.billing.receivables.domain.errors import (
    CreditExceedsInvoice,
    CreditNoteNotFound,
    CurrencyMismatch,
    DuplicatePayment,
    InvalidAmount,
    NotOnInvoice,
    Overpayment,
    RefundExceedsCredit,
)
from services.billing.receivables.domain.lines import tax_totals
from services.billing.receivables.domain.orders import Bill, OrderTerms, SalesOrder
from services.billing.receivables.domain.shares import allocate, fits, share
from shared.contracts.inventory import StockLine
from shared.contracts.pricing import LineTax, TaxTotal
from shared.contracts.receivables import (
    CreditNote,
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerInvoiceLine,
    CustomerInvoiceOverdue,
    CustomerInvoiceStatus,
    CustomerPaymentRecorded,
    InvoicedLine,
    RefundRecorded,
)
from shared.contracts.subscriptions import BillingContact
from shared.domain import Aggregate
from shared.pricing.money import ZERO, minor_unit

OPEN, SETTLED, IN_CREDIT = (
    CustomerInvoiceStatus.OPEN,
    CustomerInvoiceStatus.SETTLED,
    CustomerInvoiceStatus.IN_CREDIT,
)


class Money(BaseModel):
    """A payment in or a refund out."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    amount: Decimal
    at: datetime
    refund: bool = False
    credit_note_id: str | None = None


class CustomerInvoice(Aggregate):
    series: str
    number: int
    order_id: str
    bill: str
    issue_id: str | None = None
    customer_id: str
    branch_id: str
    currency: str
    terms: OrderTerms
    lines: list[CustomerInvoiceLine]
    taxes: list[TaxTotal] = []
    prices_include_tax: bool = False
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    final: bool = False
    issued_at: datetime
    due_at: datetime
    credited: list[InvoicedLine] = []
    """Per invoice line: what credit notes took of it so far (quantity, net, taxes)."""
    credit_notes: list[CreditNote] = []
    money: list[Money] = []
    amount_credited: Decimal = ZERO
    amount_paid: Decimal = ZERO
    amount_refunded: Decimal = ZERO
    status: CustomerInvoiceStatus = OPEN
    attempts: int = 0
    next_attempt_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        number: int,
        order: SalesOrder,
        bill: Bill,
        at: datetime,
        policy: DunningPolicy,
    ) -> CustomerInvoice:
        """The invoice of ``bill`` of the order, numbered ``number``."""
        terms = order.terms
        due_at = at + timedelta(days=terms.payment_terms_days)
        invoice = cls(
            id=f"{terms.invoice_series}-{number:06d}",
            series=terms.invoice_series,
            number=number,
            order_id=order.id,
            bill=bill.key,
            issue_id=bill.issue_id,
            customer_id=order.customer_id,
            branch_id=order.branch_id,
            currency=order.currency,
            terms=terms,
            lines=bill.lines,
            taxes=bill.taxes,
            prices_include_tax=order.prices_include_tax,
            net_total=bill.net_total,
            tax_total=bill.tax_total,
            total=bill.total,
            final=bill.final,
            issued_at=at,
            due_at=due_at,
            credited=[_nothing(line) for line in bill.lines],
            next_attempt_at=policy.attempt_at(due_at, 1),
        )
        invoice._settle()
        invoice.record(
            CustomerInvoiceIssued(
                **invoice.facts(),
                policy=terms.policy,
                issue_id=bill.issue_id,
                lines=bill.lines,
                taxes=bill.taxes,
                prices_include_tax=invoice.prices_include_tax,
                net_total=bill.net_total,
                tax_total=bill.tax_total,
                payment_terms_days=terms.payment_terms_days,
                issued_at=at,
                final=bill.final,
            )
        )
        return invoice

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_credited - self.amount_paid + self.amount_refunded

    @property
    def billing_contact(self) -> BillingContact | None:
        return self.terms.billing_contact

    def facts(self) -> dict[str, Any]:
        return {
            "invoice_id": self.id,
            "series": self.series,
            "number": self.number,
            "order_id": self.order_id,
            "customer_id": self.customer_id,
            "branch_id": self.branch_id,
            "status": self.status,
            "currency": self.currency,
            "total": self.total,
            "amount_credited": self.amount_credited,
            "amount_paid": self.amount_paid,
            "amount_refunded": self.amount_refunded,
            "balance": self.balance,
            "due_at": self.due_at,
            "billing_contact": self.billing_contact,
        }

    def _settle(self) -> None:
        balance = self.balance
        self.status = OPEN if balance > ZERO else SETTLED if balance == ZERO else IN_CREDIT
        if self.status is not OPEN:
            self.next_attempt_at = None

    def _checked(self, money_id: str, amount: Decimal, currency: str) -> None:
        if currency != self.currency:
            raise CurrencyMismatch(f"Invoice {self.id} is in {self.currency}, not {currency}.")
        self._fits(amount)
        if any(m.id == money_id for m in self.money):
            raise DuplicatePayment(f"{money_id} is recorded on {self.id} already.")

    def _fits(self, amount: Decimal) -> None:
        unit = minor_unit(self.currency)
        if not fits(amount, unit):
            raise InvalidAmount(
                f"amount {amount} is finer than {self.currency} counts (its minor unit is {unit})."
            )

    # --- payments and refunds --------------------------------------------------------------

    def pay(self, payment_id: str, amount: Decimal, currency: str, at: datetime) -> None:
        """Money received; several payments add up to the balance, never beyond it."""
        self._checked(payment_id, amount, currency)
        if amount > self.balance:
            raise Overpayment(
                f"{amount} is more than the {max(self.balance, ZERO)} {self.currency} owed on "
                f"{self.id}."
            )
        self.money = [*self.money, Money(id=payment_id, amount=amount, at=at)]
        self.amount_paid += amount
        self._settle()
        self.record(
            CustomerPaymentRecorded(
                **self.facts(), payment_id=payment_id, amount=amount, received_at=at
            )
        )

    def refund(
        self,
        refund_id: str,
        amount: Decimal,
        currency: str,
        at: datetime,
        credit_note_id: str | None = None,
    ) -> None:
        """Money paid back, up to what the customer is owed (and, against a credit note, up to
        what of it is not refunded yet)."""
        self._checked(refund_id, amount, currency)
        owed = max(-self.balance, ZERO)
        if amount > owed:
            raise RefundExceedsCredit(
                f"{amount} is more than the {owed} {self.currency} {self.id} owes the customer."
            )
        if credit_note_id is not None:
            note = self._note(credit_note_id)
            if amount > (left := note.total - note.refunded):
                raise RefundExceedsCredit(
                    f"{amount} is more than the {left} {self.currency} left of {credit_note_id}."
                )
            self.credit_notes = [
                n.model_copy(update={"refunded": n.refunded + amount})
                if n.credit_note_id == credit_note_id
                else n
                for n in self.credit_notes
            ]
        self.money = [
            *self.money,
            Money(id=refund_id, amount=amount, at=at, refund=True, credit_note_id=credit_note_id),
        ]
        self.amount_refunded += amount
        self._settle()
        self.record(
            RefundRecorded(
                **self.facts(),
                refund_id=refund_id,
                credit_note_id=credit_note_id,
                amount=amount,
                paid_at=at,
            )
        )

    def _note(self, credit_note_id: str) -> CreditNote:
        for note in self.credit_notes:
            if note.credit_note_id == credit_note_id:
                return note
        raise CreditNoteNotFound(f"{self.id} has no credit note {credit_note_id}.")

    # --- credit notes ----------------------------------------------------------------------

    def creditable(self, *, but_return: str | None = None) -> dict[str, Decimal]:
        """Per item: the quantity not credited yet (counting back what ``but_return`` took)."""
        left: dict[str, Decimal] = {}
        for line, credited in zip(self.lines, self.credited, strict=True):
            left[line.sku] = left.get(line.sku, ZERO) + line.quantity - credited.quantity
        for note in self.credit_notes:
            if but_return is not None and note.return_id == but_return:
                for taken in note.lines:
                    left[taken.sku] += taken.quantity
        return left

    def credit_items(
        self,
        items: Sequence[StockLine],
        *,
        reason: str,
        by: str,
        at: datetime,
        return_id: str | None = None,
    ) -> None:
        """Credit items and quantities: each line's net and taxes in proportion to the
        quantity, the credit that completes a line taking what is left of it."""
        unit = minor_unit(self.currency)
        credits = [_nothing(line) for line in self.lines]
        for item in items:
            wanted = item.quantity
            for i, line in enumerate(self.lines):
                if line.sku == item.sku and wanted > ZERO:
                    room = line.quantity - self.credited[i].quantity - credits[i].quantity
                    step = min(wanted, max(room, ZERO))
                    done = _plus(self.credited[i], credits[i])
                    credits[i] = _plus(credits[i], _part(line, done, step, unit))
                    wanted -= step
            if all(line.sku != item.sku for line in self.lines):
                raise NotOnInvoice(f"{self.id} carries no {item.sku}.")
            if wanted > ZERO:
                raise CreditExceedsInvoice(
                    f"{item.quantity} {item.sku} is more than the "
                    f"{self.creditable().get(item.sku, ZERO)} left to credit on {self.id}."
                )
        self._credit(credits, reason=reason, by=by, at=at, return_id=return_id)

    def credit_amount(self, amount: Decimal, *, reason: str, by: str, at: datetime) -> None:
        """Credit an amount, taxes included: shared over what is left of each line's net and
        each of its taxes, in proportion, to the minor unit."""
        self._fits(amount)
        left = self.total - self.amount_credited
        if amount > left:
            raise CreditExceedsInvoice(
                f"{amount} is more than the {left} {self.currency} left on {self.id}."
            )
        parts: list[Decimal] = []
        for line, done in zip(self.lines, self.credited, strict=True):
            parts.append(line.net - done.net)
            parts += [t.tax - _tax_of(done, t.code) for t in line.taxes]
        shares = iter(
            allocate([p * amount / left for p in parts], amount, minor_unit(self.currency))
        )
        credits = []
        for line in self.lines:
            net = next(shares)
            taxes = [t.model_copy(update={"base": net, "tax": next(shares)}) for t in line.taxes]
            credits.append(_credit_line(line, ZERO, net, taxes))
        self._credit(credits, reason=reason, by=by, at=at, return_id=None)

    def _credit(
        self,
        credits: Sequence[InvoicedLine],
        *,
        reason: str,
        by: str,
        at: datetime,
        return_id: str | None,
    ) -> None:
        lines = [c for c in credits if c.total != ZERO or c.quantity != ZERO]
        total = sum((c.total for c in lines), ZERO)
        if total > self.total - self.amount_credited:
            raise CreditExceedsInvoice(
                f"{total} is more than the {self.total - self.amount_credited} {self.currency} "
                f"left on {self.id}."
            )
        note = CreditNote(
            credit_note_id=f"{self.id}-CN{len(self.credit_notes) + 1}",
            invoice_id=self.id,
            lines=lines,
            taxes=tax_totals(lines),
            net_total=sum((c.net for c in lines), ZERO),
            tax_total=sum((c.tax for c in lines), ZERO),
            total=total,
            reason=reason,
            return_id=return_id,
            issued_by=by,
            issued_at=at,
        )
        self.credited = [_plus(done, c) for done, c in zip(self.credited, credits, strict=True)]
        self.credit_notes = [*self.credit_notes, note]
        self.amount_credited += total
        self._settle()
        self.record(CreditNoteIssued(**self.facts(), credit_note=note))

    # --- dunning ---------------------------------------------------------------------------

    def is_overdue(self, now: datetime) -> bool:
        return (
            self.status is OPEN and self.next_attempt_at is not None and self.next_attempt_at <= now
        )

    def remind(self, now: datetime, policy: DunningPolicy) -> None:
        """The reminder that is due (the dunning rules' days after the due date)."""
        if not self.is_overdue(now):
            return
        self.attempts += 1
        self.next_attempt_at = policy.attempt_at(self.due_at, self.attempts + 1)
        self.record(
            CustomerInvoiceOverdue(
                **self.facts(),
                attempt=self.attempts,
                attempts=len(policy.delays_days),
                next_attempt_at=self.next_attempt_at,
            )
        )


def _nothing(line: CustomerInvoiceLine | InvoicedLine) -> InvoicedLine:
    taxes = [t.model_copy(update={"base": ZERO, "tax": ZERO}) for t in line.taxes]
    return InvoicedLine(
        line=line.line, sku=line.sku, quantity=ZERO, net=ZERO, taxes=taxes, tax=ZERO, total=ZERO
    )


def _tax_of(line: InvoicedLine, code: str) -> Decimal:
    return sum((t.tax for t in line.taxes if t.code == code), ZERO)


def _credit_line(
    line: CustomerInvoiceLine, quantity: Decimal, net: Decimal, taxes: list[LineTax]
) -> InvoicedLine:
    tax = sum((t.tax for t in taxes), ZERO)
    return InvoicedLine(
        line=line.line, sku=line.sku, quantity=quantity, net=net, taxes=taxes, tax=tax,
        total=net + tax,
    )  # fmt: skip


def _part(
    line: CustomerInvoiceLine, done: InvoicedLine, quantity: Decimal, unit: Decimal
) -> InvoicedLine:
    """``quantity`` more of the invoice line credited after ``done``: its share of the net and
    of each tax, never more than is left of each."""

    def part(whole: Decimal, taken: Decimal) -> Decimal:
        shared = share(whole, done.quantity, done.quantity + quantity, line.quantity, unit)
        last = done.quantity + quantity >= line.quantity
        return whole - taken if last else min(shared, whole - taken)

    net = part(line.net, done.net)
    taxes = [
        t.model_copy(update={"base": net, "tax": part(t.tax, _tax_of(done, t.code))})
        for t in line.taxes
    ]
    return _credit_line(line, quantity, net, taxes)


def _plus(a: InvoicedLine, b: InvoicedLine) -> InvoicedLine:
    taxes = [
        t.model_copy(update={"base": t.base + b.net, "tax": t.tax + _tax_of(b, t.code)})
        for t in a.taxes
    ]
    return a.model_copy(
        update={
            "quantity": a.quantity + b.quantity,
            "net": a.net + b.net,
            "taxes": taxes,
            "tax": a.tax + b.tax,
            "total": a.total + b.total,
        }
    )

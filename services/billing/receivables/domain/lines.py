"""An order's lines as billing invoices them: each line's priced values rounded so that the
lines add up to the order's totals, and a quantity's share of them.

The order service prices with line values kept exact and each total (net, per tax rate,
grand) rounded once (``shared/pricing``). Billing turns that into whole minor units per line
with :func:`~.shares.allocate`, so that the lines' nets add up to ``net_total``, their taxes at
each rate to that rate's total, and their totals to ``grand_total``. An invoice of part of a
line then takes its share by quantity from a running total (:func:`~.shares.share`), and the
invoice that completes the line takes what is left: the invoices of an order add up to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from services.billing.receivables.domain.shares import allocate, share
from shared.contracts.orders import OrderApproved
from shared.contracts.pricing import LineTax, TaxTotal
from shared.contracts.receivables import CustomerInvoiceLine, InvoicedLine
from shared.pricing.money import ZERO, minor_unit


class LineTarget(BaseModel):
    """One order line's values in whole minor units (its quantity's full share)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line: int
    sku: str
    description: str | None = None
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    line_discount: Decimal
    document_discount: Decimal
    net: Decimal
    taxes: list[LineTax] = []

    @property
    def tax(self) -> Decimal:
        return sum((tax.tax for tax in self.taxes), ZERO)


def line_targets(order: OrderApproved) -> list[LineTarget]:
    """The order's lines in whole minor units, adding up to its rounded totals."""
    unit = minor_unit(order.currency)
    descriptions = [line.description for line in order.lines]
    pricing = order.pricing
    if pricing is None:  # an order stored before pricing: quantity x unit price, untaxed
        nets = allocate([line.amount for line in order.lines], order.total, unit)
        return [
            LineTarget(
                line=i + 1,
                sku=line.sku,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=nets[i],
                line_discount=ZERO,
                document_discount=ZERO,
                net=nets[i],
            )
            for i, line in enumerate(order.lines)
        ]
    lines = pricing.lines
    taxes = _tax_targets(pricing.taxes, [list(line.taxes) for line in lines], unit)
    if pricing.prices_include_tax:
        gross = allocate([line.total for line in lines], pricing.grand_total, unit)
        nets = [gross[i] - sum((t.tax for t in taxes[i]), ZERO) for i in range(len(lines))]
        discounted = gross
    else:
        nets = allocate([line.net for line in lines], pricing.net_total, unit)
        discounted = nets
    amounts = allocate([line.amount for line in lines], pricing.subtotal, unit)
    shares = allocate([line.document_discount for line in lines], pricing.document_discount, unit)
    return [
        LineTarget(
            line=i + 1,
            sku=line.sku,
            description=descriptions[i] if i < len(descriptions) else None,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=amounts[i],
            line_discount=amounts[i] - shares[i] - discounted[i],
            document_discount=shares[i],
            net=nets[i],
            taxes=taxes[i],
        )
        for i, line in enumerate(lines)
    ]


def _tax_targets(
    totals: Sequence[TaxTotal], per_line: Sequence[Sequence[LineTax]], unit: Decimal
) -> list[list[LineTax]]:
    """Each line's tax at each of its rates, rounded so that every rate adds up to its total."""
    rounded: dict[tuple[int, str], Decimal] = {}
    for total in totals:
        taxed = [
            (i, tax) for i, taxes in enumerate(per_line) for tax in taxes if tax.code == total.code
        ]
        amounts = allocate([tax.tax for _, tax in taxed], total.tax, unit)
        for (i, tax), amount in zip(taxed, amounts, strict=True):
            rounded[(i, tax.code)] = amount
    return [
        [tax.model_copy(update={"tax": rounded[(i, tax.code)]}) for tax in taxes]
        for i, taxes in enumerate(per_line)
    ]


def invoice_line(
    target: LineTarget, before: Decimal, quantity: Decimal, unit: Decimal
) -> CustomerInvoiceLine:
    """``quantity`` of the line invoiced after ``before`` was: its share of every value."""

    def part(whole: Decimal) -> Decimal:
        return share(whole, before, before + quantity, target.quantity, unit)

    net = part(target.net)
    taxes = [tax.model_copy(update={"base": net, "tax": part(tax.tax)}) for tax in target.taxes]
    tax = sum((t.tax for t in taxes), ZERO)
    return CustomerInvoiceLine(
        line=target.line,
        sku=target.sku,
        description=target.description,
        quantity=quantity,
        unit_price=target.unit_price,
        amount=part(target.amount),
        line_discount=part(target.line_discount),
        document_discount=part(target.document_discount),
        net=net,
        taxes=taxes,
        tax=tax,
        total=net + tax,
    )


def tax_totals(lines: Sequence[CustomerInvoiceLine | InvoicedLine]) -> list[TaxTotal]:
    """Per rate code: the base (the nets taxed at it) and the tax of ``lines``."""
    sums: dict[str, tuple[LineTax, Decimal, Decimal]] = {}
    for line in lines:
        for tax in line.taxes:
            _, base, amount = sums.get(tax.code, (tax, ZERO, ZERO))
            sums[tax.code] = (tax, base + line.net, amount + tax.tax)
    return [
        TaxTotal(code=code, rate=tax.rate, version=tax.version, base=base, tax=amount)
        for code, (tax, base, amount) in sorted(sums.items())
    ]

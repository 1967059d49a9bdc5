"""The quotation aggregate: an offer to a customer, and the sales order it becomes.

A quotation is a draft until it is sent; the customer accepts or declines a sent quotation
before its ``valid_until``; past that it is expired. While it is not accepted it may be
revised (the earlier version is kept; the new revision is a draft to send again). An accepted
quotation is converted into a sales order, made by the same ``Order.create`` as any other,
with the same lines, currency, branch and customer: once, under an id fixed at the first
conversion.

A quotation is priced as an order is (``price_order``: unit prices from the lines or the price
list, discounts, taxes at the rates in force, totals) when it is created and when a revision
changes what its prices depend on. Its sales order is priced on the same lines (with their
unit prices), terms and tax rate versions, so that it shows the same prices, discounts, taxes
and totals as the quotation the customer accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from services.order.common.domain.errors import ValidityInPast
from services.order.common.domain.timeline import Chronicled
from services.order.orders.domain.order import Order
from services.order.pricing.domain.configuration import PriceList, price_order
from services.order.quotations.domain.errors import (
    ConvertedElsewhere,
    QuotationAlreadyAccepted,
    QuotationNotAccepted,
    QuotationNotDraft,
    QuotationNotSent,
    QuotationPastValidity,
)
from services.order.quotations.domain.state import OPEN, REVISABLE, QuotationEntry, Revision
from shared.contracts import (
    OrderKind,
    OrderLine,
    OrderLineInput,
    PricedDocument,
    PricingTerms,
    QuotationAccepted,
    QuotationConverted,
    QuotationCreated,
    QuotationDeclined,
    QuotationExpired,
    QuotationRevised,
    QuotationSent,
    QuotationStatus,
    StockAvailability,
    TaxRate,
    WhenStockShort,
)


def sales_order_id(quotation_id: str) -> str:
    """The sales order a quotation becomes when the caller names none."""
    return f"SO-{quotation_id}"


class Quotation(Chronicled):
    customer_id: str
    branch_id: str
    created_by: str
    currency: str
    lines: list[OrderLine]
    terms: PricingTerms
    pricing: PricedDocument
    valid_until: datetime
    notes: str | None = None
    status: QuotationStatus = QuotationStatus.DRAFT
    revision: int = 1
    order_id: str | None = None
    converted_by: str | None = None
    revisions: list[Revision] = Field(default_factory=list)
    history: list[QuotationEntry] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime

    @property
    def total(self) -> Decimal:
        return self.pricing.grand_total

    @property
    def rates(self) -> dict[str, TaxRate]:
        """The tax rate versions the quotation was priced with."""
        return {
            tax.code: TaxRate(code=tax.code, name=tax.name, rate=tax.rate, version=tax.version)
            for tax in self.pricing.taxes
        }

    @classmethod
    def create(
        cls,
        *,
        quotation_id: str,
        customer_id: str,
        branch_id: str,
        created_by: str,
        currency: str,
        lines: Sequence[OrderLineInput],
        valid_until: datetime,
        notes: str | None,
        now: datetime,
        pricing: PricingTerms | None = None,
        price_list: PriceList | None = None,
        rates: Mapping[str, TaxRate] | None = None,
    ) -> Quotation:
        """A draft, priced: every line gets its unit price, discounts and taxes."""
        _check_validity(valid_until, now)
        terms = pricing or PricingTerms()
        priced_lines, priced = price_order(
            lines,
            terms,
            currency=currency,
            branch_id=branch_id,
            price_list=price_list,
            rates=rates or {},
        )
        quotation = cls(
            id=quotation_id,
            customer_id=customer_id,
            branch_id=branch_id,
            created_by=created_by,
            currency=currency,
            lines=priced_lines,
            terms=terms,
            pricing=priced,
            valid_until=valid_until,
            notes=notes,
            created_at=now,
            updated_at=now,
        )
        quotation._enter(QuotationStatus.DRAFT, by=created_by, now=now)
        quotation.record(QuotationCreated(**quotation._facts()))
        return quotation

    def revise(
        self,
        *,
        by: str,
        now: datetime,
        lines: Sequence[OrderLineInput] | None = None,
        pricing: PricingTerms | None = None,
        price_list: PriceList | None = None,
        rates: Mapping[str, TaxRate] | None = None,
        valid_until: datetime | None = None,
        branch_id: str | None = None,
        currency: str | None = None,
        notes: str | None = None,
    ) -> None:
        """A new revision, a draft again. A change of lines, branch, currency or pricing
        terms prices it again with ``price_list`` and ``rates``; otherwise its prices stay."""
        if self.status not in REVISABLE:
            raise QuotationAlreadyAccepted(
                f"Quotation {self.id} is {self.status.value}: it can no longer be revised."
            )
        _check_validity(valid_until or self.valid_until, now)
        self.revisions.append(
            Revision(
                revision=self.revision,
                branch_id=self.branch_id,
                currency=self.currency,
                lines=self.lines,
                terms=self.terms,
                pricing=self.pricing,
                valid_until=self.valid_until,
                notes=self.notes,
                status=self.status,
                replaced_at=now,
                replaced_by=by,
            )
        )
        reprice = lines is not None or branch_id or currency or pricing is not None
        self.valid_until = valid_until or self.valid_until
        self.branch_id = branch_id or self.branch_id
        self.currency = currency or self.currency
        self.notes = notes if notes is not None else self.notes
        if reprice:
            self.terms = pricing or self.terms
            self.lines, self.pricing = price_order(
                self.lines if lines is None else lines,
                self.terms,
                currency=self.currency,
                branch_id=self.branch_id,
                price_list=price_list,
                rates=rates or {},
            )
        self.revision += 1
        self._enter(QuotationStatus.DRAFT, by=by, now=now, note=f"revision {self.revision}")
        self.record(QuotationRevised(**self._facts(), revised_by=by))

    def send(self, *, by: str, now: datetime) -> None:
        self._check_current(now)
        if self.status is not QuotationStatus.DRAFT:
            raise QuotationNotDraft(
                f"Quotation {self.id} is {self.status.value}: only a draft can be sent (revise "
                "it to send a new version)."
            )
        self._enter(QuotationStatus.SENT, by=by, now=now)
        self.record(QuotationSent(**self._facts(), sent_by=by))

    def accept(self, *, by: str, now: datetime) -> None:
        self._check_current(now)
        self._check_sent("accepted")
        self._enter(QuotationStatus.ACCEPTED, by=by, now=now)
        self.record(QuotationAccepted(**self._facts(), accepted_by=by))

    def decline(self, *, by: str, reason: str | None, now: datetime) -> None:
        self._check_current(now)
        self._check_sent("declined")
        self._enter(QuotationStatus.DECLINED, by=by, now=now, note=reason)
        self.record(QuotationDeclined(**self._facts(), declined_by=by, reason=reason))

    def convert(self, *, by: str, order_id: str | None, now: datetime) -> None:
        """Fix the sales order's id and creator; converting again names the same order."""
        if self.status is QuotationStatus.CONVERTED:
            if order_id not in {None, self.order_id}:
                raise ConvertedElsewhere(
                    f"Quotation {self.id} was converted into sales order {self.order_id}, "
                    f"not {order_id}."
                )
            self.record(QuotationConverted(**self._facts(), converted_by=by, repeated=True))
            return
        self._check_current(now)
        if self.status is not QuotationStatus.ACCEPTED:
            raise QuotationNotAccepted(
                f"Quotation {self.id} is {self.status.value}: only an accepted quotation can be "
                "converted into a sales order."
            )
        self.order_id = order_id or sales_order_id(self.id)
        self.converted_by = by
        self._enter(QuotationStatus.CONVERTED, by=by, now=now, note=f"sales order {self.order_id}")
        self.record(QuotationConverted(**self._facts(), converted_by=by))

    def sales_order(
        self,
        *,
        availability: StockAvailability | None = None,
        when_stock_short: WhenStockShort = WhenStockShort.ALLOW,
    ) -> Order:
        """The sales order this converted quotation became: always the same one, checked
        against the branch's stock as ``order.create_sales_order`` is."""
        assert self.order_id
        assert self.converted_by
        return Order.create(
            order_id=self.order_id,
            kind=OrderKind.SALES,
            party_id=self.customer_id,
            branch_id=self.branch_id,
            created_by=self.converted_by,
            currency=self.currency,
            lines=self.lines,
            notes=self.notes,
            quotation_id=self.id,
            pricing=self.terms,
            rates=self.rates,
            availability=availability,
            when_stock_short=when_stock_short,
        )

    def is_due(self, now: datetime) -> bool:
        """Whether it is open and past its validity, but not yet marked expired."""
        return self.status in OPEN and now > self.valid_until

    def expire(self, *, now: datetime) -> None:
        if not self.is_due(now):
            return
        self._enter(QuotationStatus.EXPIRED, now=now, note=f"valid until {self.valid_until}")
        self.record(QuotationExpired(**self._facts()))

    def _check_current(self, now: datetime) -> None:
        due = self.is_due(now)
        if due or self.status is QuotationStatus.EXPIRED:
            raise QuotationPastValidity(
                f"Quotation {self.id} expired at {self.valid_until.isoformat()}: revise it "
                "with a new valid_until first.",
                newly=due,
            )

    def _check_sent(self, what: str) -> None:
        if self.status is QuotationStatus.SENT:
            return
        if self.status in {QuotationStatus.ACCEPTED, QuotationStatus.CONVERTED}:
            raise QuotationAlreadyAccepted(f"Quotation {self.id} is {self.status.value} already.")
        raise QuotationNotSent(
            f"Quotation {self.id} is {self.status.value}: only a sent quotation can be {what}."
        )

    def _enter(
        self,
        status: QuotationStatus,
        *,
        now: datetime,
        by: str | None = None,
        note: str | None = None,
    ) -> None:
        self.status = status
        self.updated_at = now
        self.history.append(
            QuotationEntry(status=status, revision=self.revision, at=now, by=by, note=note)
        )

    def _facts(self) -> dict[str, object]:
        return {
            "quotation_id": self.id,
            "status": self.status,
            "revision": self.revision,
            "customer_id": self.customer_id,
            "branch_id": self.branch_id,
            "created_by": self.created_by,
            "currency": self.currency,
            "lines": self.lines,
            "total": self.total,
            "pricing": self.pricing,
            "valid_until": self.valid_until,
            "order_id": self.order_id,
        }


def _check_validity(valid_until: datetime, now: datetime) -> None:
    if valid_until <= now:
        raise ValidityInPast(
            f"valid_until {valid_until.isoformat()} is not in the future: an offer must be "
            "valid for some time."
        )

"""Quotation rules: its lifecycle, revisions, validity, and the sales order it becomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.order.common.domain.errors import ValidityInPast
from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus
from services.order.pricing.domain.configuration import PriceList, PriceListMismatch
from services.order.quotations.domain.errors import (
    ConvertedElsewhere,
    QuotationAlreadyAccepted,
    QuotationNotAccepted,
    QuotationNotDraft,
    QuotationNotSent,
    QuotationPastValidity,
    UnknownQuotation,
)
from services.order.quotations.domain.quotation import Quotation, sales_order_id
from shared.contracts import (
    Discount,
    DiscountKind,
    ItemPrice,
    OrderCreated,
    OrderKind,
    OrderLine,
    OrderLineInput,
    PricingTerms,
    QuotationAccepted,
    QuotationConverted,
    QuotationCreated,
    QuotationDeclined,
    QuotationExpired,
    QuotationRevised,
    QuotationSent,
    QuotationStatus,
    TaxRate,
    TaxRounding,
)
from shared.pricing import UnknownPrice
from tests.support.factories import lines

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
UNTIL = NOW + 10 * DAY
Status = QuotationStatus


def draft(**changes: object) -> Quotation:
    values: dict[str, object] = {
        "quotation_id": "Q-1",
        "customer_id": "C-1",
        "branch_id": "B-1",
        "created_by": "sam",
        "currency": "EUR",
        "lines": lines(("A", "2", "5.50"), ("B", "1", "10")),
        "valid_until": UNTIL,
        "notes": "net 30",
        "now": NOW,
    }
    quotation = Quotation.create(**{**values, **changes})  # type: ignore[arg-type]
    quotation.collect_events()
    return quotation


def sent() -> Quotation:
    quotation = draft()
    quotation.send(by="sam", now=NOW)
    quotation.collect_events()
    return quotation


def accepted() -> Quotation:
    quotation = sent()
    quotation.accept(by="sam", now=NOW + DAY)
    quotation.collect_events()
    return quotation


def converted(order_id: str | None = None) -> Quotation:
    quotation = accepted()
    quotation.convert(by="otto", order_id=order_id, now=NOW + 2 * DAY)
    quotation.collect_events()
    return quotation


def states(quotation: Quotation) -> list[tuple[str, int, str | None, str | None]]:
    return [(h.status.value, h.revision, h.by, h.note) for h in quotation.history]


def test_a_new_quotation_is_a_draft_and_says_so() -> None:
    quotation = Quotation.create(
        quotation_id="Q-1",
        customer_id="C-1",
        branch_id="B-1",
        created_by="sam",
        currency="EUR",
        lines=lines(("A", "2", "5.50"), ("B", "1", "10")),
        valid_until=UNTIL,
        notes="net 30",
        now=NOW,
    )
    [event] = quotation.collect_events()
    assert isinstance(event, QuotationCreated)
    assert event.quotation_id == "Q-1"
    assert event.status is Status.DRAFT
    assert event.revision == 1
    assert (event.customer_id, event.branch_id, event.created_by) == ("C-1", "B-1", "sam")
    assert event.currency == "EUR"
    assert event.total == Decimal("21.00")
    assert event.valid_until == UNTIL
    assert event.order_id is None
    assert [line.sku for line in event.lines] == ["A", "B"]
    assert quotation.notes == "net 30"
    assert quotation.created_at == quotation.updated_at == NOW
    assert states(quotation) == [("draft", 1, "sam", None)]


def test_the_total_is_rounded_to_cents() -> None:
    assert draft(lines=lines(("A", "3", "0.335"))).total == Decimal("1.00")


@pytest.mark.parametrize("until", [NOW, NOW - DAY])
def test_a_quotation_must_be_valid_for_some_time(until: datetime) -> None:
    with pytest.raises(ValidityInPast) as refused:
        draft(valid_until=until)
    assert refused.value.reason == "validity_in_past"
    assert refused.value.detail == (
        f"valid_until {until.isoformat()} is not in the future: an offer must be valid for some "
        "time."
    )


def test_sending_a_draft_makes_it_sent() -> None:
    quotation = draft()
    quotation.send(by="sue", now=NOW + DAY)
    [event] = quotation.collect_events()
    assert isinstance(event, QuotationSent)
    assert event.sent_by == "sue"
    assert event.status is Status.SENT
    assert quotation.updated_at == NOW + DAY
    assert states(quotation)[-1] == ("sent", 1, "sue", None)


def test_only_a_draft_is_sent() -> None:
    quotation = sent()
    with pytest.raises(QuotationNotDraft) as refused:
        quotation.send(by="sam", now=NOW)
    assert refused.value.reason == "quotation_not_draft"
    assert refused.value.detail == (
        "Quotation Q-1 is sent: only a draft can be sent (revise it to send a new version)."
    )


def test_the_customer_accepts_a_sent_quotation() -> None:
    quotation = sent()
    quotation.accept(by="ann", now=NOW + DAY)
    [event] = quotation.collect_events()
    assert isinstance(event, QuotationAccepted)
    assert event.accepted_by == "ann"
    assert quotation.status is Status.ACCEPTED
    assert states(quotation)[-1] == ("accepted", 1, "ann", None)


def test_the_customer_declines_a_sent_quotation_with_a_reason() -> None:
    quotation = sent()
    quotation.decline(by="ann", reason="too dear", now=NOW + DAY)
    [event] = quotation.collect_events()
    assert isinstance(event, QuotationDeclined)
    assert (event.declined_by, event.reason) == ("ann", "too dear")
    assert quotation.status is Status.DECLINED
    assert states(quotation)[-1] == ("declined", 1, "ann", "too dear")


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_a_draft_is_neither_accepted_nor_declined(action: str) -> None:
    quotation = draft()
    with pytest.raises(QuotationNotSent) as refused:
        _answer(quotation, action)
    assert refused.value.reason == "quotation_not_sent"
    assert "Q-1 is draft" in refused.value.detail
    assert f"can be {action.removesuffix('e')}ed" in refused.value.detail


@pytest.mark.parametrize("action", ["accept", "decline"])
@pytest.mark.parametrize("make", [accepted, converted])
def test_an_accepted_quotation_is_answered_once(action: str, make: object) -> None:
    quotation = make()  # type: ignore[operator]
    with pytest.raises(QuotationAlreadyAccepted) as refused:
        _answer(quotation, action)
    assert refused.value.reason == "quotation_accepted"
    assert f"is {quotation.status.value} already" in refused.value.detail


def test_a_declined_quotation_is_not_accepted() -> None:
    quotation = sent()
    quotation.decline(by="ann", reason=None, now=NOW)
    with pytest.raises(QuotationNotSent):
        quotation.accept(by="ann", now=NOW)


def _answer(quotation: Quotation, action: str) -> None:
    if action == "accept":
        quotation.accept(by="ann", now=NOW)
    else:
        quotation.decline(by="ann", reason=None, now=NOW)


def test_up_to_its_validity_a_quotation_holds() -> None:
    quotation = sent()
    assert not quotation.is_due(UNTIL)
    quotation.accept(by="ann", now=UNTIL)
    assert quotation.status is Status.ACCEPTED


@pytest.mark.parametrize("action", ["send", "accept", "decline", "convert"])
def test_past_its_validity_it_is_refused_and_due_to_expire(action: str) -> None:
    quotation = {"send": draft, "convert": accepted}.get(action, sent)()
    later = UNTIL + timedelta(seconds=1)
    assert quotation.is_due(later)
    with pytest.raises(QuotationPastValidity) as refused:
        _act(quotation, action, later)
    assert refused.value.reason == "quotation_expired"
    assert refused.value.newly
    assert refused.value.detail == (
        f"Quotation Q-1 expired at {UNTIL.isoformat()}: revise it with a new valid_until first."
    )
    assert quotation.pending_events == ()


def _act(quotation: Quotation, action: str, now: datetime) -> None:
    if action == "send":
        quotation.send(by="sam", now=now)
    elif action == "accept":
        quotation.accept(by="ann", now=now)
    elif action == "decline":
        quotation.decline(by="ann", reason=None, now=now)
    else:
        quotation.convert(by="otto", order_id=None, now=now)


def test_expiring_marks_it_once_and_publishes_it() -> None:
    quotation = sent()
    later = UNTIL + DAY
    quotation.expire(now=later)
    [event] = quotation.collect_events()
    assert isinstance(event, QuotationExpired)
    assert event.status is Status.EXPIRED
    assert quotation.updated_at == later
    assert states(quotation)[-1] == ("expired", 1, None, f"valid until {UNTIL}")
    assert not quotation.is_due(later)
    quotation.expire(now=later)
    assert quotation.collect_events() == []


def test_nothing_expires_before_its_time_or_once_decided() -> None:
    quotation = sent()
    quotation.expire(now=UNTIL)
    assert quotation.status is Status.SENT
    declined = sent()
    declined.decline(by="ann", reason=None, now=NOW)
    declined.expire(now=UNTIL + DAY)
    assert declined.status is Status.DECLINED
    done = converted()
    done.expire(now=UNTIL + DAY)
    assert done.status is Status.CONVERTED
    assert done.collect_events() == []


@pytest.mark.parametrize("make", [draft, sent, accepted])
def test_open_quotations_expire(make: object) -> None:
    quotation = make()  # type: ignore[operator]
    quotation.expire(now=UNTIL + DAY)
    assert quotation.status is Status.EXPIRED


def test_an_expired_quotation_stays_refused_but_is_not_expired_again() -> None:
    quotation = sent()
    quotation.expire(now=UNTIL + DAY)
    quotation.collect_events()
    with pytest.raises(QuotationPastValidity) as refused:
        quotation.accept(by="ann", now=UNTIL + DAY)
    assert not refused.value.newly
    with pytest.raises(QuotationPastValidity):
        quotation.convert(by="otto", order_id=None, now=NOW)


def test_a_revision_keeps_the_earlier_version_and_is_a_draft_again() -> None:
    quotation = sent()
    quotation.revise(
        by="sue",
        now=NOW + DAY,
        lines=lines(("A", "3", "5.00")),
        valid_until=UNTIL + DAY,
        branch_id="B-2",
        currency="USD",
        notes="net 60",
    )
    [event] = quotation.collect_events()
    assert isinstance(event, QuotationRevised)
    assert event.revised_by == "sue"
    assert event.revision == 2
    assert event.status is Status.DRAFT
    assert event.total == Decimal("15.00")
    assert (quotation.branch_id, quotation.currency, quotation.notes) == ("B-2", "USD", "net 60")
    assert quotation.valid_until == UNTIL + DAY
    [before] = quotation.revisions
    assert before.revision == 1
    assert before.status is Status.SENT
    assert (before.branch_id, before.currency, before.notes) == ("B-1", "EUR", "net 30")
    assert [line.sku for line in before.lines] == ["A", "B"]
    assert before.valid_until == UNTIL
    assert (before.replaced_at, before.replaced_by) == (NOW + DAY, "sue")
    assert states(quotation)[-1] == ("draft", 2, "sue", "revision 2")


def test_a_revision_changes_only_what_it_names() -> None:
    quotation = draft()
    quotation.revise(by="sue", now=NOW)
    assert quotation.lines == draft().lines
    assert (quotation.branch_id, quotation.currency) == ("B-1", "EUR")
    assert (quotation.notes, quotation.valid_until) == ("net 30", UNTIL)
    assert quotation.revision == 2
    quotation.revise(by="sue", now=NOW, notes="")
    assert quotation.notes == ""


@pytest.mark.parametrize("make", [accepted, converted])
def test_an_accepted_quotation_is_not_revised(make: object) -> None:
    quotation = make()  # type: ignore[operator]
    with pytest.raises(QuotationAlreadyAccepted) as refused:
        quotation.revise(by="sue", now=NOW, notes="x")
    assert refused.value.reason == "quotation_accepted"
    assert f"is {quotation.status.value}: it can no longer be revised" in refused.value.detail


def test_a_declined_quotation_is_revised_into_a_new_offer() -> None:
    quotation = sent()
    quotation.decline(by="ann", reason="too dear", now=NOW)
    quotation.revise(by="sue", now=NOW, lines=lines(("A", "2", "4.00")))
    quotation.send(by="sue", now=NOW)
    quotation.accept(by="ann", now=NOW)
    assert quotation.status is Status.ACCEPTED


def test_an_expired_quotation_is_revised_only_with_a_new_validity() -> None:
    quotation = sent()
    later = UNTIL + DAY
    quotation.expire(now=later)
    with pytest.raises(ValidityInPast):
        quotation.revise(by="sue", now=later)
    quotation.revise(by="sue", now=later, valid_until=later + DAY)
    assert states(quotation)[-1][:2] == ("draft", 2)
    quotation.send(by="sue", now=later)
    assert quotation.status is Status.SENT


def test_converting_fixes_the_sales_order_and_who_made_it() -> None:
    quotation = accepted()
    quotation.convert(by="otto", order_id=None, now=NOW + 2 * DAY)
    [event] = quotation.collect_events()
    assert isinstance(event, QuotationConverted)
    assert event.order_id == "SO-Q-1" == sales_order_id("Q-1")
    assert event.converted_by == "otto"
    assert not event.repeated
    assert event.status is Status.CONVERTED
    assert (quotation.order_id, quotation.converted_by) == ("SO-Q-1", "otto")
    assert states(quotation)[-1] == ("converted", 1, "otto", "sales order SO-Q-1")


def test_the_caller_may_name_the_sales_order() -> None:
    assert converted("SO-77").order_id == "SO-77"


@pytest.mark.parametrize("order_id", [None, "SO-77"])
def test_converting_again_names_the_same_order(order_id: str | None) -> None:
    quotation = converted("SO-77")
    quotation.convert(by="ivy", order_id=order_id, now=UNTIL + DAY)
    [event] = quotation.collect_events()
    assert isinstance(event, QuotationConverted)
    assert event.repeated
    assert (event.order_id, event.converted_by) == ("SO-77", "ivy")
    assert (quotation.order_id, quotation.converted_by) == ("SO-77", "otto")
    assert quotation.status is Status.CONVERTED


def test_converting_again_into_another_order_is_refused() -> None:
    quotation = converted("SO-77")
    with pytest.raises(ConvertedElsewhere) as refused:
        quotation.convert(by="ivy", order_id="SO-78", now=NOW)
    assert refused.value.reason == "quotation_converted"
    assert "into sales order SO-77, not SO-78" in refused.value.detail


@pytest.mark.parametrize("make", [draft, sent])
def test_only_an_accepted_quotation_is_converted(make: object) -> None:
    quotation = make()  # type: ignore[operator]
    with pytest.raises(QuotationNotAccepted) as refused:
        quotation.convert(by="otto", order_id=None, now=NOW)
    assert refused.value.reason == "quotation_not_accepted"
    assert refused.value.detail == (
        f"Quotation Q-1 is {quotation.status.value}: only an accepted quotation can be converted "
        "into a sales order."
    )
    assert quotation.order_id is None


def test_a_declined_quotation_is_not_converted() -> None:
    quotation = sent()
    quotation.decline(by="ann", reason=None, now=NOW)
    with pytest.raises(QuotationNotAccepted):
        quotation.convert(by="otto", order_id=None, now=NOW)


def test_the_sales_order_has_the_quotations_lines_and_links_back() -> None:
    quotation = converted()
    order = quotation.sales_order()
    assert isinstance(order, Order)
    assert order.id == "SO-Q-1"
    assert order.kind is OrderKind.SALES
    assert order.status is OrderStatus.DRAFT
    assert (order.party_id, order.branch_id, order.currency) == ("C-1", "B-1", "EUR")
    assert order.created_by == "otto"
    assert order.lines == quotation.lines
    assert order.notes == "net 30"
    assert order.quotation_id == "Q-1"
    assert order.rfq_id is None
    [created] = order.collect_events()
    assert isinstance(created, OrderCreated)
    assert created.quotation_id == "Q-1"
    assert created.total == quotation.total
    assert quotation.sales_order().model_dump(
        exclude={"history", "timeline", "created_at", "updated_at"}
    ) == (order.model_dump(exclude={"history", "timeline", "created_at", "updated_at"}))


def test_a_quotation_not_converted_has_no_sales_order() -> None:
    with pytest.raises(AssertionError):
        accepted().sales_order()


def test_an_unknown_quotation_is_named() -> None:
    refused = UnknownQuotation("Q-9")
    assert (refused.reason, refused.detail) == (
        "unknown_quotation",
        "There is no quotation 'Q-9'; create it first.",
    )


TERMS = PricingTerms(
    prices_include_tax=False,
    discount=Discount(kind=DiscountKind.PERCENT, value=Decimal(10)),
    price_list_id="PL-2026",
    tax_rounding=TaxRounding.LINE,
)
RATES = {
    "CA-STATE": TaxRate(code="CA-STATE", name="State", rate=Decimal("6.25"), version=2),
    "CA-CITY": TaxRate(code="CA-CITY", name="City", rate=Decimal("1.00"), version=1),
}
PRICE_LIST = PriceList(
    id="PL-2026",
    name="Retail",
    currency="EUR",
    prices=[ItemPrice(sku="LISTED", unit_price=Decimal("4.00"))],
    revision=1,
)
DISCOUNTED_TAXED = OrderLine(
    sku="A",
    quantity=Decimal(3),
    unit_price=Decimal("10.00"),
    description="with a discount and two taxes",
    discount=Discount(kind=DiscountKind.AMOUNT, value=Decimal("3.00")),
    tax_codes=["CA-STATE", "CA-CITY"],
)
FROM_THE_LIST = OrderLineInput(sku="LISTED", quantity=Decimal(5))


def priced_draft() -> Quotation:
    return draft(
        lines=[DISCOUNTED_TAXED, FROM_THE_LIST],
        pricing=TERMS,
        price_list=PRICE_LIST,
        rates=RATES,
    )


def test_a_quotation_is_priced_as_an_order_is() -> None:
    quotation = priced_draft()
    assert quotation.terms == TERMS
    assert [(line.sku, line.unit_price) for line in quotation.lines] == [
        ("A", Decimal("10.00")),
        ("LISTED", Decimal("4.00")),
    ]
    priced = quotation.pricing
    # A: 30 - 3 = 27, less 10 % = 24.30, taxed 6.25 % (1.52) and 1 % (0.24); LISTED: 20 - 2 = 18
    assert (priced.subtotal, priced.discount_total) == (Decimal("50.00"), Decimal("7.70"))
    assert [(t.code, t.version, t.tax) for t in priced.taxes] == [
        ("CA-CITY", 1, Decimal("0.24")),
        ("CA-STATE", 2, Decimal("1.52")),
    ]
    assert quotation.total == priced.grand_total == Decimal("44.06")
    assert quotation.rates == {
        "CA-STATE": TaxRate(code="CA-STATE", name="State", rate=Decimal("6.25"), version=2),
        "CA-CITY": TaxRate(code="CA-CITY", name="City", rate=Decimal("1.00"), version=1),
    }


def test_the_sales_order_has_the_quotations_prices_discounts_taxes_and_terms() -> None:
    quotation = priced_draft()
    quotation.send(by="sam", now=NOW)
    quotation.accept(by="ann", now=NOW)
    quotation.convert(by="otto", order_id=None, now=NOW)
    events = quotation.collect_events()
    assert {event.total for event in events} == {Decimal("44.06")}  # type: ignore[attr-defined]

    order = quotation.sales_order()
    assert order.lines == quotation.lines
    assert order.terms == TERMS
    assert order.pricing == quotation.pricing
    [created] = order.collect_events()
    assert isinstance(created, OrderCreated)
    assert (created.lines, created.pricing, created.total) == (
        quotation.lines,
        quotation.pricing,
        Decimal("44.06"),
    )


def test_without_terms_a_quotation_is_priced_on_the_default_terms() -> None:
    quotation = draft()
    assert quotation.terms == PricingTerms()
    assert quotation.pricing.taxes == []
    assert quotation.total == Decimal("21.00")


def test_a_revision_of_lines_or_terms_prices_it_again_and_keeps_the_earlier_prices() -> None:
    quotation = priced_draft()
    quotation.revise(by="sue", now=NOW, pricing=PricingTerms(), rates=RATES)
    assert quotation.terms == PricingTerms()
    assert quotation.total == Decimal("48.96")  # 27 + 20 + 6.25 % and 1 % of 27 (1.96)
    [earlier] = quotation.revisions
    assert (earlier.terms, earlier.pricing.grand_total) == (TERMS, Decimal("44.06"))

    quotation.revise(by="sue", now=NOW, lines=lines(("B", "1", "2.00")))
    assert quotation.total == Decimal("2.00")
    assert quotation.terms == PricingTerms()


NEW_STATE_RATE = {
    **RATES,
    "CA-STATE": TaxRate(code="CA-STATE", name="State", rate=Decimal(7), version=3),
}


@pytest.mark.parametrize("change", [{"branch_id": "B-2"}, {"currency": "USD"}, {"pricing": TERMS}])
def test_a_revision_of_branch_currency_or_terms_prices_it_at_the_rates_in_force(
    change: dict[str, object],
) -> None:
    quotation = priced_draft()
    quotation.revise(by="sue", now=NOW, rates=NEW_STATE_RATE, **change)  # type: ignore[arg-type]
    assert [(t.code, t.version) for t in quotation.pricing.taxes] == [
        ("CA-CITY", 1),
        ("CA-STATE", 3),
    ]
    assert quotation.pricing.currency == quotation.currency


def test_a_revision_of_notes_or_validity_keeps_the_prices() -> None:
    quotation = priced_draft()
    quotation.revise(by="sue", now=NOW, notes="n", valid_until=UNTIL + DAY, rates=NEW_STATE_RATE)
    assert quotation.pricing == quotation.revisions[0].pricing
    assert quotation.terms == TERMS


def test_a_line_without_a_price_and_no_price_list_is_refused() -> None:
    with pytest.raises(UnknownPrice):
        draft(lines=[FROM_THE_LIST])


BRANCH_LIST = PRICE_LIST.model_copy(update={"id": "PL-B2", "branch_id": "B-2"})


def test_a_price_list_of_another_branch_is_refused() -> None:
    with pytest.raises(PriceListMismatch) as refused:
        draft(lines=[FROM_THE_LIST], price_list=BRANCH_LIST)
    assert refused.value.reason == "price_list_mismatch"
    assert "for branch B-2, not B-1" in refused.value.detail
    assert draft(branch_id="B-2", lines=[FROM_THE_LIST], price_list=BRANCH_LIST).total == (
        Decimal("20.00")
    )


def test_a_revision_takes_prices_from_the_price_list_of_its_branch() -> None:
    quotation = draft(branch_id="B-2", lines=[FROM_THE_LIST], price_list=BRANCH_LIST)
    quotation.revise(
        by="sue",
        now=NOW,
        lines=[FROM_THE_LIST, DISCOUNTED_TAXED],
        price_list=BRANCH_LIST,
        rates=RATES,
    )
    assert [line.unit_price for line in quotation.lines] == [Decimal("4.00"), Decimal("10.00")]
    with pytest.raises(PriceListMismatch):
        quotation.revise(by="sue", now=NOW, branch_id="B-3", price_list=BRANCH_LIST)

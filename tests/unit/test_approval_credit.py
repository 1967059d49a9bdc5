"""Credit limits: exposure arithmetic (exact decimals) and the credit check of a sales order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.approval.domain.credit import CustomerCredit, converted
from services.approval.domain.thresholds import Rates
from shared.contracts import CustomerRecord

D = Decimal
RATES = Rates("USD", {"EUR": D("1.10"), "JPY": D("0.0067")})
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def customer(limit: str | None = "1000.00", currency: str = "USD") -> CustomerCredit:
    credit = CustomerCredit(id="credit:C1", customer_id="C1")
    record = CustomerRecord.model_validate(
        {
            "customer_id": "C1",
            "name": "Acme",
            "currency": currency,
            **({"credit_limit": {"amount": limit, "currency": currency}} if limit else {}),
        }
    )
    assert credit.take_record(1, record)
    return credit


def with_order(credit: CustomerCredit, order_id: str, total: str, **kw: object) -> CustomerCredit:
    attempt = int(str(kw.get("attempt", 1)))
    currency = str(kw.get("currency", credit.currency))
    credit.open_order(order_id, attempt, D(total), currency, RATES)
    return credit


@pytest.mark.parametrize(
    ("total", "applies", "over_by"),
    [("600.00", False, "0"), ("599.99", False, "0"), ("600.01", True, "0.01")],
    ids=["at the limit", "just below", "just above"],
)
def test_the_check_applies_only_above_the_limit(total: str, applies: bool, over_by: str) -> None:
    credit = with_order(customer(), "SO-1", "400.00")

    check = credit.check("SO-2", D(total), "USD", RATES)

    assert check is not None
    assert check.applies is applies
    assert check.exposure == D("400.00")
    assert check.exposure_after == D("400.00") + D(total)
    assert check.over_by == D(over_by)
    assert check.limit == D("1000.00")
    assert check.currency == "USD"


def test_no_limit_no_check() -> None:
    assert customer(limit=None).check("SO-1", D("1e9"), "USD", RATES) is None
    assert (
        CustomerCredit(id="credit:C9", customer_id="C9").check("SO-1", D(1), "USD", RATES) is None
    )


def test_a_partial_payment_lowers_the_exposure_and_a_full_one_closes_the_order() -> None:
    credit = with_order(customer(), "SO-1", "400.00")

    assert credit.settle("SO-1", "SI-1", D("150.00"), T0)
    assert credit.exposure(RATES) == D("250.00")
    assert credit.settle("SO-1", "SI-1", D("400.00"), T0 + timedelta(seconds=1))
    assert credit.exposure(RATES) == D(0)
    assert not credit.counts("SO-1")


def test_a_credit_note_and_a_refund_move_the_settled_amount_both_ways() -> None:
    credit = with_order(customer(), "SO-1", "400.00")
    credit.settle("SO-1", "SI-1", D("100.00"), T0)  # paid 100
    credit.settle("SO-1", "SI-1", D("150.00"), T0 + timedelta(seconds=1))  # +50 credited
    assert credit.exposure(RATES) == D("250.00")
    credit.settle("SO-1", "SI-1", D("120.00"), T0 + timedelta(seconds=2))  # 30 refunded
    assert credit.exposure(RATES) == D("280.00")


def test_settlements_add_up_across_the_invoices_of_an_order() -> None:
    credit = with_order(customer(), "SO-1", "400.00")
    credit.settle("SO-1", "SI-1", D("100.00"), T0)
    credit.settle("SO-1", "SI-2", D("0.01"), T0)
    assert credit.exposure(RATES) == D("299.99")


def test_an_older_invoice_event_changes_nothing() -> None:
    credit = with_order(customer(), "SO-1", "400.00")
    credit.settle("SO-1", "SI-1", D("200.00"), T0 + timedelta(seconds=5))

    assert not credit.settle("SO-1", "SI-1", D("50.00"), T0)
    assert not credit.settle("SO-1", "SI-1", D("50.00"), T0 + timedelta(seconds=5))
    assert credit.exposure(RATES) == D("200.00")
    assert not credit.settle("SO-404", "SI-9", D("1.00"), T0)


def test_a_cancelled_order_leaves_the_exposure() -> None:
    credit = with_order(with_order(customer(), "SO-1", "400.00"), "SO-2", "100.00")

    assert credit.close_order("SO-1")
    assert credit.exposure(RATES) == D("100.00")
    assert not credit.close_order("SO-1")


def test_a_rejected_order_resubmitted_counts_once_at_its_latest_total() -> None:
    credit = with_order(customer(), "SO-1", "400.00")
    assert credit.close_order("SO-1", attempt=1)  # rejected
    with_order(credit, "SO-1", "300.00", attempt=2)
    with_order(credit, "SO-1", "400.00", attempt=1)  # a late first attempt changes nothing

    assert credit.exposure(RATES) == D("300.00")
    assert not credit.close_order("SO-1", attempt=1)  # an older attempt's rejection
    check = credit.check("SO-1", D("300.00"), "USD", RATES)
    assert check is not None
    assert check.exposure == D(0)


def test_a_resubmission_keeps_what_was_settled() -> None:
    credit = with_order(customer(), "SO-1", "400.00")
    credit.settle("SO-1", "SI-1", D("100.00"), T0)
    with_order(credit, "SO-1", "500.00", attempt=2)
    assert credit.exposure(RATES) == D("400.00")


def test_an_order_in_another_currency_is_converted_and_rounded_half_to_even() -> None:
    credit = with_order(customer(currency="EUR"), "SO-1", "110.00", currency="USD")
    # 110 USD at 1 / 1.10 = 100.00 EUR
    assert credit.exposure(RATES) == D("100.00")
    assert converted(D("0.005"), "EUR", to="EUR", rates=RATES) == D("0.005")
    assert converted(D("1"), "JPY", to="EUR", rates=RATES) == D("0.01")  # 0.00609 rounds up
    assert converted(D("1"), "GBP", to="EUR", rates=RATES) is None
    credit.settle("SO-1", "SI-1", D("55.00"), T0)  # in USD, the order's currency
    assert credit.exposure(RATES) == D("50.00")


def test_an_order_that_cannot_be_converted_always_goes_to_the_credit_approver() -> None:
    credit = with_order(customer(), "SO-1", "100.00")
    check = credit.check("SO-2", D("1.00"), "GBP", RATES)
    assert check is not None
    assert check.applies
    assert "no rate from GBP" in check.why
    with_order(credit, "SO-2", "1.00", currency="GBP")
    assert credit.exposure(RATES) == D("100.00")  # not counted


def test_an_older_record_version_is_ignored() -> None:
    credit = customer()
    newer = CustomerRecord(customer_id="C1", name="Acme Ltd", currency="USD")
    assert credit.take_record(3, newer)
    assert credit.limit is None
    assert credit.name == "Acme Ltd"

    older = CustomerRecord.model_validate(
        {
            "customer_id": "C1",
            "name": "Old",
            "currency": "USD",
            "credit_limit": {"amount": "5", "currency": "USD"},
        }
    )
    assert not credit.take_record(2, older)
    assert not credit.take_record(3, older)
    assert credit.name == "Acme Ltd"
    assert credit.record_version == 3
    assert credit.limit is None

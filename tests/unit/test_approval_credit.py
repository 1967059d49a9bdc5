"""Credit limits: exposure arithmetic (exact decimals) and the credit check of a sales order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.approval.domain.credit import CreditSettings, CustomerCredit, converted
from services.approval.domain.errors import ApproverNotAdmin
from services.approval.domain.thresholds import Rates
from services.approval.domain.users import User
from shared.contracts import (
    ApproverRule,
    CreditConfigured,
    CustomerRecord,
    DefineCycle,
    LevelRule,
    OrderKind,
)

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


def test_conversion_goes_through_the_base_currency_to_the_targets_minor_unit() -> None:
    assert converted(D("100.00"), "EUR", to="USD", rates=RATES) == D("110.00")
    assert converted(D("110.00"), "USD", to="EUR", rates=RATES) == D("100.00")
    assert converted(D("1.00"), "USD", to="JPY", rates=RATES) == D("149")  # 149.25...


def test_exposure_is_an_exact_decimal_even_when_nothing_is_open() -> None:
    empty = customer().exposure(RATES)
    assert isinstance(empty, Decimal)
    assert str(empty) == "0"


def test_the_check_counts_settlements_of_orders_in_other_currencies() -> None:
    credit = with_order(customer(currency="EUR"), "SO-1", "220.00", currency="USD")
    credit.settle("SO-1", "SI-1", D("110.00"), T0)  # 110 USD = 100 EUR settled of 200 EUR
    check = credit.check("SO-2", D("50.00"), "EUR", RATES)
    assert check is not None
    assert check.exposure == D("100.00")
    assert check.why == ("exposure 100.00 + 50.00 = 150.00 EUR, not above the limit 1000.00 EUR")
    over = credit.check("SO-2", D("900.01"), "EUR", RATES)
    assert over is not None
    assert over.why == "exposure 100.00 + 900.01 = 1000.01 EUR, above the limit 1000.00 EUR"


def test_an_unconvertible_order_says_how_far_over_the_exposure_already_is() -> None:
    credit = with_order(customer(limit="100.00"), "SO-1", "150.00")
    check = credit.check("SO-2", D("1.00"), "GBP", RATES)
    assert check is not None
    assert (check.exposure, check.exposure_after, check.over_by) == (
        D("150.00"),
        D("150.00"),
        D("50.00"),
    )


def test_the_approval_wide_credit_approver_is_an_active_admin_and_counts_revisions() -> None:
    users = {
        "carl": User(id="carl", name="Carl", admin=True),
        "dave": User(id="dave", name="Dave"),
    }
    settings = CreditSettings(id="credit")
    settings.configure("carl", by="root", users=users)
    settings.configure(None, by="root", users=users)
    assert settings.revision == 2
    events = settings.collect_events()
    configured = [e for e in events if isinstance(e, CreditConfigured)]
    assert len(configured) == len(events)
    assert [(e.credit_approver_id, e.revision) for e in configured] == [("carl", 1), (None, 2)]
    with pytest.raises(ApproverNotAdmin, match=r"^The credit approver must be an active admin"):
        settings.configure("dave", by="root", users=users)
    assert (settings.revision, settings.credit_approver_id) == (2, None)


def test_a_credit_approver_on_a_purchase_cycle_is_refused() -> None:
    with pytest.raises(ValidationError, match="credit_approver_id is for sales cycles"):
        DefineCycle(
            cycle_id="P",
            name="Purchases",
            order_kind=OrderKind.PURCHASE,
            levels=[LevelRule(approver=ApproverRule.CREATOR_MANAGER)],
            credit_approver_id="cfo",
            defined_by="root",
        )

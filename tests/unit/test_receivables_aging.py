"""Aged receivables: the bucket boundaries, balances on the day asked for, per customer,
currency and in total (services/billing/receivables/domain/aging.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from services.billing.receivables.domain.aging import (
    BUCKETS,
    aged,
    balance_at,
    bucket,
    days_past_due,
    end_of,
)
from shared.contracts.inventory import StockLine
from shared.contracts.receivables import InvoicingPolicy
from tests.unit.test_receivables import AT, invoices_of, order

D = Decimal


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "days_1_30"),
        (30, "days_1_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "over_90"),
        (400, "over_90"),
    ],
)
def test_each_boundary_falls_in_its_bucket(days: int, expected: str) -> None:
    assert bucket(days) == expected


@pytest.mark.parametrize(("days", "expected"), [(0, "current"), (1, "days_1_30"),
                                                (30, "days_1_30"), (31, "days_31_60"),
                                                (60, "days_31_60"), (61, "days_61_90"),
                                                (90, "days_61_90"), (91, "over_90")])  # fmt: skip
def test_an_unpaid_invoice_ages_by_the_days_since_its_due_date(days: int, expected: str) -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    as_of = invoice.due_at.date() + timedelta(days=days)
    assert days_past_due(invoice, as_of) == days
    report = aged([invoice], as_of)
    [row] = report["customers"]
    assert row["customer_id"] == "C-1"
    assert {b: row[b] for b in BUCKETS} == {
        b: (invoice.total if b == expected else D(0)) for b in BUCKETS
    }
    assert (row["total"], row["credit"], row["invoices"]) == (invoice.total, D(0), 1)
    assert report["totals"] == [{k: v for k, v in row.items() if k != "customer_id"}]


def test_what_was_paid_by_the_day_counts_and_later_payments_do_not() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    due = invoice.due_at
    invoice.pay("P-1", D("100.00"), "EUR", due + timedelta(days=2))
    invoice.pay("P-2", D("87.58"), "EUR", due + timedelta(days=40))
    before = aged([invoice], due.date() + timedelta(days=1))
    assert before["totals"][0]["days_1_30"] == D("187.58")
    between = aged([invoice], due.date() + timedelta(days=35))
    assert between["totals"][0]["days_31_60"] == D("87.58")
    assert aged([invoice], due.date() + timedelta(days=41)) == {
        "as_of": due.date() + timedelta(days=41), "customers": [], "totals": [],
    }  # fmt: skip


def test_an_invoice_issued_after_the_day_is_left_out() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    assert aged([invoice], AT.date() - timedelta(days=1))["totals"] == []
    assert aged([invoice], AT.date())["totals"][0]["current"] == invoice.total


def test_customers_and_currencies_are_kept_apart_and_credits_are_not_netted() -> None:
    [first] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    usd = first.model_copy(update={"id": "SI-000002", "currency": "USD"})
    other = first.model_copy(update={"id": "SI-000003", "customer_id": "C-2"})
    paid = first.model_copy(update={"id": "SI-000004", "customer_id": "C-2"}, deep=True)
    paid.pay("P-1", paid.total, "EUR", AT)
    paid.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="b", at=AT)
    as_of = first.due_at.date() + timedelta(days=45)
    report = aged([first, usd, other, paid], as_of)
    rows = [(r["customer_id"], r["currency"], r["days_31_60"], r["credit"], r["invoices"])
            for r in report["customers"]]  # fmt: skip
    credit = paid.credit_notes[0].total
    assert rows == [
        ("C-1", "EUR", first.total, D(0), 1),
        ("C-1", "USD", first.total, D(0), 1),
        ("C-2", "EUR", first.total, credit, 1),
    ]
    eur, dollars = report["totals"]
    assert (eur["currency"], eur["total"], eur["credit"], eur["invoices"]) == (
        "EUR", 2 * first.total, credit, 2,
    )  # fmt: skip
    assert (dollars["currency"], dollars["total"]) == ("USD", first.total)


def test_the_day_asked_for_ends_at_its_last_instant_in_utc() -> None:
    [invoice] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    day = invoice.due_at.date() + timedelta(days=3)
    last = end_of(day)
    assert last == datetime.combine(day, time(23, 59, 59, 999999), tzinfo=UTC)
    invoice.pay("P-1", D("100.00"), "EUR", last)
    invoice.pay("P-2", D("50.00"), "EUR", last + timedelta(microseconds=1))
    assert balance_at(invoice, last) == invoice.total - D("100.00")
    assert aged([invoice], day)["totals"][0]["days_1_30"] == invoice.total - D("100.00")
    late = invoice.model_copy(update={"id": "SI-000002", "issued_at": last})
    later = invoice.model_copy(update={"id": "SI-000003",
                                       "issued_at": last + timedelta(microseconds=1)})  # fmt: skip
    [row] = aged([later, late], day)["totals"]  # one left out, the next still counted
    assert row["invoices"] == 1


def test_balances_in_one_bucket_add_up_and_so_do_credits_however_small() -> None:
    [first] = invoices_of(order(InvoicingPolicy.ON_APPROVAL))
    small = first.model_copy(update={"id": "SI-000002"}, deep=True)
    small.pay("P-1", first.total - D("0.50"), "EUR", AT)
    in_credit = []
    for n in (3, 4):
        paid = first.model_copy(update={"id": f"SI-00000{n}"}, deep=True)
        paid.pay("P-1", paid.total, "EUR", AT)
        paid.credit_items([StockLine(sku="C", quantity=D(1))], reason="r", by="b", at=AT)
        in_credit.append(paid)
    [row] = aged([first, small, *in_credit], first.due_at.date())["totals"]
    credit = sum(paid.credit_notes[0].total for paid in in_credit)
    assert (row["current"], row["total"], row["invoices"]) == (
        first.total + D("0.50"), first.total + D("0.50"), 2,
    )  # fmt: skip
    assert row["credit"] == credit

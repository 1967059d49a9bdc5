"""The billing calendar (31sts, leap years, time zones, every N days) and the proration rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.billing.subscriptions.domain.calendar import (
    UnknownTimeZone,
    add_months,
    period_start,
    zone,
)
from services.billing.subscriptions.domain.proration import (
    adjustment_tax,
    applied_credit,
    prorate,
    remaining_fraction,
)
from shared.contracts.billing import BillingInterval

MONTH, QUARTER, YEAR = BillingInterval.MONTH, BillingInterval.QUARTER, BillingInterval.YEAR
DAY, WEEK = BillingInterval.DAY, BillingInterval.WEEK


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def starts(
    anchor: str, interval: BillingInterval, count: int, periods: int, tz: str = "UTC"
) -> list[str]:
    return [
        period_start(at(anchor), interval, count, n, time_zone=tz).isoformat()[:16]
        for n in range(periods)
    ]


def test_a_31st_bills_on_the_last_day_of_shorter_months_and_on_the_31st_again() -> None:
    assert starts("2026-01-31T09:00", MONTH, 1, 5) == [
        "2026-01-31T09:00",
        "2026-02-28T09:00",
        "2026-03-31T09:00",
        "2026-04-30T09:00",
        "2026-05-31T09:00",
    ]


def test_february_has_29_days_in_a_leap_year() -> None:
    assert starts("2027-12-31T00:00", MONTH, 1, 3) == [
        "2027-12-31T00:00",
        "2028-01-31T00:00",
        "2028-02-29T00:00",
    ]


def test_a_29_february_anchor_bills_on_28_february_in_common_years_and_29_in_leap_years() -> None:
    assert starts("2028-02-29T12:00", YEAR, 1, 5) == [
        "2028-02-29T12:00",
        "2029-02-28T12:00",
        "2030-02-28T12:00",
        "2031-02-28T12:00",
        "2032-02-29T12:00",
    ]


def test_quarters_are_three_months_and_counts_multiply() -> None:
    assert starts("2026-11-30T00:00", QUARTER, 1, 3) == [
        "2026-11-30T00:00",
        "2027-02-28T00:00",
        "2027-05-30T00:00",
    ]
    assert starts("2026-01-15T00:00", MONTH, 2, 3) == [
        "2026-01-15T00:00",
        "2026-03-15T00:00",
        "2026-05-15T00:00",
    ]
    assert starts("2026-01-15T00:00", YEAR, 2, 2) == ["2026-01-15T00:00", "2028-01-15T00:00"]


def test_every_n_days_and_weeks_are_fixed_lengths() -> None:
    assert starts("2026-02-27T08:00", DAY, 10, 3) == [
        "2026-02-27T08:00",
        "2026-03-09T08:00",
        "2026-03-19T08:00",
    ]
    assert starts("2026-12-28T08:00", WEEK, 2, 2) == ["2026-12-28T08:00", "2027-01-11T08:00"]
    assert starts("2026-12-28T08:00", DAY, 1, 2) == ["2026-12-28T08:00", "2026-12-29T08:00"]


def test_periods_keep_the_local_wall_time_of_their_time_zone_across_daylight_saving() -> None:
    # Midnight on the 1st in Berlin is 23:00 UTC in winter and 22:00 UTC in summer.
    assert starts("2026-02-28T23:00", MONTH, 1, 3, tz="Europe/Berlin") == [
        "2026-02-28T23:00",
        "2026-03-31T22:00",
        "2026-04-30T22:00",
    ]
    # Weekly: the same local time each week, so a week across the change is 167 hours.
    first, second = (
        period_start(at("2026-03-23T09:00"), WEEK, 1, n, time_zone="Europe/Berlin") for n in (0, 1)
    )
    assert second - first == timedelta(hours=167)
    assert period_start(at("2026-03-23T09:00"), WEEK, 1, 1).tzinfo is UTC


def test_an_unknown_time_zone_is_refused_by_name() -> None:
    with pytest.raises(UnknownTimeZone, match="'Mars/Olympus' is not an IANA time zone") as e:
        zone("Mars/Olympus")
    assert e.value.reason == "unknown_time_zone"
    with pytest.raises(UnknownTimeZone):
        zone("../etc")
    assert str(zone("Asia/Tokyo")) == "Asia/Tokyo"


def test_adding_months_clamps_to_the_last_day_and_crosses_years() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 12, 31, tzinfo=UTC), 1) == datetime(2027, 1, 31, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 2) == datetime(2027, 1, 30, tzinfo=UTC)
    assert add_months(datetime(2026, 3, 31, tzinfo=UTC), -1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 1, 1, tzinfo=UTC), 0) == datetime(2026, 1, 1, tzinfo=UTC)


# --- proration --------------------------------------------------------------------------------

JAN, FEB = at("2026-01-01T00:00"), at("2026-02-01T00:00")


def test_the_remaining_fraction_is_time_left_over_the_period_length() -> None:
    assert remaining_fraction(JAN, FEB, at("2026-01-16T00:00")) == Decimal(16) / Decimal(31)
    assert remaining_fraction(JAN, FEB, JAN) == 1
    assert remaining_fraction(JAN, FEB, at("2025-12-31T00:00")) == 1
    assert remaining_fraction(JAN, FEB, FEB) == 0
    assert remaining_fraction(JAN, FEB, at("2026-03-01T00:00")) == 0
    # to the microsecond, not the day
    just_after = JAN + timedelta(microseconds=1)
    assert remaining_fraction(JAN, FEB, just_after) == 1 - Decimal(1) / Decimal(31 * 86_400_000_000)


def test_an_upgrade_charges_and_a_downgrade_credits_the_rest_of_the_period() -> None:
    mid = at("2026-01-16T00:00")
    up = prorate(Decimal(30), Decimal(60), start=JAN, end=FEB, at=mid, currency="EUR")
    assert up == Decimal("15.48")  # 30 x 16/31 = 15.4838...
    down = prorate(Decimal(60), Decimal(30), start=JAN, end=FEB, at=mid, currency="EUR")
    assert down == Decimal("-15.48")
    assert prorate(Decimal(30), Decimal(60), start=JAN, end=FEB, at=JAN, currency="EUR") == 30
    assert prorate(Decimal(30), Decimal(60), start=JAN, end=FEB, at=FEB, currency="EUR") == 0


def test_proration_rounds_half_to_even_once_to_the_currencys_minor_unit() -> None:
    half = at("2026-01-16T12:00")  # exactly half of January left
    assert prorate(Decimal(0), Decimal("0.05"), start=JAN, end=FEB, at=half, currency="EUR") == (
        Decimal("0.02")  # 0.025 -> 0.02
    )
    assert prorate(Decimal(0), Decimal("0.07"), start=JAN, end=FEB, at=half, currency="EUR") == (
        Decimal("0.04")  # 0.035 -> 0.04
    )
    assert prorate(Decimal(0), Decimal(1001), start=JAN, end=FEB, at=half, currency="JPY") == (
        Decimal(500)  # 500.5 -> 500
    )
    assert (
        str(prorate(Decimal(0), Decimal(1), start=JAN, end=FEB, at=half, currency="BHD")) == "0.500"
    )


def test_a_credit_is_used_up_to_the_periods_price_and_a_charge_in_full() -> None:
    assert applied_credit(Decimal("-50"), Decimal(30)) == Decimal(-30)
    assert applied_credit(Decimal("-10"), Decimal(30)) == Decimal(-10)
    assert applied_credit(Decimal("-30"), Decimal(30)) == Decimal(-30)
    assert applied_credit(Decimal("45"), Decimal(30)) == Decimal(45)
    assert applied_credit(Decimal(0), Decimal(30)) == 0


def test_an_adjustment_is_taxed_at_the_invoices_own_tax_to_net_ratio() -> None:
    tax = adjustment_tax(
        Decimal("15.48"), net_total=Decimal(60), tax_total=Decimal(12), currency="EUR"
    )
    assert tax == Decimal("3.10")  # 3.096
    credit = adjustment_tax(
        Decimal("-15.48"), net_total=Decimal(60), tax_total=Decimal(12), currency="EUR"
    )
    assert credit == Decimal("-3.10")
    assert (
        adjustment_tax(Decimal(5), net_total=Decimal(0), tax_total=Decimal(0), currency="EUR") == 0
    )
    assert (
        adjustment_tax(Decimal(5), net_total=Decimal(0), tax_total=Decimal(1), currency="EUR") == 0
    )
    assert adjustment_tax(
        Decimal(100), net_total=Decimal(3), tax_total=Decimal(1), currency="JPY"
    ) == Decimal(33)

"""How the back office writes amounts and dates for a person."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.backoffice.formats import (
    Formats,
    UnknownTimeZone,
    amount_text,
    style_for_language,
    time_zone,
    time_zones,
)

pytestmark = pytest.mark.unit
AT = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [
        ("1234.5", "EUR", "1,234.50"),
        ("1234.5", "JPY", "1,234"),  # half to even, as pricing rounds
        ("1235.5", "JPY", "1,236"),
        ("1.2345", "BHD", "1.234"),
        ("0", "usd", "0.00"),
        (None, "EUR", ""),
        ("n/a", "EUR", "n/a"),
    ],
)
def test_an_amount_has_exactly_its_currencys_decimals(value: str, currency: str, text: str) -> None:
    assert amount_text(value, currency) == text


def test_files_get_amounts_without_grouping() -> None:
    assert amount_text("1234567.891", "EUR", grouped=False) == "1234567.89"


@pytest.mark.parametrize(
    ("header", "style"),
    [
        ("en-US,en;q=0.9", "mdy"),
        ("en-GB,en;q=0.9", "dmy"),
        ("de-DE,de;q=0.9,en;q=0.8", "dmy-dot"),
        ("xx-YY, ja;q=0.5", "iso"),
        ("", "iso"),
        ("tlh", "iso"),
    ],
)
def test_the_browsers_first_known_language_picks_the_date_style(header: str, style: str) -> None:
    assert style_for_language(header) == style


def test_dates_are_written_in_the_persons_style_and_time_zone() -> None:
    assert Formats().when(AT) == "2026-12-31 23:30"
    american = Formats.of(None, "en-US")
    assert american.when(AT.isoformat()) == "12/31/2026 23:30"
    berlin = Formats.of({"date_style": "dmy-dot", "time_zone": "Europe/Berlin"}, "en-US")
    assert berlin.when(AT) == "01.01.2027 00:30"  # the saved choice beats the browser
    assert berlin.when(AT, seconds=True) == "01.01.2027 00:30:00"
    assert berlin.date("2026-12-31T23:30:00+00:00") == "01.01.2027"
    assert Formats.of(None, "", "Asia/Tokyo").zone == ZoneInfo("Asia/Tokyo")
    assert berlin.when("not a date") == "not a date"
    assert berlin.when(None) == ""
    # A preference that became unknown falls back rather than breaking every page.
    assert Formats.of({"date_style": "klingon", "time_zone": "Mars/Base"}).when(AT) == (
        "2026-12-31 23:30"
    )


def test_a_time_zone_must_be_a_real_one() -> None:
    assert time_zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    for wrong in ("Mars/Base", "../etc/passwd", "", "Europe/Berlin; DROP"):
        with pytest.raises(UnknownTimeZone, match="is not a time zone name"):
            time_zone(wrong)
    zones = time_zones()
    assert zones[0] == "UTC"
    assert "America/New_York" in zones

"""How the back office writes amounts and dates for a person."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.backoffice.domain import money
from services.backoffice.formats import (
    Formats,
    UnknownTimeZone,
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
        ("1234", "JPY", "1,234"),
        ("1.25", "BHD", "1.250"),
        ("0", "usd", "0.00"),
        ("10.123333", "EUR", "10.123333"),  # an exact line value keeps its digits
        ("1234567.5", "EUR", "1,234,567.50"),
        (None, "EUR", ""),
    ],
)
def test_an_amount_has_its_currencys_decimals_grouped(value: str, currency: str, text: str) -> None:
    assert money(value, currency) == text


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


def test_a_report_query_names_what_it_cannot_use() -> None:
    from services.backoffice.pages_reports import BadQuery, Choice

    mine = Formats.of({"time_zone": "Europe/Berlin"})
    chosen = Choice.read({"from": "2026-11-01", "to": "2026-11-30"}, mine)
    assert (chosen.basis, chosen.zone) == ("ordered", "Europe/Berlin")  # the person's zone
    assert chosen.query() == "basis=ordered&tz=Europe%2FBerlin&from=2026-11-01&to=2026-11-30"
    assert Choice.read({"basis": "issued", "tz": "Asia/Tokyo"}, mine).period.zone == ZoneInfo(
        "Asia/Tokyo"
    )
    for params, words in [
        ({"basis": "paid"}, "basis: 'paid' is none of ordered, issued, invoiced."),
        ({"tz": "Mars/Base"}, "time zone: 'Mars/Base' is not a time zone name"),
        ({"from": "2026-13-01"}, "from: '2026-13-01' is not a date (YYYY-MM-DD)."),
        ({"to": "yesterday"}, "to: 'yesterday' is not a date (YYYY-MM-DD)."),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "from: 2026-12-02 is after to (2026-12-01)."),
    ]:
        with pytest.raises(BadQuery) as refused:
            Choice.read(params, mine)
        assert str(refused.value).startswith(words)

"""Billing periods on the calendar: where period ``n`` of a subscription starts.

Every period start is computed from the subscription's anchor (its first billing instant), never
from the previous period: a subscription anchored on 31 January bills on 28 (or 29) February,
then on 31 March again. Months are calendar months; a month that lacks the anchor's day bills on
its last day (29 February in a leap year, 28 otherwise). Quarters are three months, years twelve
(an anchor of 29 February bills on 28 February in common years). Days and weeks are fixed
lengths of calendar days.

Time zones: the arithmetic happens on the wall clock of the subscription's IANA time zone
(default UTC), so "the 1st at 00:00 in Europe/Berlin" stays the 1st at 00:00 local time across
daylight-saving changes; the instants are then stored and compared in UTC.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.contracts.billing import BillingInterval
from shared.domain import DomainError

MONTHS = {BillingInterval.MONTH: 1, BillingInterval.QUARTER: 3, BillingInterval.YEAR: 12}
DAYS = {BillingInterval.DAY: 1, BillingInterval.WEEK: 7}


class UnknownTimeZone(DomainError):
    """A time zone that is not an IANA name (such as UTC or Europe/Berlin)."""

    reason = "unknown_time_zone"


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``), refused by name when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(
            f"{name!r} is not an IANA time zone name (such as UTC or Europe/Berlin)."
        ) from None


def add_months(day: datetime, months: int) -> datetime:
    """``day`` moved ``months`` calendar months, on the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def period_start(
    anchor: datetime, interval: BillingInterval, count: int, n: int, *, time_zone: str = "UTC"
) -> datetime:
    """The start (UTC) of period ``n`` (0 is the anchor's) of ``count`` x ``interval``."""
    local = anchor.astimezone(zone(time_zone)).replace(tzinfo=None)
    if interval in MONTHS:
        moved = add_months(local, MONTHS[interval] * count * n)
    else:
        moved = local + timedelta(days=DAYS[interval] * count * n)
    return moved.replace(tzinfo=zone(time_zone)).astimezone(UTC)

"""How the back office writes dates for a person (their own format and time zone), and rounds
report amounts to their currency (amounts are written by ``domain.money``). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from shared.pricing import minor_unit, round_to

DATE_STYLES = {
    "iso": ("%Y-%m-%d", "2026-12-31"),
    "dmy": ("%d/%m/%Y", "31/12/2026"),
    "dmy-dot": ("%d.%m.%Y", "31.12.2026"),
    "mdy": ("%m/%d/%Y", "12/31/2026"),
}
"""A date style's pattern and an example of it (what the preferences page offers)."""

# The date style most people of a language (or language-region) write; others: ISO 8601.
LOCALE_STYLES = {
    "en-us": "mdy",
    "en-ca": "iso",
    "en": "dmy",
    "fr": "dmy",
    "es": "dmy",
    "it": "dmy",
    "pt": "dmy",
    "nl": "dmy",
    "de": "dmy-dot",
    "ru": "dmy-dot",
    "pl": "dmy-dot",
    "cs": "dmy-dot",
    "fi": "dmy-dot",
    "nb": "dmy-dot",
    "da": "dmy-dot",
    "tr": "dmy-dot",
    "sv": "iso",
    "ja": "iso",
    "zh": "iso",
    "ko": "iso",
}


class UnknownTimeZone(ValueError):
    """A time zone name the IANA database does not know."""


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``, ``UTC``), or a refusal saying so."""
    if name.strip() not in _known_zones():
        raise UnknownTimeZone(
            f"time zone: {name!r} is not a time zone name; use one such as UTC, "
            "Europe/Berlin or America/New_York."
        )
    return ZoneInfo(name.strip())


def time_zones() -> list[str]:
    """Every time zone a person may choose, UTC first."""
    return ["UTC", *sorted(zone for zone in _known_zones() if "/" in zone)]


def style_for_language(accept_language: str) -> str:
    """The date style of the browser's first language that has one (``Accept-Language``)."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        for candidate in (tag, tag.split("-")[0]):
            if candidate in LOCALE_STYLES:
                return LOCALE_STYLES[candidate]
    return "iso"


def quantized(value: Decimal, currency: str) -> Decimal:
    """``value`` rounded to its currency's minor unit (half to even, as pricing rounds)."""
    return round_to(value, minor_unit(currency.upper()))


@dataclass(frozen=True)
class Formats:
    """One person's formats: their date style and time zone."""

    date_style: str = "iso"
    zone: tzinfo = UTC

    @classmethod
    def of(
        cls,
        preferences: dict[str, Any] | None,
        accept_language: str = "",
        default_zone: str = "UTC",
    ) -> Formats:
        """A person's saved preferences, else their browser's language (dates) and the back
        office's time zone, else ISO 8601 in UTC."""
        chosen = preferences or {}
        style = chosen.get("date_style") or style_for_language(accept_language)
        try:
            zone: tzinfo = time_zone(chosen.get("time_zone") or default_zone)
        except UnknownTimeZone:
            zone = UTC
        return cls(style if style in DATE_STYLES else "iso", zone)

    @property
    def zone_name(self) -> str:
        return str(self.zone)

    def local(self, value: Any) -> datetime | None:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return None
        if not isinstance(value, datetime):
            return None
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(self.zone)

    def date(self, value: Any) -> str:
        local = self.local(value)
        if local is None:
            return "" if value is None else str(value)
        return local.strftime(DATE_STYLES[self.date_style][0])

    def when(self, value: Any, *, seconds: bool = False) -> str:
        """A moment as the person reads it: their date format, 24-hour time, their zone."""
        local = self.local(value)
        if local is None:
            return "" if value is None else str(value)
        return f"{self.date(local)} {local:{'%H:%M:%S' if seconds else '%H:%M'}}"

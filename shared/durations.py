"""Durations as people write them (``8h``, ``2d 4h``, ``90m``) and as ISO 8601 (``PT8H``),
for the tools that set a cycle's reminder and escalation intervals (back office, omsctl).

``duration_text`` writes a duration so that ``parse_duration`` reads it back exactly: a form
filled with a stored interval and saved unchanged sends the same interval.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from pydantic import TypeAdapter, ValidationError

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([wdhms])\s*", re.IGNORECASE)
_ISO = TypeAdapter(timedelta)
SHAPES = '"8h", "2d 4h", "90m", "1w", "45s" or ISO 8601 ("PT8H", "P2D")'
"""What ``parse_duration`` reads, in words for a refusal or a help text."""


class BadDuration(ValueError):
    """Text that is not a duration; the message says what is."""


def parse_duration(text: str) -> timedelta:
    """``8h``, ``2d 4h``, ``1w``, ``90m``, ``45s`` (parts with units w, d, h, m, s, in any
    order) or an ISO 8601 duration (``PT8H``). A bare number is refused: its unit is unclear."""
    words = text.strip()
    if not words:
        raise BadDuration(f"a duration is needed: {SHAPES}")
    if words[0] in "Pp":
        try:
            return _ISO.validate_python(words.upper())
        except ValidationError as error:
            raise BadDuration(f"{text!r} is not an ISO 8601 duration: {SHAPES}") from error
    seconds, at = Decimal(0), 0
    for found in _PART.finditer(words):
        if found.start() != at:
            break
        try:
            seconds += Decimal(found.group(1)) * _UNITS[found.group(2).lower()]
        except InvalidOperation as error:  # pragma: no cover - the pattern admits digits only
            raise BadDuration(f"{text!r} is not a duration: {SHAPES}") from error
        at = found.end()
    if at != len(words):
        raise BadDuration(f"{text!r} is not a duration (say the unit): {SHAPES}")
    whole, fraction = divmod(seconds, 1)
    return timedelta(seconds=int(whole), microseconds=int((fraction * 1_000_000).to_integral()))


def duration_text(duration: timedelta) -> str:
    """``2d 4h 30m``, ``45s``, ``1.5s``: what ``parse_duration`` reads back as the same."""
    days, rest = duration.days, duration.seconds
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes else []
    if duration.microseconds:
        fraction = f"{duration.microseconds:06d}".rstrip("0")
        parts.append(f"{seconds}.{fraction}s")
    elif seconds or not parts:
        parts.append(f"{seconds}s")
    return " ".join(parts)

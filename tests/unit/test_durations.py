"""Durations as people write them, read back exactly as written (the cycle form and omsctl)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.durations import BadDuration, duration_text, parse_duration


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(hours=8), "8h"),
        (timedelta(days=2, hours=4, minutes=30), "2d 4h 30m"),
        (timedelta(hours=1, seconds=1), "1h 1s"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(microseconds=1), "0.000001s"),
        (timedelta(0), "0s"),
        (timedelta(weeks=1), "7d"),
    ],
)
def test_a_duration_is_written_and_read_back_the_same(duration: timedelta, text: str) -> None:
    assert duration_text(duration) == text
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("PT8H", timedelta(hours=8)),
        ("p2d", timedelta(days=2)),
        ("1w 2d", timedelta(days=9)),
        ("90m", timedelta(minutes=90)),
        (" 4H30M ", timedelta(hours=4, minutes=30)),
        ("0.5h", timedelta(minutes=30)),
    ],
)
def test_iso_and_short_forms_are_read(text: str, duration: timedelta) -> None:
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("8", "say the unit"),
        ("", "a duration is needed"),
        ("8 hours", "say the unit"),
        ("h8", "say the unit"),
        ("8h x", "say the unit"),
        ("PTX", "not an ISO 8601 duration"),
    ],
)
def test_what_is_not_a_duration_is_refused_saying_what_is(text: str, words: str) -> None:
    with pytest.raises(BadDuration, match=words):
        parse_duration(text)

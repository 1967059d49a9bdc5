"""The back office's cycle form round-trips every field of a cycle: filled with the cycle as the
approval service answers it (thresholds, per-currency thresholds, reminder and escalation
intervals, e-mail switches), and saved untouched, it sends that cycle again, field for field.
``approval.define_cycle`` replaces the whole cycle, so a field the form left out was lost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from services.backoffice.cycle_form import (
    FormError,
    cycle_command,
    cycle_values,
    parse_currency_amounts,
    typed_values,
)
from shared.contracts import DefineCycle
from tests.support.forms import configuration_page as page
from tests.support.forms import submitted

STORED: dict[str, Any] = {
    # As GET /cycles answers it (JSON): amounts as text, intervals as ISO 8601.
    "id": "CYC-1",
    "name": "Big sales",
    "order_kind": "sales",
    "levels": [
        {"approver": "creator_manager", "user_id": None, "above": None, "above_in": {}},
        {
            "approver": "named_user",
            "user_id": "cfo",
            "above": "10000.50",
            "above_in": {"EUR": "9000", "JPY": "1500000"},
        },
    ],
    "notify": False,
    "emails": {"pending": True, "approved": False, "rejected": True},
    "fallback_approver_id": "adam",
    "credit_approver_id": "cfo",
    "remind_after": "PT8H",
    "escalate_after": "P2DT4H30M",
    "base_currency": "USD",
    "parties": ["SHOP"],
}


def saved_untouched(stored: dict[str, Any]) -> DefineCycle:
    sent = submitted(page(cycle_values(stored)), "define-cycle")
    return cycle_command(sent, "root")


def as_stored(command: DefineCycle) -> dict[str, Any]:
    """The fields of the cycle a command defines, as GET /cycles answers them."""
    return {
        "id": command.cycle_id,
        "name": command.name,
        "order_kind": command.order_kind.value,
        "levels": [level.model_dump(mode="json") for level in command.levels],
        "notify": command.notify,
        "emails": {
            "pending": command.notify_pending,
            "approved": command.notify_approved,
            "rejected": command.notify_rejected,
        },
        "fallback_approver_id": command.fallback_approver_id,
        "credit_approver_id": command.credit_approver_id,
        "remind_after": command.model_dump(mode="json")["remind_after"],
        "escalate_after": command.model_dump(mode="json")["escalate_after"],
    }


def test_a_cycle_saved_untouched_is_sent_as_it_is_stored() -> None:
    command = saved_untouched(STORED)
    kept = {key: STORED[key] for key in as_stored(command)}
    assert as_stored(command) == kept
    assert command.levels[1].above == Decimal("10000.50")
    assert command.levels[1].above_in == {"EUR": Decimal("9000"), "JPY": Decimal("1500000")}
    assert (command.remind_after, command.escalate_after) == (
        timedelta(hours=8),
        timedelta(days=2, hours=4, minutes=30),
    )


def test_a_cycle_without_thresholds_or_intervals_stays_without() -> None:
    plain = {
        **STORED,
        "levels": [{"approver": "named_user", "user_id": "ada"}],
        "notify": True,
        "emails": {"pending": False, "approved": True, "rejected": False},
        "remind_after": None,
        "escalate_after": None,
        "fallback_approver_id": None,
        "credit_approver_id": None,
    }
    command = saved_untouched(plain)
    assert command.credit_approver_id is None
    assert command.levels[0].above is None
    assert command.levels[0].above_in == {}
    assert (command.remind_after, command.escalate_after) == (None, None)
    assert (command.notify_pending, command.notify_approved) == (False, True)


def test_the_form_shows_thresholds_and_intervals_in_words() -> None:
    values = cycle_values(STORED)
    assert values["levels"][1]["above_in_text"] == "EUR 9000, JPY 1500000"
    assert (values["remind_after_text"], values["escalate_after_text"]) == ("8h", "2d 4h 30m")
    html = page(values, [values])
    assert "2: cfo (above 10000.50 USD; EUR 9000, JPY 1500000)" in html
    assert "8h / 2d 4h 30m" in html


def test_a_changed_threshold_and_interval_are_sent_and_the_rest_kept() -> None:
    sent = submitted(page(cycle_values(STORED)), "define-cycle")
    sent |= {"level1_above": "500", "level2_above_in": "eur=8000", "remind_after": "PT4H"}
    command = cycle_command(sent, "root")
    assert command.levels[0].above == Decimal("500")
    assert command.levels[1].above_in == {"EUR": Decimal("8000")}
    assert command.levels[1].above == Decimal("10000.50")
    assert command.remind_after == timedelta(hours=4)
    assert command.escalate_after == timedelta(days=2, hours=4, minutes=30)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"level2_above": "-1"}, "levels.1.above"),
        ({"level2_above_in": "EUR -5"}, "levels.1.above_in.EUR"),
        ({"level2_above_in": "euros 5"}, "Level 2 per-currency threshold: 'euros 5'"),
        ({"level2_above_in": "EUR 5, eur 6"}, "EUR is given twice"),
        ({"remind_after": "8"}, "Remind after: '8' is not a duration (say the unit)"),
        ({"escalate_after": "4h"}, "escalate_after must be longer than remind_after"),
        ({"remind_after": "0s"}, "remind_after must be above zero"),
    ],
)
def test_bad_thresholds_and_intervals_are_refused_naming_the_field(
    change: dict[str, str], words: str
) -> None:
    sent = submitted(page(cycle_values(STORED)), "define-cycle") | change
    with pytest.raises((FormError, ValidationError)) as refused:
        cycle_command(sent, "root")
    assert words in str(refused.value)


def test_a_refused_form_is_shown_again_as_typed() -> None:
    sent = submitted(page(cycle_values(STORED)), "define-cycle") | {"remind_after": "8 hours"}
    again = submitted(page(typed_values(sent, STORED)), "define-cycle")
    assert again == sent


def test_per_currency_thresholds_read_in_several_shapes() -> None:
    assert parse_currency_amounts(" EUR 9000; jpy:1500000\nGBP=10 ", "f") == {
        "EUR": "9000",
        "JPY": "1500000",
        "GBP": "10",
    }
    assert parse_currency_amounts("", "f") == {}


def test_the_credit_approvers_are_shown_and_sent() -> None:
    html = page(cycle_values(STORED), [cycle_values(STORED)], {"credit_approver_id": "carl"})
    assert submitted(html, "credit") == {"csrf": "t", "credit_approver_id": "carl"}
    assert saved_untouched(STORED).credit_approver_id == "cfo"
    without = page(cycle_values(None), [cycle_values({**STORED, "credit_approver_id": None})])
    assert "approval-wide: " not in without
    assert "nobody (such orders are rejected, saying why)" in without

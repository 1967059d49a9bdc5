"""The back office's away form (typed in the person's time zone, sent as approval.set_away, shown
again filled with what is stored) and the approval pages naming a delegate's away approver and
the routing of a request (which levels of the cycle applied, and why)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from services.backoffice.away_form import away_command, away_state, away_values
from services.backoffice.cycle_form import FormError
from services.backoffice.formats import Formats
from services.backoffice.web import TEMPLATES
from tests.support.forms import submitted

BERLIN = ZoneInfo("Europe/Berlin")
STORED = {
    "delegate_id": "ann",
    "starts_at": "2026-07-01T07:00:00Z",
    "ends_at": "2026-07-15T16:00:00Z",
    "set_by": "adam",
}


def render(template: str, **context: Any) -> str:
    context = {"viewer": None, "csrf": "t", "fmt": Formats(zone=BERLIN), **context}
    return TEMPLATES.env.get_template(template).render(**context)


def test_the_moments_are_typed_in_the_person_s_zone() -> None:
    sent = {"delegate_id": " ann ", "starts_at": "2026-07-01T09:00", "ends_at": "2026-07-15T18:00"}
    command = away_command("adam", sent, "root", BERLIN)
    assert (command.user_id, command.delegate_id, command.set_by) == ("adam", "ann", "root")
    assert command.starts_at == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert command.ends_at == datetime(2026, 7, 15, 16, tzinfo=UTC)


def test_the_form_opens_with_the_stored_away_and_saves_it_unchanged() -> None:
    values = away_values(STORED, Formats(zone=BERLIN))
    assert values == {
        "delegate_id": "ann",
        "starts_at": "2026-07-01T09:00",
        "ends_at": "2026-07-15T18:00",
    }
    page = render(
        "user.html",
        person={"_id": "adam", "name": "Adam", "active": True},
        shown={"_id": "adam", "name": "Adam", "active": True},
        away=STORED,
        away_form=values,
        waiting=[],
    )
    assert "ann</strong> decides for adam meanwhile" in page
    assert 'action="/configuration/users/adam/back"' in page
    sent = submitted(page, "away-form")
    command = away_command("adam", sent, "root", BERLIN)
    assert command.starts_at == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert command.ends_at == datetime(2026, 7, 15, 16, tzinfo=UTC)
    assert away_values(None, Formats())["delegate_id"] == ""


@pytest.mark.parametrize(
    ("sent", "words"),
    [
        ({"starts_at": "", "ends_at": "2026-07-15T18:00"}, "Away from: give a date and time"),
        ({"starts_at": "soon", "ends_at": "2026-07-15T18:00"}, "Away from: 'soon' is not"),
        ({"starts_at": "2026-07-15T18:00", "ends_at": "2026-07-01T09:00"}, "ends_at must be after"),
    ],
)
def test_a_wrong_range_is_refused_before_it_is_sent(sent: dict[str, str], words: str) -> None:
    with pytest.raises((FormError, ValidationError)) as refused:
        away_command("adam", {"delegate_id": "ann", **sent}, "root", BERLIN)
    assert words in str(refused.value)


REQUEST: dict[str, Any] = {
    "id": "SO-1:1",
    "order_id": "SO-1",
    "order_kind": "sales",
    "party_id": "SHOP",
    "attempt": 1,
    "creator": {"user_id": "carl"},
    "cycle_id": "CYC-1",
    "status": "pending",
    "level": 1,
    "levels": [{"approver": "named_user", "user_id": "cfo"}],
    "approver": {"user_id": "ann", "name": "Ann Admin"},
    "on_behalf_of": {"user_id": "adam", "name": "Adam Admin"},
    "routing": [
        {"cycle_level": 1, "applies": False, "why": "50.00 USD, not above the threshold 100 USD"},
        {"cycle_level": 2, "applies": True, "why": "12000.00 USD, above the threshold 10000 USD"},
    ],
    "decisions": [],
    "reassignments": [
        {
            "level": 1,
            "from_approver": {"user_id": "adam"},
            "to_approver": {"user_id": "ann"},
            "by": "system",
            "at": "2026-07-01T07:00:00Z",
            "reason": "escalated",
        }
    ],
    "opened_at": "2026-07-01T06:00:00Z",
}


def test_a_request_names_the_away_approver_and_its_routing() -> None:
    page = render(
        "request.html", req=REQUEST, order=None, attempts=[REQUEST], closed="Not for you."
    )
    assert "Ann Admin, on behalf of Adam Admin (away)" in page
    assert "12000.00 USD, above the threshold 10000 USD" in page
    assert "<td>1</td><td>no</td>" in page
    assert "Level 1 escalated from adam to ann by the approval service" in page
    assert "waits for Ann Admin on behalf of Adam Admin" in page


def test_the_inbox_names_the_away_approver_and_the_routing() -> None:
    order = {"branch_id": "B", "currency": "USD", "pricing": {"grand_total": "12000.00"}}
    page = render("inbox.html", requests=[REQUEST], orders={"SO-1": order})
    assert "Adam Admin (away)" in page
    assert "1: skipped (50.00 USD, not above the threshold 100 USD); 2: applies" in page


@pytest.mark.parametrize(
    ("now", "state", "words"),
    [
        (datetime(2026, 7, 1, 6, 59, tzinfo=UTC), "planned", "Will be away from"),
        (datetime(2026, 7, 1, 7, tzinfo=UTC), "away", "Away now from"),
        (datetime(2026, 7, 15, 15, 59, tzinfo=UTC), "away", "ann</strong> decides for adam"),
        (datetime(2026, 7, 15, 16, tzinfo=UTC), "over", "New requests go to adam again."),
    ],
)
def test_an_away_is_planned_then_now_then_over(now: datetime, state: str, words: str) -> None:
    away = away_state(STORED, now)
    assert away is not None
    assert away["state"] == state
    page = render(
        "user.html",
        person={"_id": "adam", "name": "Adam", "active": True},
        shown={"_id": "adam", "name": "Adam", "active": True},
        away=away,
        away_form=away_values(away, Formats()),
        waiting=[],
    )
    assert words in page
    assert away_state(None, now) is None


def test_a_request_says_by_how_much_the_credit_limit_is_exceeded() -> None:
    credit = {
        "limit": "1000.00",
        "currency": "USD",
        "exposure": "600.00",
        "exposure_after": "1200.50",
        "over_by": "200.50",
        "applies": True,
        "why": "w",
        "approver_id": "adam",
        "level": 2,
    }
    req = {**REQUEST, "credit": credit}
    page = render("request.html", req=req, order=None, attempts=[req], closed="Not for you.")
    assert "over the credit limit of 1000.00 USD by 200.50 USD" in page
    assert "level 2 is the credit approver's" in page
    within = {**req, "credit": {**credit, "applies": False, "why": "exposure 1 + 2 = 3"}}
    page = render("request.html", req=within, order=None, attempts=[within], closed="x")
    assert "within the credit limit (exposure 1 + 2 = 3)" in page

"""omsctl's cycle, away and approval commands without a server: ``cycles define`` reads the
stored cycle and keeps every field no option gives (approval.define_cycle replaces the whole
cycle, so a redefinition used to drop thresholds and intervals); ``users away``/``back``."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner

from omsctl.approvals import CycleOptions, cycle_body, levels_text, routing_text
from omsctl.cli import main
from omsctl.context import Ctl
from omsctl.lookup import parse_moment
from omsctl.outcome import Exit, Outcome
from shared.contracts import ClearAway, DefineCycle, SetAway

STORED: dict[str, Any] = {
    "id": "CYC-1",
    "name": "Big sales",
    "order_kind": "sales",
    "levels": [
        {"approver": "creator_manager", "user_id": None, "above": None, "above_in": {}},
        {"approver": "named_user", "user_id": "cfo", "above": "10000", "above_in": {"EUR": "9000"}},
    ],
    "notify": True,
    "emails": {"pending": True, "approved": False, "rejected": True},
    "fallback_approver_id": "adam",
    "remind_after": "PT8H",
    "escalate_after": "P2D",
    "base_currency": "USD",
}


class Fake:
    """The approval service as omsctl sees it: a stored cycle to read, commands to catch."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, stored: list[dict[str, Any]]) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.read: list[dict[str, Any]] = []

        def query(_ctl: Ctl, service: str, path: str, **params: Any) -> Any:
            self.read.append({"service": service, "path": path, **params})
            return None, stored

        def command(_ctl: Ctl, routing_key: str, fields: dict[str, Any], **_: Any) -> Outcome:
            self.sent.append((routing_key, fields))
            return Outcome(Exit.DONE, {"outcome": "done"}, f"done: {routing_key}")

        monkeypatch.setattr(Ctl, "query", query)
        monkeypatch.setattr(Ctl, "command", command)


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["--as", "root", *args])


def test_a_stored_cycle_redefined_with_one_option_keeps_everything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Fake(monkeypatch, [STORED])
    result = run("--json", "cycles", "define", "CYC-1", "--name", "Bigger sales")
    assert result.exit_code == Exit.DONE, result.output
    [(key, body)] = fake.sent
    assert key == "approval.define_cycle"
    assert fake.read == [{"service": "approval", "path": "/cycles", "cycle_id": "CYC-1"}]
    command = DefineCycle.model_validate({**body, "defined_by": "root"})
    assert command.name == "Bigger sales"
    assert command.levels[0].above is None
    assert command.levels[1].above == Decimal("10000")
    assert command.levels[1].above_in == {"EUR": Decimal("9000")}
    assert (command.remind_after, command.escalate_after) == (timedelta(hours=8), timedelta(days=2))
    assert command.fallback_approver_id == "adam"
    emails = (command.notify_pending, command.notify_approved, command.notify_rejected)
    assert emails == (True, False, True)
    assert "levels" in json.loads(result.output)["kept"]
    assert "thresholds" in json.loads(result.output)["kept"]


def test_thresholds_and_intervals_are_given_changed_and_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Fake(monkeypatch, [STORED])
    result = run(
        "cycles",
        "define",
        "CYC-1",
        "--level",
        "manager",
        "--level",
        "ann",
        "--above",
        "1=500",
        "--above",
        "2=none",
        "--above-in",
        "2:jpy=1500000",
        "--above-in",
        "2:EUR=none",
        "--remind-after",
        "4h",
        "--escalate-after",
        "none",
    )
    assert result.exit_code == Exit.DONE, result.output
    command = DefineCycle.model_validate({**fake.sent[0][1], "defined_by": "root"})
    assert command.levels[0].above == Decimal("500")
    assert command.levels[1].user_id == "ann"
    assert command.levels[1].above is None
    assert command.levels[1].above_in == {"JPY": Decimal("1500000")}
    assert (command.remind_after, command.escalate_after) == (timedelta(hours=4), None)


def test_a_new_cycle_needs_name_kind_and_levels_and_takes_thresholds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Fake(monkeypatch, [])
    missing = run("cycles", "define", "CYC-2", "--level", "manager")
    assert missing.exit_code == Exit.USAGE
    assert "not stored yet: give --name, --kind and at least one --level" in missing.output
    made = run(
        "cycles",
        "define",
        "CYC-2",
        "--name",
        "Two",
        "--kind",
        "purchase",
        "--level",
        "manager",
        "--level",
        "cfo",
        "--above",
        "2=10000",
        "--fallback",
        "adam",
        "--remind-after",
        "PT8H",
        "--escalate-after",
        "2d",
    )
    assert made.exit_code == Exit.DONE, made.output
    command = DefineCycle.model_validate({**fake.sent[0][1], "defined_by": "root"})
    assert command.levels[1].above == Decimal("10000")
    assert command.notify
    assert (command.notify_pending, command.escalate_after) == (None, timedelta(days=2))


def test_replace_does_not_read_the_stored_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Fake(monkeypatch, [STORED])
    result = run(
        "cycles", "define", "CYC-1", "--replace", "--name", "N", "--kind", "sales",
        "--level", "cfo",
    )  # fmt: skip
    assert result.exit_code == Exit.DONE, result.output
    assert fake.read == []
    body = fake.sent[0][1]
    assert body["levels"] == [{"approver": "named_user", "user_id": "cfo"}]
    assert (body["remind_after"], body["fallback_approver_id"]) == (None, None)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--above", "3=10"), "the level is 1 or 2"),
        (("--above", "2:10"), "is not LEVEL=AMOUNT"),
        (("--above-in", "2=EUR 10"), "is not LEVEL:CURRENCY=AMOUNT"),
        (("--remind-after", "8"), "say the unit"),
        (("--level", "manager", "--above", "2=10"), "the cycle has no level 2"),
    ],
)
def test_bad_options_are_refused_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], words: str
) -> None:
    fake = Fake(monkeypatch, [STORED])
    result = run("cycles", "define", "CYC-1", *args)
    assert result.exit_code == Exit.USAGE
    assert words in result.output
    assert fake.sent == []


def test_an_unreadable_stored_cycle_stops_the_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    def query(_ctl: Ctl, *_: Any, **__: Any) -> Any:
        return Outcome(Exit.UNREACHABLE, {"outcome": "unreachable"}, "approval: refused"), None

    sent: list[Any] = []
    monkeypatch.setattr(Ctl, "query", query)
    monkeypatch.setattr(Ctl, "command", lambda *a, **k: sent.append(a))
    result = run("cycles", "define", "CYC-1", "--name", "N")
    assert result.exit_code == Exit.UNREACHABLE
    assert "cannot read cycle CYC-1 to keep what it stores" in result.output
    assert "--replace" in result.output
    assert sent == []


def test_cycle_body_keeps_thresholds_with_their_level_number() -> None:
    body = cycle_body("CYC-1", CycleOptions(levels=("manager", "ann")), STORED)
    assert body["levels"][1] == {
        "approver": "named_user",
        "user_id": "ann",
        "above": "10000",
        "above_in": {"EUR": "9000"},
    }
    one = cycle_body("CYC-1", CycleOptions(levels=("manager",)), STORED)
    assert one["levels"] == [{"approver": "creator_manager"}]


def test_levels_and_routing_read_as_words() -> None:
    assert levels_text(STORED) == "1: manager; 2: cfo above 10000 USD, EUR 9000"
    routing = [
        {"cycle_level": 1, "applies": True, "why": "no threshold"},
        {"cycle_level": 2, "applies": False, "why": "50.00 USD, not above 10000 USD"},
    ]
    assert routing_text(routing) == (
        "level 1 applies (no threshold); level 2 skipped (50.00 USD, not above 10000 USD)"
    )


def test_away_and_back_send_set_away_and_clear_away(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Fake(monkeypatch, [])
    result = run(
        "users", "away", "adam", "--delegate", "ann", "--from", "2026-07-01",
        "--to", "2026-07-15T18:00:00+02:00",
    )  # fmt: skip
    assert result.exit_code == Exit.DONE, result.output
    key, body = fake.sent[0]
    assert key == "approval.set_away"
    away = SetAway.model_validate({**body, "set_by": "root"})
    assert away.starts_at.isoformat() == "2026-07-01T00:00:00+00:00"
    assert away.ends_at.isoformat() == "2026-07-15T18:00:00+02:00"
    assert run("users", "back", "adam").exit_code == Exit.DONE
    key, body = fake.sent[1]
    assert key == "approval.clear_away"
    assert ClearAway.model_validate({**body, "cleared_by": "root"}).user_id == "adam"
    default = run("users", "away", "adam", "--delegate", "ann", "--to", "2099-01-01")
    assert default.exit_code == Exit.DONE
    assert fake.sent[2][1]["starts_at"]  # now


def test_a_moment_without_a_zone_is_utc_and_nonsense_is_refused() -> None:
    assert parse_moment("2026-07-01T09:30", "--from") == "2026-07-01T09:30:00+00:00"
    assert parse_moment("2026-07-01T09:30:00Z", "--from") == "2026-07-01T09:30:00+00:00"
    result = CliRunner().invoke(
        main, ["users", "away", "adam", "--delegate", "ann", "--to", "next week"]
    )
    assert result.exit_code == Exit.USAGE
    assert "not an ISO 8601 date or moment" in result.output


def test_the_credit_approver_is_kept_set_or_cleared_and_the_approval_wide_one_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Fake(monkeypatch, [{**STORED, "credit_approver_id": "cfo"}])
    assert run("cycles", "define", "CYC-1", "--name", "N").exit_code == Exit.DONE
    assert run("cycles", "define", "CYC-1", "--credit-approver", "ann").exit_code == Exit.DONE
    assert run("cycles", "define", "CYC-1", "--credit-approver", "none").exit_code == Exit.DONE
    assert [body["credit_approver_id"] for _, body in fake.sent] == ["cfo", "ann", None]

    assert run("cycles", "credit-approver", "carl").exit_code == Exit.DONE
    assert run("cycles", "credit-approver", "none").exit_code == Exit.DONE
    assert fake.sent[-2:] == [
        ("approval.configure_credit", {"credit_approver_id": "carl"}),
        ("approval.configure_credit", {"credit_approver_id": None}),
    ]

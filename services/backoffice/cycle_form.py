"""The cycle form: filled with the cycle as the approval service stores it, and read back into
``approval.define_cycle``. ``approval.define_cycle`` replaces the whole cycle, so the form
carries every field of it (levels with their amount thresholds, e-mail switches, the fallback
approver, the reminder and escalation intervals): saved untouched, it sends the cycle as it is.
Pure: no I/O."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter

from shared.contracts import DefineCycle
from shared.durations import BadDuration, duration_text, parse_duration

EMAILS = ("pending", "approved", "rejected")
_PER_CURRENCY = re.compile(r"^([A-Za-z]{3})\s*[=:]?\s*(\S+)$")
_STORED_DURATION = TypeAdapter(timedelta)


class FormError(ValueError):
    """A field of the form that is not what it should be; the message names it."""


def currency_amounts_text(amounts: dict[str, Any] | None) -> str:
    """``{"EUR": "9000", "JPY": "1500000"}`` as ``EUR 9000, JPY 1500000``."""
    return ", ".join(f"{code} {amount}" for code, amount in (amounts or {}).items())


def parse_currency_amounts(text: str, field: str) -> dict[str, str]:
    """``EUR 9000, JPY 1500000`` (or ``EUR=9000; JPY=1500000``) as ``{"EUR": "9000", ...}``:
    one currency code and amount per entry, each currency once."""
    found: dict[str, str] = {}
    for entry in re.split(r"[,;\n]", text):
        if not entry.strip():
            continue
        matched = _PER_CURRENCY.match(entry.strip())
        if matched is None:
            raise FormError(
                f"{field}: {entry.strip()!r} is not a currency and an amount (EUR 9000)"
            )
        code, amount = matched.group(1).upper(), matched.group(2)
        if code in found:
            raise FormError(f"{field}: {code} is given twice")
        found[code] = amount
    return found


def interval_text(stored: Any) -> str:
    """A stored interval (``PT8H`` from the query, or seconds) as ``8h``; none: blank."""
    if stored is None or stored == "":
        return ""
    return duration_text(_STORED_DURATION.validate_python(stored))


def cycle_values(cycle: dict[str, Any] | None) -> dict[str, Any]:
    """The cycle form's fields as the stored cycle has them (a new cycle's defaults without
    one), so that changing one field of a cycle sends every other as it was."""
    if cycle is None:
        return {"emails": dict.fromkeys(EMAILS, True), "levels": [], "notify": True}
    emails = cycle.get("emails")
    if not isinstance(emails, dict):  # stored before each e-mail had its own switch
        emails = dict.fromkeys(EMAILS, bool(cycle.get("notify")))
    levels = [
        {**level, "above_in_text": currency_amounts_text(level.get("above_in"))}
        for level in cycle.get("levels") or []
    ]
    return {
        **cycle,
        "emails": emails,
        "levels": levels,
        "notify": cycle.get("notify", True),
        "remind_after_text": interval_text(cycle.get("remind_after")),
        "escalate_after_text": interval_text(cycle.get("escalate_after")),
    }


def typed_values(sent: dict[str, str], stored: dict[str, Any] | None) -> dict[str, Any]:
    """The form as it was sent, in ``cycle_values``' shape: shown again with a refusal, so
    that nothing typed is lost."""
    levels = []
    for number in (1, 2):
        if rule := sent.get(f"level{number}", ""):
            levels.append(
                {
                    "approver": rule,
                    "user_id": sent.get(f"level{number}_user", ""),
                    "above": sent.get(f"level{number}_above", ""),
                    "above_in_text": sent.get(f"level{number}_above_in", ""),
                }
            )
    return {
        "id": (stored or {}).get("id"),
        "base_currency": (stored or {}).get("base_currency"),
        "cycle_id": sent.get("cycle_id", ""),
        "name": sent.get("name", ""),
        "order_kind": sent.get("order_kind"),
        "levels": levels,
        "notify": sent.get("notify") != "off",
        "emails": {name: sent.get(f"notify_{name}") == "on" for name in EMAILS},
        "fallback_approver_id": sent.get("fallback_approver_id", ""),
        "credit_approver_id": sent.get("credit_approver_id", ""),
        "remind_after_text": sent.get("remind_after", ""),
        "escalate_after_text": sent.get("escalate_after", ""),
    }


def _level(sent: dict[str, str], number: int) -> dict[str, Any] | None:
    rule = sent.get(f"level{number}", "")
    if rule not in {"creator_manager", "named_user"}:
        return None
    level: dict[str, Any] = {"approver": rule}
    if rule == "named_user":
        level["user_id"] = sent.get(f"level{number}_user", "").strip() or None
    if above := sent.get(f"level{number}_above", "").strip():
        level["above"] = above
    above_in = sent.get(f"level{number}_above_in", "")
    level["above_in"] = parse_currency_amounts(above_in, f"Level {number} per-currency threshold")
    return level


def _interval(sent: dict[str, str], name: str, words: str) -> timedelta | None:
    text = sent.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_duration(text)
    except BadDuration as error:
        raise FormError(f"{words}: {error}") from error


def cycle_command(sent: dict[str, str], defined_by: str) -> DefineCycle:
    """The form as ``approval.define_cycle``: an unticked box is sent as nothing (off); a blank
    threshold or interval is none. Raises ``FormError`` or pydantic's ``ValidationError``."""
    levels = [level for number in (1, 2) if (level := _level(sent, number))]
    return DefineCycle.model_validate(
        {
            "cycle_id": sent.get("cycle_id", "").strip(),
            "name": sent.get("name", "").strip(),
            "order_kind": sent.get("order_kind"),
            "levels": levels,
            "notify": sent.get("notify") != "off",
            "notify_pending": sent.get("notify_pending") == "on",
            "notify_approved": sent.get("notify_approved") == "on",
            "notify_rejected": sent.get("notify_rejected") == "on",
            "fallback_approver_id": sent.get("fallback_approver_id", "").strip() or None,
            "credit_approver_id": sent.get("credit_approver_id", "").strip() or None,
            "remind_after": _interval(sent, "remind_after", "Remind after"),
            "escalate_after": _interval(sent, "escalate_after", "Escalate after"),
            "defined_by": defined_by,
        }
    )

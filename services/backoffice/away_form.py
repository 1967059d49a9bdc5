"""The away form: an approver is away from one moment to another and names a delegate
(``approval.set_away``), or is back (``approval.clear_away``). Its moments are typed in the
person's own time zone (``datetime-local`` fields) and sent with it. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from services.backoffice.cycle_form import FormError
from services.backoffice.formats import Formats
from shared.contracts import SetAway

LOCAL = "%Y-%m-%dT%H:%M"
"""How a ``datetime-local`` field writes a moment."""


def _moment(text: str, zone: tzinfo, words: str) -> datetime:
    if not text.strip():
        raise FormError(f"{words}: give a date and time")
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise FormError(f"{words}: {text!r} is not a date and time") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def away_command(user_id: str, sent: dict[str, str], set_by: str, zone: tzinfo) -> SetAway:
    """The form as ``approval.set_away``; moments without a zone are in ``zone`` (the person's).
    Raises ``FormError`` or pydantic's ``ValidationError`` (ends_at not after starts_at)."""
    return SetAway(
        user_id=user_id,
        delegate_id=sent.get("delegate_id", "").strip(),
        starts_at=_moment(sent.get("starts_at", ""), zone, "Away from"),
        ends_at=_moment(sent.get("ends_at", ""), zone, "Away until"),
        set_by=set_by,
    )


def away_values(away: dict[str, Any] | None, formats: Formats) -> dict[str, str]:
    """The stored away (as ``GET /users`` answers it) in the form's fields, in the person's
    time zone; blank without one."""
    if not away:
        return {"delegate_id": "", "starts_at": "", "ends_at": ""}
    starts, ends = formats.local(away.get("starts_at")), formats.local(away.get("ends_at"))
    return {
        "delegate_id": str(away.get("delegate_id") or ""),
        "starts_at": starts.strftime(LOCAL) if starts else "",
        "ends_at": ends.strftime(LOCAL) if ends else "",
    }


def away_state(away: dict[str, Any] | None, now: datetime) -> dict[str, Any] | None:
    """The stored away with ``state``: ``away`` (now in its range), ``planned`` (not started)
    or ``over`` (ended: kept by the approval service until set again or cleared)."""
    if not away:
        return None
    starts = datetime.fromisoformat(str(away["starts_at"]))
    ends = datetime.fromisoformat(str(away["ends_at"]))
    state = "planned" if now < starts else "over" if now >= ends else "away"
    return {**away, "state": state}

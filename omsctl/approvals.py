"""Approval requests and cycles: list, decide, define, assign."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace as replace_outcome
from datetime import timedelta
from typing import Any

import click
from pydantic import TypeAdapter

from omsctl.context import Ctl
from omsctl.curated import listing
from omsctl.outcome import Exit, Outcome
from shared.durations import SHAPES, BadDuration, duration_text, parse_duration

_DURATION = TypeAdapter(timedelta)


@click.group("approvals")
def approvals() -> None:
    """Approval requests: list them, approve or reject one."""


@approvals.command("list")
@click.option("--approver", "approver_id", help="Requests waiting for this approver.")
@click.option("--order", "order_id", help="Every request (attempt) of this order.")
@click.option("--status", default=None, help="pending (default without --order), approved, ...")
@click.pass_obj
def list_requests(
    ctl: Ctl, approver_id: str | None, order_id: str | None, status: str | None
) -> None:
    """Approval requests (an approver's inbox, or an order's attempts and its over-receipts,
    whose receipt column names the held receipt)."""
    status = status or (None if order_id else "pending")
    columns = [
        "id",
        "order_id",
        "status",
        "level",
        "approver",
        "on_behalf_of",
        "attempt",
        "receipt",
        "opened_at",
        "routing",
    ]
    listing(
        ctl,
        "approval",
        "/requests",
        columns,
        shown=lambda row: {
            **row,
            "approver": _who(row.get("approver")),
            "on_behalf_of": _who(row.get("on_behalf_of")),
            "routing": routing_text(row.get("routing") or []),
            "receipt": (row.get("receipt") or {}).get("receipt_id"),  # an over-receipt's
        },
        approver_id=approver_id,
        order_id=order_id,
        status=status,
    )


def _who(person: dict[str, Any] | None) -> str | None:
    return (person or {}).get("user_id")


def routing_text(routing: list[dict[str, Any]]) -> str:
    """``level 1 applies (...); level 2 skipped (...)``: which levels of the cycle applied to
    the order's total, and why."""
    return "; ".join(
        f"level {r.get('cycle_level')} {'applies' if r.get('applies') else 'skipped'} "
        f"({r.get('why')})"
        for r in routing
    )


@approvals.command("show")
@click.argument("request_id")
@click.pass_obj
def show_request(ctl: Ctl, request_id: str) -> None:
    """One request: who it waits for (and for whom, when a delegate), which levels of the
    cycle applied to the order's total and why, its decisions and moves."""
    ended, found = ctl.query("approval", "/requests", request_id=request_id)
    if ended:
        ctl.emit(ended)
    if not found:
        ctl.emit(
            Outcome(
                Exit.NOT_FOUND,
                {"error": f"no approval request {request_id}"},
                f"no approval request {request_id}",
            )
        )
    request = found[0]
    waiting = f"  waits at level {request.get('level')} for {_who(request.get('approver'))}"
    if request.get("on_behalf_of"):
        waiting += f" on behalf of {_who(request.get('on_behalf_of'))}"
    text = f"{request['id']}  {request.get('status')}" + (
        waiting if request.get("status") == "pending" else ""
    )
    routing = [
        {key: r.get(key) for key in ("cycle_level", "applies", "why")}
        for r in request.get("routing") or []
    ]
    decisions = [
        {
            "level": d.get("level"),
            "decision": d.get("decision"),
            "by": _who(d.get("approver")),
            "on_behalf_of": _who(d.get("on_behalf_of")),
            "at": d.get("decided_at"),
            "notes": d.get("notes"),
        }
        for d in request.get("decisions") or []
    ]
    moves = [
        {
            "level": m.get("level"),
            "from": _who(m.get("from_approver")),
            "to": _who(m.get("to_approver")),
            "reason": m.get("reason"),
            "by": m.get("by"),
            "at": m.get("at"),
        }
        for m in request.get("reassignments") or []
    ]
    more = [("routing", routing), ("decisions", decisions), ("reassignments", moves)]
    if receipt := request.get("receipt"):  # an over-receipt: the held receipt's items
        more.insert(0, (f"held receipt {receipt.get('receipt_id')}", receipt.get("lines") or []))
    ctl.emit(Outcome(Exit.DONE, request, text, more=more))


def _decide(ctl: Ctl, verb: str, request_id: str, level: int | None, notes: str | None) -> None:
    if level is None:
        ended, found = ctl.query("approval", "/requests", request_id=request_id)
        if ended:
            ctl.emit(ended)
        if not found:
            ctl.emit(
                Outcome(
                    Exit.NOT_FOUND,
                    {"error": f"no approval request {request_id}"},
                    f"no approval request {request_id}",
                )
            )
        level = found[0].get("level")
    ctl.emit(
        ctl.command(f"approval.{verb}", {"request_id": request_id, "level": level, "notes": notes})
    )


@approvals.command("approve")
@click.argument("request_id")
@click.option("--level", type=int, help="The level decided (default: the request's current one).")
@click.option("--notes")
@click.pass_obj
def approve(ctl: Ctl, request_id: str, level: int | None, notes: str | None) -> None:
    """Approve the current level of a request, as the approver (--as)."""
    _decide(ctl, "approve", request_id, level, notes)


@approvals.command("reject")
@click.argument("request_id")
@click.option("--level", type=int, help="The level decided (default: the request's current one).")
@click.option("--notes", required=True, help="Why: the creator reads them.")
@click.pass_obj
def reject(ctl: Ctl, request_id: str, level: int | None, notes: str) -> None:
    """Reject a request (the whole cycle ends), as the approver (--as)."""
    _decide(ctl, "reject", request_id, level, notes)


@click.group("cycles")
def cycles() -> None:
    """Approval cycles: list, define, assign a vendor or customer."""


def levels_text(cycle: dict[str, Any]) -> str:
    """``1: manager; 2: cfo above 10000 USD, EUR 9000``: who approves each level, and above what."""
    words = []
    for number, level in enumerate(cycle.get("levels") or [], start=1):
        who = "manager" if level.get("approver") == "creator_manager" else level.get("user_id")
        limits = [f"{level['above']} {cycle.get('base_currency') or ''}".strip()]
        limits = limits if level.get("above") is not None else []
        limits += [f"{code} {amount}" for code, amount in (level.get("above_in") or {}).items()]
        words.append(f"{number}: {who}" + (f" above {', '.join(limits)}" if limits else ""))
    return "; ".join(words)


def _interval(stored: Any) -> str | None:
    return None if stored is None else duration_text(_DURATION.validate_python(stored))


@cycles.command("list")
@click.pass_obj
def list_cycles(ctl: Ctl) -> None:
    """Every cycle with its levels (and their thresholds), intervals and parties."""
    columns = [
        "id",
        "name",
        "order_kind",
        "levels",
        "fallback_approver_id",
        "credit_approver_id",
        "remind_after",
        "escalate_after",
        "parties",
    ]

    def shown(row: dict[str, Any]) -> dict[str, Any]:
        return {
            **row,
            "levels": levels_text(row),
            "remind_after": _interval(row.get("remind_after")),
            "escalate_after": _interval(row.get("escalate_after")),
        }

    listing(ctl, "approval", "/cycles", columns, shown=shown)


def parse_level(text: str) -> dict[str, str]:
    """``manager`` (the creator's manager) or the user id of an admin."""
    if text == "manager":
        return {"approver": "creator_manager"}
    return {"approver": "named_user", "user_id": text}


NONE = "none"
"""The value that clears a threshold, an interval or the fallback approver."""


def _level_number(text: str, option: str) -> int:
    if text not in {"1", "2"}:
        raise click.BadParameter(f"{option}: the level is 1 or 2, not {text!r}")
    return int(text)


def parse_above(text: str) -> tuple[int, str | None]:
    """``2=10000`` (level 2 applies above 10,000 in the base currency) or ``2=none``."""
    level, sep, amount = text.partition("=")
    if not sep or not amount:
        raise click.BadParameter(f"--above {text!r} is not LEVEL=AMOUNT (2=10000, or 2=none)")
    return _level_number(level, "--above"), None if amount == NONE else amount


def parse_above_in(text: str) -> tuple[int, str, str | None]:
    """``2:EUR=9000`` (level 2, for orders in EUR, above 9,000 EUR) or ``2:EUR=none``."""
    level, sep, rest = text.partition(":")
    code, sep2, amount = rest.partition("=")
    if not sep or not sep2 or not code or not amount:
        msg = f"--above-in {text!r} is not LEVEL:CURRENCY=AMOUNT (2:EUR=9000, or 2:EUR=none)"
        raise click.BadParameter(msg)
    return _level_number(level, "--above-in"), code.upper(), None if amount == NONE else amount


def interval_value(text: str, option: str) -> str | None:
    """A duration (``8h``, ``2d``, ``PT8H``) as ISO 8601 for the command, or ``none``: None."""
    if text == NONE:
        return None
    try:
        return str(_DURATION.dump_python(parse_duration(text), mode="json"))
    except BadDuration as error:
        raise click.BadParameter(f"{option}: {error}") from error


@dataclass(frozen=True)
class CycleOptions:
    """What ``cycles define`` was given (None: not given; ``none``: clear it)."""

    name: str | None = None
    order_kind: str | None = None
    levels: tuple[str, ...] = ()
    fallback: str | None = None
    notify: bool | None = None
    above: tuple[str, ...] = ()
    above_in: tuple[str, ...] = ()
    remind_after: str | None = None
    escalate_after: str | None = None
    credit_approver: str | None = None


def cycle_body(cycle_id: str, given: CycleOptions, stored: dict[str, Any] | None) -> dict[str, Any]:
    """``approval.define_cycle``'s body: what was given, and for everything else what the
    stored cycle has (``define_cycle`` replaces the whole cycle, so a field left out would be
    lost). Thresholds stay with their level's number when ``--level`` names the approvers
    again. Without a stored cycle, --name, --kind and --level are needed."""
    if stored is None and not (given.name and given.order_kind and given.levels):
        raise click.UsageError(
            f"cycle {cycle_id} is not stored yet: give --name, --kind and at least one --level"
        )
    old = stored or {}
    body: dict[str, Any] = {
        "cycle_id": cycle_id,
        "name": given.name or old.get("name"),
        "order_kind": given.order_kind or old.get("order_kind"),
        "levels": [_without_nones(level) for level in _levels(given, old)],
        "fallback_approver_id": old.get("fallback_approver_id"),
        "remind_after": old.get("remind_after"),
        "escalate_after": old.get("escalate_after"),
        "credit_approver_id": old.get("credit_approver_id"),
    }
    if given.credit_approver is not None:
        body["credit_approver_id"] = (
            None if given.credit_approver == NONE else given.credit_approver
        )
    if given.fallback is not None:
        body["fallback_approver_id"] = None if given.fallback == NONE else given.fallback
    if given.remind_after is not None:
        body["remind_after"] = interval_value(given.remind_after, "--remind-after")
    if given.escalate_after is not None:
        body["escalate_after"] = interval_value(given.escalate_after, "--escalate-after")
    if given.notify is not None or stored is None:
        body["notify"] = True if given.notify is None else given.notify
    else:
        emails = old.get("emails") or {}
        body["notify"] = old.get("notify", True)
        for switch in ("pending", "approved", "rejected"):
            body[f"notify_{switch}"] = emails.get(switch, body["notify"])
    return body


def _levels(given: CycleOptions, old: dict[str, Any]) -> list[dict[str, Any]]:
    """The levels given (each keeping the stored thresholds of its number) or stored, with the
    thresholds given."""
    old_levels = list(old.get("levels") or [])
    levels = [dict(level) for level in old_levels]
    if given.levels:
        levels = []
        for number, text in enumerate(given.levels, start=1):
            kept = old_levels[number - 1] if number <= len(old_levels) else {}
            above = {"above": kept.get("above"), "above_in": kept.get("above_in")}
            levels.append({**parse_level(text), **above})
    for text in given.above:
        number, amount = parse_above(text)
        _level_of(levels, number, "--above")["above"] = amount
    for text in given.above_in:
        number, code, amount = parse_above_in(text)
        level = _level_of(levels, number, "--above-in")
        per_currency = dict(level.get("above_in") or {})
        if amount is None:
            per_currency.pop(code, None)
        else:
            per_currency[code] = amount
        level["above_in"] = per_currency
    return levels


def _level_of(levels: list[dict[str, Any]], number: int, option: str) -> dict[str, Any]:
    if number > len(levels):
        raise click.UsageError(f"{option}: the cycle has no level {number} (give it with --level)")
    return levels[number - 1]


def _without_nones(level: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in level.items() if value is not None and value != {}}


def kept_fields(given: CycleOptions, stored: dict[str, Any] | None) -> list[str]:
    """The stored cycle's fields the new definition keeps because no option gave them."""
    if stored is None:
        return []
    kept = [
        field
        for field, option in (
            ("name", given.name),
            ("order_kind", given.order_kind),
            ("fallback_approver_id", given.fallback),
            ("remind_after", given.remind_after),
            ("escalate_after", given.escalate_after),
            ("credit_approver_id", given.credit_approver),
            ("emails", given.notify),
        )
        if option is None and stored.get(field) is not None
    ]
    if not given.levels:
        kept.append("levels")
    thresholds = any(
        level.get("above") is not None or level.get("above_in")
        for level in stored.get("levels") or []
    )
    if thresholds and not (given.above or given.above_in):
        kept.append("thresholds")
    return kept


@cycles.command("define")
@click.argument("cycle_id")
@click.option("--name", help="Needed for a new cycle; a stored cycle keeps its name.")
@click.option(
    "--kind",
    "order_kind",
    type=click.Choice(["purchase", "sales"]),
    help="Needed for a new cycle (a stored cycle's kind cannot change).",
)
@click.option(
    "--level",
    "levels",
    multiple=True,
    help="'manager' or an admin's user id; once per level (one or two). Needed for a new "
    "cycle; a stored cycle keeps its levels without it (and their thresholds either way).",
)
@click.option(
    "--above",
    multiple=True,
    metavar="LEVEL=AMOUNT",
    help="The level applies only to orders whose total, in the approval service's base "
    "currency, is above AMOUNT: 2=10000; 2=none removes it. Repeatable.",
)
@click.option(
    "--above-in",
    multiple=True,
    metavar="LEVEL:CURRENCY=AMOUNT",
    help="A per-currency threshold (wins over --above for orders in that currency): "
    "2:EUR=9000; 2:EUR=none removes it. Repeatable.",
)
@click.option(
    "--remind-after",
    metavar="DURATION",
    help=f"Remind the approver of a level that waits this long ({SHAPES}); none: never.",
)
@click.option(
    "--escalate-after",
    metavar="DURATION",
    help="Move a level that waits this long to the fallback approver (longer than "
    "--remind-after; needs --fallback); none: never.",
)
@click.option("--fallback", help="The admin who approves when the rule cannot be resolved; none.")
@click.option(
    "--credit-approver",
    help="Sales cycles: the admin who approves an order over its customer's credit limit, "
    "after the levels; none: the approval-wide one (cycles credit-approver).",
)
@click.option(
    "--notify/--no-notify",
    default=None,
    help="Send e-mails (all three kinds). Not given: a stored cycle keeps its e-mail switches; "
    "a new one sends e-mails.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Define the cycle from these options alone, without reading the stored one: "
    "whatever they do not give is dropped.",
)
@click.pass_obj
def define_cycle(ctl: Ctl, /, *, cycle_id: str, replace: bool, **options: Any) -> None:
    """Define a cycle, or change a stored one: the options given change it, and everything
    else (levels, thresholds, intervals, e-mails, fallback) is kept as stored (read from the
    approval service first; --replace does not read it)."""
    given = CycleOptions(**options)
    stored = None if replace else _stored_cycle(ctl, cycle_id)
    body = cycle_body(cycle_id, given, stored)
    outcome = ctl.command("approval.define_cycle", body)
    kept = kept_fields(given, stored)
    if kept and outcome.exit is Exit.DONE:
        data = {**outcome.data, "kept": kept}
        text = f"{outcome.text}\nkept as stored: {', '.join(kept)}"
        outcome = replace_outcome(outcome, data=data, text=text)
    ctl.emit(outcome)


def _stored_cycle(ctl: Ctl, cycle_id: str) -> dict[str, Any] | None:
    ended, found = ctl.query("approval", "/cycles", cycle_id=cycle_id)
    if ended:
        why = (
            f"cannot read cycle {cycle_id} to keep what it stores ({ended.text}); "
            "give --replace to define it from the options alone"
        )
        ctl.emit(replace_outcome(ended, text=why))
    return next((c for c in found or [] if c.get("id") == cycle_id), None)


@cycles.command("credit-approver")
@click.argument("user_id")
@click.pass_obj
def credit_approver(ctl: Ctl, user_id: str) -> None:
    """Name the approval-wide credit approver (an active admin; none: nobody): who approves a
    sales order over its customer's credit limit when the customer's cycle names none, or the
    customer is in no cycle."""
    approver = None if user_id == NONE else user_id
    ctl.emit(ctl.command("approval.configure_credit", {"credit_approver_id": approver}))


@cycles.command("assign")
@click.argument("cycle_id")
@click.argument("party_id")
@click.pass_obj
def assign(ctl: Ctl, cycle_id: str, party_id: str) -> None:
    """Put a vendor or customer into a cycle (moving it from another)."""
    ctl.emit(ctl.command("approval.assign_party", {"cycle_id": cycle_id, "party_id": party_id}))

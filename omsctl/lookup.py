"""The user directory (who is away, and who decides for them), and any service query by its
path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from omsctl.context import Ctl
from omsctl.curated import listing
from omsctl.outcome import Exit, Outcome
from shared.registry import SERVICES


@click.group("users")
def users() -> None:
    """The approval service's user directory: list it, set someone away with a delegate, or
    back (change a user with omsctl send approval.upsert_user)."""


def away_text(away: dict[str, Any] | None) -> str | None:
    """``ann, 2026-07-01T00:00:00Z to 2026-07-15T00:00:00Z``: the delegate and the range."""
    if not away:
        return None
    return f"{away.get('delegate_id')}, {away.get('starts_at')} to {away.get('ends_at')}"


@users.command("list")
@click.pass_obj
def list_users(ctl: Ctl) -> None:
    """Every user: name, e-mail, admin or not, manager, active, away (delegate and range)."""
    columns = ["id", "name", "email", "admin", "manager_id", "active", "away"]
    listing(
        ctl,
        "approval",
        "/users",
        columns,
        shown=lambda row: {**row, "away": away_text(row.get("away"))},
    )


def parse_moment(text: str, option: str) -> str:
    """An ISO 8601 moment (``2026-07-01T09:00:00+02:00``); without a time zone it is UTC, and
    a date alone (``2026-07-01``) is 00:00 UTC of that day."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        msg = f"{option}: {text!r} is not an ISO 8601 date or moment (2026-07-01T09:00:00Z)"
        raise click.BadParameter(msg) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


@users.command("away")
@click.argument("user_id")
@click.option("--delegate", required=True, help="Who decides for them: an active user.")
@click.option(
    "--from",
    "starts_at",
    help="When the away starts (ISO 8601; a date is 00:00 UTC; no time zone: UTC). Default: now.",
)
@click.option("--to", "ends_at", required=True, help="When it ends (as --from).")
@click.pass_obj
def away(ctl: Ctl, user_id: str, delegate: str, starts_at: str | None, ends_at: str) -> None:
    """USER_ID is away: requests for them go to the delegate (those already waiting move when
    the range starts). Sent as approval.set_away, by --as (the user or an admin); setting it
    again replaces the range and delegate."""
    start = parse_moment(starts_at, "--from") if starts_at else datetime.now(UTC).isoformat()
    body = {
        "user_id": user_id,
        "delegate_id": delegate,
        "starts_at": start,
        "ends_at": parse_moment(ends_at, "--to"),
    }
    ctl.emit(ctl.command("approval.set_away", body))


@users.command("back")
@click.argument("user_id")
@click.pass_obj
def back(ctl: Ctl, user_id: str) -> None:
    """USER_ID is back: nothing more goes to their delegate (requests already moved stay
    with the delegate). Sent as approval.clear_away, by --as (the user or an admin)."""
    ctl.emit(ctl.command("approval.clear_away", {"user_id": user_id}))


@click.command("query")
@click.argument("service")
@click.argument("path")
@click.argument("params", nargs=-1)
@click.pass_obj
def query(ctl: Ctl, service: str, path: str, params: tuple[str, ...]) -> None:
    """Any HTTP query of a service: omsctl query order /quotations quotation_id=Q-1
    (PARAMS are NAME=VALUE); a list is shown as a table."""
    if not all("=" in param for param in params):
        raise click.UsageError("query parameters are NAME=VALUE")
    if service not in {entry.name for entry in SERVICES}:
        raise click.UsageError(f"no service {service!r}: {', '.join(e.name for e in SERVICES)}")
    ended, body = ctl.query(
        service, "/" + path.lstrip("/"), **dict(p.split("=", 1) for p in params)
    )
    if ended:
        ctl.emit(ended)
    if isinstance(body, str):  # CSV, for a spreadsheet: printed as it came
        click.echo(body, nl=False)
        raise SystemExit(int(Exit.DONE))
    if isinstance(body, list):
        ctl.emit(Outcome(Exit.DONE, body, rows=body))
    rows = [{"field": key, "value": value} for key, value in body.items()]
    ctl.emit(Outcome(Exit.DONE, body, rows=rows))

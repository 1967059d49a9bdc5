"""The user directory, and any service query by its path."""

from __future__ import annotations

import click

from omsctl.context import Ctl
from omsctl.curated import listing
from omsctl.outcome import Exit, Outcome
from shared.registry import SERVICES


@click.group("users")
def users() -> None:
    """The approval service's user directory (change it with omsctl send approval.upsert_user)."""


@users.command("list")
@click.pass_obj
def list_users(ctl: Ctl) -> None:
    """Every user: name, e-mail, admin or not, manager, active."""
    columns = ["id", "name", "email", "admin", "manager_id", "active"]
    listing(ctl, "approval", "/users", columns)


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

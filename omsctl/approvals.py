"""Approval requests and cycles: list, decide, define, assign."""

from __future__ import annotations

import click

from omsctl.context import Ctl
from omsctl.curated import listing
from omsctl.outcome import Exit, Outcome


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
    """Approval requests (an approver's inbox, or an order's attempts)."""
    status = status or (None if order_id else "pending")
    columns = ["id", "order_id", "status", "level", "approver", "attempt", "opened_at"]
    listing(
        ctl,
        "approval",
        "/requests",
        columns,
        shown=lambda row: {**row, "approver": (row.get("approver") or {}).get("user_id")},
        approver_id=approver_id,
        order_id=order_id,
        status=status,
    )


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


@cycles.command("list")
@click.pass_obj
def list_cycles(ctl: Ctl) -> None:
    """Every cycle with its levels and parties."""
    columns = ["id", "name", "order_kind", "levels", "fallback_approver_id", "parties"]
    listing(ctl, "approval", "/cycles", columns)


def parse_level(text: str) -> dict[str, str]:
    """``manager`` (the creator's manager) or the user id of an admin."""
    if text == "manager":
        return {"approver": "creator_manager"}
    return {"approver": "named_user", "user_id": text}


@cycles.command("define")
@click.argument("cycle_id")
@click.option("--name", required=True)
@click.option("--kind", "order_kind", type=click.Choice(["purchase", "sales"]), required=True)
@click.option(
    "--level",
    "levels",
    multiple=True,
    required=True,
    help="'manager' or an admin's user id; once per level (one or two).",
)
@click.option("--fallback", help="The admin who approves when the rule cannot be resolved.")
@click.option("--notify/--no-notify", default=True, show_default=True, help="Send e-mails.")
@click.pass_obj
def define_cycle(
    ctl: Ctl,
    *,
    cycle_id: str,
    name: str,
    order_kind: str,
    levels: tuple[str, ...],
    fallback: str | None,
    notify: bool,
) -> None:
    """Define (or change) a cycle."""
    ctl.emit(
        ctl.command(
            "approval.define_cycle",
            {
                "cycle_id": cycle_id,
                "name": name,
                "order_kind": order_kind,
                "notify": notify,
                "levels": [parse_level(level) for level in levels],
                "fallback_approver_id": fallback,
            },
        )
    )


@cycles.command("assign")
@click.argument("cycle_id")
@click.argument("party_id")
@click.pass_obj
def assign(ctl: Ctl, cycle_id: str, party_id: str) -> None:
    """Put a vendor or customer into a cycle (moving it from another)."""
    ctl.emit(ctl.command("approval.assign_party", {"cycle_id": cycle_id, "party_id": party_id}))

"""``omsctl orders preview``: before a draft or rejected order is submitted, who would approve
it, the stock it would reserve and its taxes (the order, inventory and approval queries, put
together as the back office does: ``shared.preview``). Nothing is changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click

from omsctl.context import Ctl
from omsctl.outcome import Exit, Outcome
from shared import preview


def _read(ctl: Ctl, service: str, path: str, **params: Any) -> Any:
    ended, body = ctl.query(service, path, **params)
    if ended:
        ctl.emit(ended)
    return body


@click.command("preview")
@click.argument("order_id")
@click.pass_obj
def preview_order(ctl: Ctl, order_id: str) -> None:
    """Before submitting a draft or rejected order: who would approve it (each level, whether
    its threshold applies and why, the approver after delegation), the credit check, the stock
    it would reserve (sales orders) and its taxes per rate. Changes nothing."""
    order = _read(ctl, "order", "/orders", order_id=order_id)
    if not preview.previewable(order):
        words = f"{order_id} is {order.get('status')}: only a draft or rejected order is previewed"
        ctl.emit(Outcome(Exit.REFUSED, {"error": words}, words))
    asked = preview.reservation_params(order)
    stock = _read(ctl, "inventory", "/reservation-preview", **asked) if asked else None
    routing = _read(ctl, "approval", "/routing-preview", **preview.routing_params(order))
    names = {}
    for user_id in preview.delegated_from(routing):
        found = _read(ctl, "approval", "/users", user_id=user_id)
        names[user_id] = found[0]["name"] if found else user_id
    shown = preview.compose(order, stock, routing, names)
    ctl.emit(Outcome(Exit.DONE, shown, _summary(shown), more=_tables(shown)))


def _summary(shown: dict[str, Any]) -> str:
    approval = shown["approval"]
    who = (
        "approved at once (no level applies)"
        if approval["auto_approved"]
        else f"cycle {approval['cycle_id']}"
        if approval["cycle_id"]
        else "to the credit approver"
    )
    if credit := approval.get("credit"):
        over = Decimal(credit["over_by"]) > 0
        who += (
            f"; over the credit limit by {credit['over_by']} {credit['currency']}"
            if over
            else f"; within the credit limit ({credit['exposure_after']} of {credit['limit']})"
        )
    short = shown["stock"] is not None and not shown["stock"]["complete"]
    return (
        f"{shown['order_id']}  {shown['kind']} order  {shown['status']}  total {shown['total']} "
        f"{shown['currency']} (tax {shown['tax_total'] or 0}): {who}"
        + ("; some stock is short" if short else "")
    )


def _tables(shown: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    levels = [
        {
            "level": level["level"],
            "rule": level["rule"],
            "applies": level["applies"],
            "why": level["routing"]["why"],
            "approver": level["approver_id"],
            "for": level["delegated_from"],
        }
        for level in shown["approval"]["levels"]
    ]
    keys = ("sku", "requested", "available", "would_reserve", "short", "location_id")
    stock = [{key: line[key] for key in keys} for line in (shown["stock"] or {}).get("lines", [])]
    taxes = [
        {key: tax.get(key) for key in ("code", "name", "rate", "base", "tax")}
        for tax in shown["taxes"]
    ]
    return [("approval", levels), ("stock", stock), ("taxes", taxes)]

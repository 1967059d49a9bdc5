"""Products: inventory's items as product records (list, show with history, set).

``inventory.define_item`` replaces the whole record, so ``products set`` first reads the stored
one (``GET :8083/items?sku=``) and sends every field no option gives as it is stored, with the
version it read (``expected_version``): a change someone saved meanwhile is refused
(stale_record), never overwritten. A sku inventory does not know is added (``--name`` and
``--unit`` needed).
"""

from __future__ import annotations

from dataclasses import replace as replace_outcome
from typing import Any

import click

from omsctl.context import Ctl
from omsctl.outcome import Exit, Outcome
from shared.contracts import ProductStatus

COLUMNS = [
    "sku",
    "name",
    "unit_of_measure",
    "decimal_places",
    "tax_codes",
    "status",
    "product_group",
    "version",
    "source",
]
RECORD = ("name", "description", "unit_of_measure", "decimal_places", "tax_codes", "status")
RECORD_FIELDS = (*RECORD, "product_group")


@click.group("products")
def products() -> None:
    """Product records (inventory's items): list, show with their history, add or change."""


def _row(product: dict[str, Any]) -> dict[str, Any]:
    return {**product, "tax_codes": ", ".join(product.get("tax_codes") or [])}


@products.command("list")
@click.option("--q", "q", help="Words the sku or the name holds (any case).")
@click.option("--status", type=click.Choice([s.value for s in ProductStatus]))
@click.option("--group", "product_group")
@click.option("--limit", type=int, help="At most this many (100 by default, 500 at most).")
@click.pass_obj
def list_products(
    ctl: Ctl, q: str | None, status: str | None, product_group: str | None, limit: int | None
) -> None:
    """Products by sku."""
    ended, body = ctl.query(
        "inventory", "/items", q=q, status=status, product_group=product_group, limit=limit
    )
    if ended:
        ctl.emit(ended)
    rows = [_row(product) for product in body.get("items", [])]
    ctl.emit(Outcome(Exit.DONE, body, rows=rows), columns=COLUMNS)


@products.command("show")
@click.argument("sku")
@click.pass_obj
def show(ctl: Ctl, sku: str) -> None:
    """One product record and its latest versions (what each changed)."""
    ended, body = ctl.query("inventory", "/items", sku=sku)
    if ended:
        ctl.emit(ended)
    history = [
        {
            "version": entry["version"],
            "at": entry["at"],
            "source": entry["source"],
            "by": entry.get("by") or "",
            "changes": "; ".join(
                f"{c['field']}: {c.get('before')} -> {c.get('after')}" for c in entry["changes"]
            ),
        }
        for entry in body.get("history", [])
    ]
    record = {key: value for key, value in _row(body).items() if key != "history"}
    ctl.emit(Outcome(Exit.DONE, body, rows=[record], more=[("history", history)]))


def product_body(
    sku: str, stored: dict[str, Any] | None, given: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """inventory.define_item's body: what is given, the rest as stored; and what was kept."""
    given = {key: value for key, value in given.items() if value is not None}
    if stored is None:
        missing = [f"--{name}" for name in ("name", "unit") if name not in given_names(given)]
        if missing:
            raise click.UsageError(f"a new product needs {' and '.join(missing)}")
        return {"sku": sku, **given}, []
    kept = [name for name in RECORD_FIELDS if name not in given and stored.get(name) is not None]
    body = {
        "sku": sku,
        **{name: stored.get(name) for name in RECORD_FIELDS},
        **given,
        "expected_version": stored.get("version", 0),
    }
    return body, kept


def given_names(given: dict[str, Any]) -> set[str]:
    return {"unit" if key == "unit_of_measure" else key for key in given}


@products.command("set")
@click.argument("sku")
@click.option("--name")
@click.option("--description")
@click.option("--unit", "unit_of_measure", help="The unit it is counted in (each, kg, m...).")
@click.option("--decimal-places", type=click.IntRange(0, 6))
@click.option("--tax-code", "tax_codes", multiple=True, help="A default tax code (repeat).")
@click.option("--no-tax-codes", is_flag=True, help="Lines naming no tax codes stay untaxed.")
@click.option("--status", type=click.Choice([s.value for s in ProductStatus]))
@click.option("--group", "product_group")
@click.pass_obj
def set_product(
    ctl: Ctl,
    /,
    sku: str,
    tax_codes: tuple[str, ...],
    no_tax_codes: bool,
    **options: Any,
) -> None:
    """Add a product, or change one: what no option gives is kept as stored."""
    if tax_codes and no_tax_codes:
        raise click.UsageError("give --tax-code or --no-tax-codes, not both")
    given = dict(options)
    if tax_codes or no_tax_codes:
        given["tax_codes"] = list(tax_codes)
    ended, stored = ctl.query("inventory", "/items", sku=sku)
    if ended and ended.exit is not Exit.NOT_FOUND:
        ctl.emit(replace_outcome(ended, text=f"cannot read product {sku} ({ended.text})"))
    body, kept = product_body(sku, None if ended else stored, given)
    outcome = ctl.command("inventory.define_item", body)
    if kept and outcome.exit is Exit.DONE:
        text = f"{outcome.text}\nkept as stored: {', '.join(kept)}"
        outcome = replace_outcome(outcome, data={**outcome.data, "kept": kept}, text=text)
    ctl.emit(outcome)


GROUPS = (products,)

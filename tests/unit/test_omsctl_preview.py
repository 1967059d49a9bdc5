"""``omsctl orders preview``: the order, inventory's reservation preview and approval's routing
preview read and put together as the back office does (the queries answered here by a stand-in
for HTTP), printed as words and tables or as JSON; a submitted order is not previewed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from omsctl import context
from omsctl.cli import main
from omsctl.outcome import Exit
from shared import preview

pytestmark = pytest.mark.unit
ORDER = {
    "order_id": "SO-1", "kind": "sales", "status": "draft", "party_id": "ACME",
    "branch_id": "BR", "created_by": "bob", "currency": "USD", "version": 3,
    "lines": [{"sku": "A", "quantity": "2", "unit_price": "100"},
              {"sku": "B", "quantity": "1", "unit_price": "10"}],
    "pricing": {
        "lines": [{"net": "200.00", "tax": "40.00", "total": "240.00"},
                  {"net": "10.00", "tax": "0", "total": "10.00"}],
        "taxes": [{"code": "VAT-20", "name": "VAT", "rate": "20", "version": 1,
                   "base": "200.00", "tax": "40.00"}],
        "net_total": "210.00", "tax_total": "40.00", "grand_total": "250.00",
    },
}  # fmt: skip
STOCK = {
    "branch_id": "BR", "order_id": "SO-1", "location_id": "L", "complete": False,
    "lines": [{"sku": "A", "requested": "2", "available": "1", "would_reserve": "1",
               "short": "1", "location_id": "L"},
              {"sku": "B", "requested": "1", "available": "5", "would_reserve": "1",
               "short": "0", "location_id": "L"}],
}  # fmt: skip
ROUTING = {
    "kind": "sales", "party_id": "ACME", "created_by": "bob", "total": "250.00",
    "currency": "USD", "auto_approved": False, "cycle_id": "CYC", "credit": None,
    "levels": [{"level": 1, "rule": "creator_manager", "approver_id": "ann",
                "approver_name": "Ann", "delegated_from": "mary", "applies": True,
                "routing": {"cycle_level": 1, "applies": True, "why": "no threshold: always"}}],
}  # fmt: skip


def answering(order: dict[str, Any], asked: list[tuple[str, str, dict[str, Any]]]) -> Any:
    answers = {
        ("order", "/orders"): order,
        ("inventory", "/reservation-preview"): STOCK,
        ("approval", "/routing-preview"): ROUTING,
        ("approval", "/users"): [{"id": "mary", "name": "Mary"}],
    }

    def get(service: str, path: str, params: dict[str, Any], *_: Any) -> tuple[int, Any]:
        asked.append((service, path, params))
        return 200, answers[(service, path)]

    return get


def run(monkeypatch: pytest.MonkeyPatch, order: dict[str, Any], *args: str) -> Any:
    asked: list[tuple[str, str, dict[str, Any]]] = []
    monkeypatch.setattr(context, "get", answering(order, asked))
    result = CliRunner().invoke(main, [*args, "orders", "preview", "SO-1"])
    return result, asked


def test_the_preview_reads_the_three_queries_and_prints_them_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, asked = run(monkeypatch, ORDER, "--json")
    assert result.exit_code == Exit.DONE, result.output
    shown = json.loads(result.output)
    assert shown == preview.compose(ORDER, STOCK, ROUTING, {"mary": "Mary"})
    assert [(service, path) for service, path, _ in asked] == [
        ("order", "/orders"),
        ("inventory", "/reservation-preview"),
        ("approval", "/routing-preview"),
        ("approval", "/users"),
    ]
    assert asked[1][2] == {"branch_id": "BR", "lines": "A:2,B:1", "order_id": "SO-1"}
    assert asked[2][2] == {
        "kind": "sales", "party_id": "ACME", "created_by": "bob", "total": "250.00",
        "currency": "USD", "branch_id": "BR", "order_id": "SO-1",
    }  # fmt: skip
    assert shown["approval"]["levels"][0]["delegated_from_name"] == "Mary"
    assert (shown["total"], shown["tax_total"], shown["lines"][0]["tax"]) == (
        "250.00",
        "40.00",
        "40.00",
    )

    words, _ = run(monkeypatch, ORDER)
    assert words.exit_code == Exit.DONE
    assert "SO-1  sales order  draft  total 250.00 USD (tax 40.00): cycle CYC; some stock" in (
        words.output
    )
    for seen in ("no threshold: always", "mary", "VAT-20", "would_reserve"):
        assert seen in words.output


def test_a_purchase_order_reserves_nothing_and_a_submitted_order_is_not_previewed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bought = ORDER | {"kind": "purchase"}
    result, asked = run(monkeypatch, bought, "--json")
    assert json.loads(result.output)["stock"] is None
    assert "/reservation-preview" not in [path for _, path, _ in asked]
    submitted, asked = run(monkeypatch, ORDER | {"status": "pending_approval"}, "--json")
    assert submitted.exit_code == Exit.REFUSED
    assert "only a draft or rejected order" in json.loads(submitted.output)["error"]
    assert len(asked) == 1


def test_an_order_stored_before_pricing_is_previewed_at_its_lines_sum() -> None:
    unpriced = {k: v for k, v in ORDER.items() if k != "pricing"}
    assert preview.total(unpriced) == preview.total(unpriced | {"lines": ORDER["lines"]})
    assert preview.routing_params(unpriced)["total"] == "210.00"
    shown = preview.compose(unpriced, None, ROUTING)
    assert (shown["taxes"], shown["tax_total"], shown["lines"][1]["net"]) == ([], None, None)

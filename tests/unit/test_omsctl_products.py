"""omsctl's products without a server: ``products set`` reads the stored record and keeps every
field no option gives, on the version it read; a new product needs a name and a unit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from omsctl.cli import main
from omsctl.context import Ctl
from omsctl.outcome import Exit, Outcome
from shared.contracts import DefineItem

STORED: dict[str, Any] = {
    "sku": "ROPE",
    "name": "Rope",
    "description": "Braided",
    "unit_of_measure": "m",
    "decimal_places": 1,
    "tax_codes": ["VAT"],
    "status": "active",
    "product_group": None,
    "version": 7,
    "source": "products",
    "history": [
        {
            "version": 7,
            "at": "2026-12-06T09:00:00Z",
            "source": "products",
            "by": None,
            "changes": [{"field": "name", "before": "Cord", "after": "Rope"}],
        }
    ],
}


class Fake:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, stored: dict[str, Any] | None) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.read: list[dict[str, Any]] = []

        def query(_ctl: Ctl, service: str, path: str, **params: Any) -> Any:
            self.read.append({"service": service, "path": path, **params})
            if stored is None:
                return Outcome(Exit.NOT_FOUND, {"error": "no item"}, "no item"), None
            if "sku" in params:
                return None, stored
            return None, {"query": {}, "items": [stored]}

        def command(_ctl: Ctl, routing_key: str, fields: dict[str, Any], **_: Any) -> Outcome:
            self.sent.append((routing_key, fields))
            return Outcome(Exit.DONE, {"outcome": "done"}, f"done: {routing_key}")

        monkeypatch.setattr(Ctl, "query", query)
        monkeypatch.setattr(Ctl, "command", command)


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["--as", "root", *args])


def test_set_keeps_what_no_option_gives_and_sends_the_version_it_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Fake(monkeypatch, STORED)
    result = run("products", "set", "ROPE", "--status", "discontinued")
    assert result.exit_code == 0, result.output
    [(routing_key, body)] = fake.sent
    assert routing_key == "inventory.define_item"
    command = DefineItem.model_validate(body)
    assert (command.status.value, command.expected_version, command.tax_codes) == (
        "discontinued",
        7,
        ["VAT"],
    )
    assert (command.name, command.description, command.decimal_places) == ("Rope", "Braided", 1)
    assert "kept as stored: name, description, unit_of_measure" in result.output


def test_tax_codes_are_replaced_or_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Fake(monkeypatch, STORED)
    assert run("products", "set", "ROPE", "--tax-code", "A", "--tax-code", "B").exit_code == 0
    assert run("products", "set", "ROPE", "--no-tax-codes").exit_code == 0
    assert [body["tax_codes"] for _, body in fake.sent] == [["A", "B"], []]
    both = run("products", "set", "ROPE", "--tax-code", "A", "--no-tax-codes")
    assert both.exit_code == 2


def test_a_new_product_needs_a_name_and_a_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Fake(monkeypatch, None)
    refused = run("products", "set", "BOLT", "--name", "Bolt")
    assert refused.exit_code == 2
    assert "a new product needs --unit" in refused.output
    assert run("products", "set", "BOLT", "--name", "Bolt", "--unit", "each").exit_code == 0
    [(_, body)] = fake.sent
    assert body == {"sku": "BOLT", "name": "Bolt", "unit_of_measure": "each"}


def test_list_and_show_read_the_items_query(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Fake(monkeypatch, STORED)
    listed = run("--json", "products", "list", "--status", "active", "--q", "ro")
    shown = run("products", "show", "ROPE")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)["items"][0]["sku"] == "ROPE"
    assert fake.read[0] == {
        "service": "inventory",
        "path": "/items",
        "q": "ro",
        "status": "active",
        "product_group": None,
        "limit": None,
    }
    assert shown.exit_code == 0, shown.output
    assert "name: Cord -> Rope" in shown.output

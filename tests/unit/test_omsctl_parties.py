"""omsctl's customer and vendor commands without a server: ``set`` reads the stored record,
keeps every field no option gives and sends the change on the version it read."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from omsctl.cli import main
from omsctl.context import Ctl
from omsctl.outcome import Exit, Outcome
from shared.contracts.parties import UpsertCustomer, UpsertVendor

STORED: dict[str, Any] = {
    "customer_id": "C-1",
    "version": 4,
    "source": "customers",
    "record": {
        "customer_id": "C-1",
        "name": "Acme",
        "status": "active",
        "currency": "USD",
        "payment_terms_days": 30,
        "tax_exemption": {"certificate_id": "EX-1", "expires_on": "2030-01-01"},
    },
    "history": [{"version": 4, "at": "2026-12-06T10:00:00Z", "source": "customers",
                 "changed_by": None, "fields": ["name"]}],
}  # fmt: skip


class Fake:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, stored: dict[str, Any] | None) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

        def query(_ctl: Ctl, service: str, path: str, **params: Any) -> Any:
            if stored is None:
                return Outcome(Exit.NOT_FOUND, {"error": "no such"}, "no such"), None
            return None, stored

        def command(_ctl: Ctl, routing_key: str, fields: dict[str, Any], **_: Any) -> Outcome:
            self.sent.append((routing_key, fields))
            return Outcome(Exit.DONE, {"outcome": "done"}, f"done: {routing_key}")

        monkeypatch.setattr(Ctl, "query", query)
        monkeypatch.setattr(Ctl, "command", command)


def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["--as", "olga", *args])


def test_set_changes_only_what_is_given_on_the_version_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Fake(monkeypatch, STORED)

    result = run("customers", "set", "C-1", "--status", "on_hold", "--exemption", "none")

    assert result.exit_code == 0, result.output
    [(key, fields)] = fake.sent
    assert key == "order.upsert_customer"
    assert fields["expected_version"] == 4
    record = fields["record"]
    assert (record["name"], record["status"], record["payment_terms_days"]) == (
        "Acme",
        "on_hold",
        30,
    )
    assert "tax_exemption" not in record
    UpsertCustomer.model_validate({**fields, "changed_by": "olga"})


def test_set_of_a_new_customer_expects_version_zero_and_takes_the_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Fake(monkeypatch, None)

    result = run(
        "customers", "set", "C-2", "--name", "Bolt", "--currency", "EUR",
        "--exemption", "EX-9:2027-06-30", "--credit-limit", "5000",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    [(_, fields)] = fake.sent
    assert fields["expected_version"] == 0
    upsert = UpsertCustomer.model_validate({**fields, "changed_by": "olga"})
    assert upsert.record.tax_exemption is not None
    assert upsert.record.tax_exemption.certificate_id == "EX-9"
    assert upsert.record.credit_limit is not None
    assert upsert.record.credit_limit.currency == "EUR"


def test_vendors_set_and_show(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = {**STORED, "vendor_id": "V-1", "record": {"vendor_id": "V-1", "name": "Parts",
              "status": "active", "currency": "USD"}}  # fmt: skip
    fake = Fake(monkeypatch, stored)

    assert run("vendors", "set", "V-1", "--payment-terms", "45").exit_code == 0
    [(key, fields)] = fake.sent
    assert key == "order.upsert_vendor"
    assert (
        UpsertVendor.model_validate({**fields, "changed_by": "o"}).record.payment_terms_days == 45
    )
    shown = run("vendors", "show", "V-1")
    assert shown.exit_code == 0, shown.output
    assert "V-1  Parts  active  USD  version 4 from customers" in shown.output

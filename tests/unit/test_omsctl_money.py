"""omsctl's commands for the books fill the billing and inventory commands from short
arguments, refuse what breaks a contract before sending, and show the billing queries."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner, Result

from omsctl import context
from omsctl.cli import main
from omsctl.outcome import Exit
from shared.contracts import Command
from shared.messaging.client import Answer


class Recorder:
    """Stands in for the broker and the services' queries: keeps what was sent and asked."""

    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.sent: list[Command] = []
        self.asked: list[tuple[str, str, dict[str, Any]]] = []
        self.answers = answers or {}

    async def send(self, command: Command, person: str | None, _corr: Any) -> Answer:
        self.sent.append(command)
        return Answer("Done", {"person": person})

    def get(self, service: str, path: str, params: dict[str, Any], *_args: Any) -> tuple[int, Any]:
        self.asked.append((service, path, {k: v for k, v in params.items() if v is not None}))
        return 200, self.answers.get(path, {} if path == "/trial-balance" else [])


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    found = Recorder()
    monkeypatch.setattr(context.Ctl, "send", found.send)
    monkeypatch.setattr(context, "get", found.get)
    return found


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["--json", "--as", "alice", *args])


def test_a_payment_and_a_credit_note_are_filled_from_short_arguments(recorder: Recorder) -> None:
    assert run("invoices", "pay", "SI-000001", "50.00", "--currency", "EUR",
               "--payment-id", "BANK-1").exit_code == Exit.DONE  # fmt: skip
    assert run("invoices", "credit", "SI-000001", "--line", "A:1", "--reason",
               "broken").exit_code == Exit.DONE  # fmt: skip
    assert run("invoices", "credit", "SI-000001", "--amount", "5.00", "--reason",
               "goodwill").exit_code == Exit.DONE  # fmt: skip
    pay, items, amount = recorder.sent
    assert pay.route == "billing.record_customer_payment"
    assert pay.model_dump(include={"invoice_id", "payment_id", "amount", "currency",
                                   "recorded_by"}) == {
        "invoice_id": "SI-000001", "payment_id": "BANK-1", "amount": Decimal("50.00"),
        "currency": "EUR", "recorded_by": "alice",
    }  # fmt: skip
    assert items.route == "billing.issue_credit_note"
    assert [(line.sku, line.quantity) for line in items.lines] == [("A", Decimal(1))]  # type: ignore[attr-defined]
    assert (amount.amount, amount.lines) == (Decimal("5.00"), [])  # type: ignore[attr-defined]


def test_bills_are_recorded_accepted_rejected_and_paid(recorder: Recorder) -> None:
    record = ["bills", "record", "PO-1", "--vendor", "V-1", "--number", "INV-9", "--currency",
              "EUR", "--line", "A:10:12.00:2.28", "--line", "B:1:3.50", "--date", "2026-03-01",
              "--bill-id", "B-1"]  # fmt: skip
    assert run(*record).exit_code == Exit.DONE
    assert run("bills", "accept", "B-1", "--notes", "price agreed").exit_code == Exit.DONE
    assert run("bills", "reject", "B-1", "--notes", "wrong order").exit_code == Exit.DONE
    assert run("bills", "pay", "B-1", "10.00", "--currency", "EUR").exit_code == Exit.DONE
    bill, accept, reject, pay = recorder.sent
    assert bill.route == "billing.record_bill"
    body: Any = bill
    assert (body.bill_id, body.vendor_id, body.vendor_bill_number, str(body.bill_date)) == (
        "B-1", "V-1", "INV-9", "2026-03-01",
    )  # fmt: skip
    assert [(line.sku, line.quantity, line.unit_price, line.tax) for line in body.lines] == [
        ("A", Decimal(10), Decimal("12.00"), Decimal("2.28")),
        ("B", Decimal(1), Decimal("3.50"), Decimal(0)),
    ]
    assert [c.route for c in (accept, reject, pay)] == [
        "billing.accept_bill", "billing.reject_bill", "billing.record_vendor_payment",
    ]  # fmt: skip
    assert (accept.accepted_by, accept.notes) == ("alice", "price agreed")  # type: ignore[attr-defined]
    assert pay.payment_id.startswith("VPAY-")  # type: ignore[attr-defined]


def test_a_return_is_authorized_and_received(recorder: Recorder) -> None:
    assert run("returns", "authorize", "SO-1", "--line", "A:2", "--reason", "damaged",
               "--return-id", "RMA-1").exit_code == Exit.DONE  # fmt: skip
    assert run("returns", "receive", "SO-1", "RMA-1", "--location", "QUAR").exit_code == 0
    authorize, receive = recorder.sent
    assert authorize.model_dump(include={"return_id", "order_id", "reason", "authorized_by"}) == {
        "return_id": "RMA-1", "order_id": "SO-1", "reason": "damaged", "authorized_by": "alice",
    }  # fmt: skip
    assert receive.model_dump(include={"return_id", "location_id", "received_by"}) == {
        "return_id": "RMA-1", "location_id": "QUAR", "received_by": "alice",
    }  # fmt: skip


def test_what_breaks_a_contract_or_the_command_line_is_not_sent(recorder: Recorder) -> None:
    not_a_number = run("invoices", "pay", "SI-1", "ten", "--currency", "EUR")
    assert not_a_number.exit_code == Exit.INVALID
    assert [e["field"] for e in json.loads(not_a_number.output)["errors"]] == ["amount"]
    both = run("invoices", "credit", "SI-1", "--line", "A:1", "--amount", "1", "--reason", "r")
    assert both.exit_code == Exit.USAGE
    bad_line = run("bills", "record", "PO-1", "--vendor", "V", "--number", "N", "--currency",
                   "EUR", "--line", "A:1", "--date", "2026-03-01")  # fmt: skip
    assert bad_line.exit_code == Exit.USAGE
    assert "SKU:QUANTITY:UNIT_PRICE[:TAX]" in bad_line.output
    assert run("returns", "authorize", "SO-1", "--line", "A:1", "--reason", "bored").exit_code == (
        Exit.USAGE
    )
    assert run("invoices", "list").exit_code == Exit.USAGE
    assert recorder.sent == []
    assert recorder.asked == []


def test_the_queries_are_read_with_their_filters(recorder: Recorder) -> None:
    recorder.answers["/aged-receivables"] = {
        "as_of": "2026-05-01",
        "customers": [{"customer_id": "C-1", "currency": "EUR", "over_90": "10.00"}],
        "totals": [{"currency": "EUR", "over_90": "10.00"}],
    }
    recorder.answers["/statement"] = {"customer_id": "C-1", "accounts": [
        {"currency": "EUR", "opening_balance": "0", "closing_balance": "5.00",
         "entries": [{"kind": "invoice", "amount": "5.00", "balance": "5.00"}]},
    ]}  # fmt: skip
    aged = run("aged-receivables", "--as-of", "2026-05-01")
    assert aged.exit_code == 0, aged.output
    assert json.loads(aged.output)["totals"][0]["over_90"] == "10.00"
    plain = CliRunner().invoke(main, ["aged-receivables", "--as-of", "2026-05-01"])
    assert "(total)" in plain.output
    assert "C-1" in plain.output
    assert run("statement", "C-1", "--from", "2026-03-01", "--to", "2026-03-31").exit_code == 0
    assert run("invoices", "list", "--customer", "C-1", "--status", "open").exit_code == 0
    assert run("invoices", "list", "--subscriptions").exit_code == 0
    assert run("bills", "list", "--status", "held").exit_code == 0
    assert run("ledger", "trial-balance", "--from", "2026-03-01").exit_code == 0
    assert run("ledger", "journal", "--to", "2026-03-31", "--account", "1200").exit_code == 0
    assert recorder.asked == [
        ("billing", "/aged-receivables", {"as_of": "2026-05-01"}),
        ("billing", "/aged-receivables", {"as_of": "2026-05-01"}),
        ("billing", "/statement", {"customer_id": "C-1", "from": "2026-03-01",
                                   "to": "2026-03-31"}),
        ("billing", "/customer-invoices", {"customer_id": "C-1", "status": "open"}),
        ("billing", "/invoices", {}),
        ("billing", "/bills", {"status": "held"}),
        ("billing", "/trial-balance", {"from": "2026-03-01"}),
        ("billing", "/journal", {"to": "2026-03-31", "account": "1200"}),
    ]  # fmt: skip

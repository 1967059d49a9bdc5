"""The ledger over the broker: a subscription invoice and its payment posted as balanced
journal entries (trial balance at zero), goods received at cost posted once, a document held
for a missing rule and posted when the chart is completed, and a bad chart refused without
changing anything."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from shared import names
from shared.contracts.billing import InvoiceVoided
from shared.runtime import OmsApp
from tests.integration.billing.conftest import billing_app
from tests.support.billing import MovedClock, payment, plan, subscribe, utc
from tests.support.bus import Bus
from tests.support.flows import accepted, stockroom
from tests.support.ledger import chart, receipt, taxed_invoice, zero_trial_balance
from tests.support.services import Environment, asgi_get, asgi_text, running

SECONDS = 30.0
D = Decimal


@pytest.fixture
async def ledger(env: Environment) -> AsyncIterator[OmsApp]:
    """The billing service alone: the ledger learns from events the test publishes."""
    async with running(billing_app(env)) as app:
        yield app


def entry_for(entry_id: str) -> Any:
    return lambda body: body["entry_id"] == entry_id


def lines(body: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(x["account"], x["role"], x["debit"], x["credit"]) for x in body["lines"]]


async def test_a_subscription_invoice_and_its_payment_are_posted_and_balance(
    billing: OmsApp, bus: Bus, clock: MovedClock
) -> None:
    await accepted(bus, chart())
    room = await stockroom(bus)
    monthly = plan(room.sku, room.branch_id)
    await accepted(bus, monthly)
    start = subscribe(monthly.plan_id, clock.now)
    await accepted(bus, start)
    [invoice] = await bus.wait_for(
        "billing.invoice_issued",
        lambda b: b["subscription_id"] == start.subscription_id,
        timeout=SECONDS,
    )
    invoice_id = invoice.body["invoice_id"]
    [issued] = await bus.wait_for(
        "billing.journal_entry_posted",
        entry_for(f"subscription_invoice:{invoice_id}"),
        timeout=SECONDS,
    )
    assert lines(issued.body) == [
        ("1200", "receivable", "30.00", "0"),
        ("4000", "revenue", "0", "30.00"),
    ]
    assert (issued.body["party_id"], issued.body["order_id"]) == (
        start.customer_id,
        invoice.body["order_id"],
    )
    paid = payment(invoice.body)
    await accepted(bus, paid)
    [cash] = await bus.wait_for(
        "billing.journal_entry_posted",
        entry_for(f"invoice_payment:{invoice_id}/{paid.payment_id}"),
        timeout=SECONDS,
    )
    assert lines(cash.body) == [
        ("1000", "cash", "30.00", "0"),
        ("1200", "receivable", "0", "30.00"),
    ]
    assert cash.body["reference"] == invoice_id

    balance = await zero_trial_balance(billing)
    [eur] = balance["currencies"]
    assert {a["account"]: a["balance"] for a in eur["accounts"]} == {
        "1000": "30.00",
        "1200": "0.00",
        "4000": "-30.00",
    }
    assert balance["entries"] == 2
    # The invoice is dated by the billing clock (moved by the test), the payment when recorded.
    day = clock.now.date().isoformat()
    balance = await zero_trial_balance(billing, f"from={day}&to={day}")
    assert balance["entries"] == 1
    status, journal = await asgi_get(billing, "/journal", "account=1000")
    assert status == 200
    assert [e["entry_id"] for e in journal] == [cash.body["entry_id"]]
    status, text = await asgi_text(billing, "/journal.csv")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["entry_id"], r["account"], r["debit"], r["credit"]) for r in rows] == [
        (issued.body["entry_id"], "1200", "30.00", "0"),
        (issued.body["entry_id"], "4000", "0", "30.00"),
        (cash.body["entry_id"], "1000", "30.00", "0"),
        (cash.body["entry_id"], "1200", "0", "30.00"),
    ]
    assert rows[0]["date"] == day
    assert rows[2]["date"] == cash.body["document_date"][:10]
    status, margins = await asgi_get(billing, "/margins", f"order_id={invoice.body['order_id']}")
    assert (status, margins[0]["revenue"], margins[0]["margin"]) == (200, "30.00", "30.00")
    before = clock.now.date().replace(year=2020).isoformat()
    empty = await zero_trial_balance(billing, f"from={before}&to={before}")
    assert (empty["entries"], empty["currencies"]) == (0, [])


async def test_goods_received_at_cost_are_posted_once(ledger: OmsApp, bus: Bus) -> None:
    await accepted(bus, chart())
    goods = receipt(("TEA", "10", "12.00"), ("MUG", "3", "13.50"))
    await bus.send(goods)
    await bus.send(goods)  # redelivered
    again = goods.model_copy(update={"message_id": uuid.uuid4()})
    await bus.send(again)  # the same receipt in a new message: still one entry
    await bus.send(receipt(("TEA", "1", "12.00"), currency=None).model_copy(update={"costs": []}))
    [posted] = await bus.wait_for(
        "billing.journal_entry_posted",
        entry_for(f"goods_receipt:{goods.receipt_id}"),
        timeout=SECONDS,
    )
    assert lines(posted.body) == [
        ("1400", "inventory", "160.50", "0"),
        ("2150", "goods_received_not_invoiced", "0", "160.50"),
    ]
    assert (posted.body["order_id"], posted.body["currency"]) == (goods.order_id, "EUR")
    await bus.settle(1.0)
    assert len(bus.matching("billing.journal_entry_posted")) == 1
    balance = await zero_trial_balance(ledger)
    assert balance["entries"] == 1


async def test_a_document_missing_a_rule_is_held_then_posted_whole(
    ledger: OmsApp, bus: Bus
) -> None:
    issued = taxed_invoice(
        ("TEA", "3", "10.00", "VAT19"), ("CUP", "1", "9.99", "VAT7"), at=utc("2026-03-01T09:00")
    )
    await accepted(bus, chart(tax_payable={"VAT19": "2219"}))
    await bus.send(issued)
    entry_id = f"subscription_invoice:{issued.invoice_id}"
    [held] = await bus.wait_for("billing.posting_held", entry_for(entry_id), timeout=SECONDS)
    assert held.body["missing"] == ["tax_payable.VAT7"]
    _, waiting = await asgi_get(ledger, "/journal", "status=held")
    assert [(w["entry_id"], w["missing"]) for w in waiting] == [(entry_id, ["tax_payable.VAT7"])]
    assert (await zero_trial_balance(ledger))["entries"] == 0  # nothing posted half

    # VAT7 mapped now, but the revenue account left out: still held, told what it lacks now.
    await accepted(bus, chart(accounts={"receivable": "1200"}))
    told = await bus.wait_for("billing.posting_held", entry_for(entry_id), count=2, timeout=SECONDS)
    assert told[-1].body["missing"] == ["accounts.revenue"]
    await accepted(bus, chart())
    [posted] = await bus.wait_for(
        "billing.journal_entry_posted", entry_for(entry_id), timeout=SECONDS
    )
    assert posted.body["chart_revision"] == 3
    assert posted.body["total"] == "46.39"
    assert sorted(lines(posted.body)) == [
        ("1200", "receivable", "46.39", "0"),
        ("2207", "tax_payable", "0", "0.70"),
        ("2219", "tax_payable", "0", "5.70"),
        ("4000", "revenue", "0", "39.99"),
    ]
    _, waiting = await asgi_get(ledger, "/journal", "status=held")
    assert waiting == []
    await zero_trial_balance(ledger)


async def test_a_bad_chart_is_refused_and_changes_nothing(ledger: OmsApp, bus: Bus) -> None:
    await accepted(bus, chart())
    _, before = await asgi_get(ledger, "/chart-of-accounts")
    bad_bodies = [
        {"accounts": {"receivable": ""}, "defined_by": "root"},
        {"accounts": {"treasure": "1000"}, "defined_by": "root"},
        {"accounts": {"cash": "10 00"}, "defined_by": "root"},
    ]
    for body in bad_bodies:
        mid = str(uuid.uuid4())
        await bus.send_raw(
            names.COMMANDS,
            "billing.define_chart_of_accounts",
            json.dumps({"message_id": mid, **body}).encode(),
            reply=True,
            message_id=mid,
            person="root",
        )
        answer = await bus.reply_for_id(mid, timeout=SECONDS)
        assert answer.body["reason"] == "invalid_message", answer.body
        assert "accounts" in answer.body["detail"]
    command = chart(item_groups={"MUG": "tools"})
    await bus.send(command, reply=True)
    answer = await bus.reply_for(command, timeout=SECONDS)
    assert answer.body["reason"] == "invalid_chart"
    assert "tools" in answer.body["detail"]
    _, after = await asgi_get(ledger, "/chart-of-accounts")
    assert after == before
    assert after["revision"] == 1
    status, error = await asgi_get(ledger, "/trial-balance", "from=2026-02-30")
    assert status == 400
    assert "from" in error["error"]


async def test_a_void_that_comes_first_waits_for_its_invoice_then_reverses_it(
    ledger: OmsApp, bus: Bus
) -> None:
    await accepted(bus, chart())
    issued = taxed_invoice(("TEA", "3", "10.00", "VAT19"), at=utc("2026-03-01T09:00"))
    facts = issued.model_dump(exclude={"lines", "pricing", "tax_total", "issued_at"})
    void = InvoiceVoided(**{**facts, "status": "void", "reason": "issued in error"})
    await bus.send(void)  # from another queue than the invoice's: it may come first
    entry_id = f"subscription_invoice:{issued.invoice_id}"
    [waiting] = await bus.wait_for(
        "billing.posting_held", entry_for(f"invoice_void:{issued.invoice_id}"), timeout=SECONDS
    )
    assert waiting.body["missing"] == [f"entry:{entry_id}"]
    await bus.send(issued)
    [first] = await bus.wait_for("billing.journal_entry_posted", entry_for(entry_id))
    [reversal] = await bus.wait_for(
        "billing.journal_entry_posted", entry_for(f"invoice_void:{issued.invoice_id}")
    )
    assert reversal.body["reverses_entry_id"] == entry_id
    assert sorted((a, r, c, d) for a, r, d, c in lines(reversal.body)) == sorted(lines(first.body))
    balance = await zero_trial_balance(ledger)
    assert balance["entries"] == 2
    assert {a["balance"] for a in balance["currencies"][0]["accounts"]} == {"0.00"}

"""The back office's pages for the books, over HTTP with the real routes and templates and
in-memory stand-ins for the billing queries, the broker, the directory and the sessions: the
aged receivables' buckets and chart, invoices with payment and credit forms, a statement, held
bills accepted or rejected from the page, returns from the order page, the books; every form
with its CSRF token, refused input naming the field and sending nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from services.backoffice import books, pages_bills, pages_books, pages_ledger, pages_orders
from services.backoffice.bus import Answer
from services.backoffice.web import SESSION_COOKIE
from shared.contracts import Command
from shared.contracts.payables import AcceptBill, RejectBill
from shared.contracts.receivables import IssueCreditNote, RecordCustomerPayment
from shared.contracts.returns import AuthorizeReturn, ReceiveReturn

pytestmark = pytest.mark.unit
CSRF = "token-of-the-session"

AGED = {
    "as_of": "2026-06-30",
    "customers": [
        {"customer_id": "ACME", "currency": "EUR", "current": "10.00", "days_1_30": "0",
         "days_31_60": "20.00", "days_61_90": "0", "over_90": "5.50", "total": "35.50",
         "credit": "0", "invoices": 3},
        {"customer_id": "ZED", "currency": "USD", "current": "0", "days_1_30": "7.00",
         "days_31_60": "0", "days_61_90": "1.25", "over_90": "0", "total": "8.25",
         "credit": "2.00", "invoices": 2},
    ],
    "totals": [
        {"currency": "EUR", "current": "10.00", "days_1_30": "0", "days_31_60": "20.00",
         "days_61_90": "0", "over_90": "5.50", "total": "35.50", "credit": "0", "invoices": 3},
        {"currency": "USD", "current": "0", "days_1_30": "7.00", "days_31_60": "0",
         "days_61_90": "1.25", "over_90": "0", "total": "8.25", "credit": "2.00", "invoices": 2},
    ],
}  # fmt: skip
INVOICE = {
    "invoice_id": "SI-000007", "series": "SI", "number": 7, "order_id": "SO-1",
    "bill": "approval", "customer_id": "ACME", "branch_id": "BR", "currency": "EUR",
    "policy": "on_approval", "payment_terms_days": 30,
    "lines": [
        {"line": 1, "sku": "TEA", "quantity": "4", "unit_price": "10.00", "amount": "40.00",
         "line_discount": "0", "document_discount": "1.00", "net": "39.00",
         "taxes": [], "tax": "7.41", "total": "46.41"},
    ],
    "taxes": [{"code": "VAT19", "rate": "19", "version": 1, "base": "39.00", "tax": "7.41"}],
    "net_total": "39.00", "tax_total": "7.41", "total": "46.41",
    "issued_at": "2026-03-01T09:00:00Z", "due_at": "2026-03-31T09:00:00Z", "status": "open",
    "amount_credited": "0", "amount_paid": "10.00", "amount_refunded": "0", "balance": "36.41",
    "credit_notes": [],
    "payments": [{"id": "BANK-1", "amount": "10.00", "at": "2026-03-05T10:00:00Z"}],
    "version": 3,
}  # fmt: skip
HELD = {
    "bill_id": "B-1", "vendor_id": "V-1", "vendor_bill_number": "INV-9", "order_id": "PO-1",
    "branch_id": "BR", "currency": "EUR", "status": "held",
    "lines": [{"line": 1, "sku": "BOLT", "quantity": "10", "unit_price": "12.50",
               "net": "125.00", "tax": "0", "total": "125.00", "order_unit_price": "12.00",
               "order_net": "120.00", "price_variance": "5.00", "available": "10",
               "quantity_variance": "0"}],
    "variances": [{"line": 1, "sku": "BOLT", "kind": "price_variance", "expected": "12.00",
                   "billed": "12.50", "difference": "0.50", "allowed": "0.24",
                   "amount": "5.00"}],
    "net_total": "125.00", "tax_total": "0", "total": "125.00", "amount_paid": "0",
    "balance": "125.00", "payments": [], "bill_date": "2026-03-02", "due_date": "2026-04-01",
    "recorded_by": "ada", "recorded_at": "2026-03-02T08:00:00Z", "version": 2,
}  # fmt: skip
ORDER = {
    "order_id": "SO-1", "kind": "sales", "status": "completed", "party_id": "ACME",
    "branch_id": "BR", "currency": "EUR", "created_by": "carl", "lines": [],
    "fulfilment": [{"line": 1, "sku": "TEA", "ordered": "4", "fulfilled": "4"}], "history": [],
}  # fmt: skip


@dataclass
class Reads:
    """The services' queries as the pages read them; remembers what was asked."""

    asked: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    async def aged_receivables(self, **params: str) -> dict[str, Any]:
        self.asked.append(("aged", params))
        return AGED

    async def customer_invoices(self, **params: str) -> list[dict[str, Any]]:
        self.asked.append(("invoices", params))
        return [INVOICE]

    async def subscription_invoices(self, **params: str) -> list[dict[str, Any]]:
        self.asked.append(("subscription_invoices", params))
        return []

    async def customer_invoice(self, invoice_id: str) -> dict[str, Any] | None:
        return INVOICE if invoice_id == INVOICE["invoice_id"] else None

    async def statement(self, **params: str) -> dict[str, Any]:
        self.asked.append(("statement", params))
        entries = [
            {"at": "2026-03-01T09:00:00Z", "kind": "invoice", "document_id": "SI-000007",
             "invoice_id": "SI-000007", "order_id": "SO-1", "amount": "46.41",
             "balance": "46.41"},
            {"at": "2026-03-05T10:00:00Z", "kind": "payment", "document_id": "BANK-1",
             "invoice_id": "SI-000007", "order_id": "SO-1", "amount": "-10.00",
             "balance": "36.41"},
        ]  # fmt: skip
        account = {"currency": "EUR", "opening_balance": "0", "closing_balance": "36.41",
                   "entries": entries}  # fmt: skip
        return {"customer_id": "ACME", "accounts": [account]}

    async def open_items(self, customer_id: str) -> dict[str, Any]:
        return {"customer_id": customer_id, "items": [INVOICE],
                "balances": [{"currency": "EUR", "balance": "36.41"}]}  # fmt: skip

    async def bills(self, **params: str) -> list[dict[str, Any]]:
        self.asked.append(("bills", params))
        return [HELD]

    async def bill(self, bill_id: str) -> dict[str, Any] | None:
        return HELD if bill_id == HELD["bill_id"] else None

    async def order(self, order_id: str) -> dict[str, Any] | None:
        return ORDER if order_id == ORDER["order_id"] else None

    async def timeline(self, _order_id: str) -> list[dict[str, Any]]:
        return []

    async def requests_of(self, _order_id: str) -> list[dict[str, Any]]:
        return []

    async def trial_balance(self, **params: str) -> dict[str, Any]:
        self.asked.append(("trial_balance", params))
        accounts = [{"account": "1200", "debit": "46.41", "credit": "0", "balance": "46.41"},
                    {"account": "4000", "debit": "0", "credit": "46.41",
                     "balance": "-46.41"}]  # fmt: skip
        return {"entries": 1, "currencies": [{"currency": "EUR", "accounts": accounts,
                "debit": "46.41", "credit": "46.41", "balance": "0"}]}  # fmt: skip

    async def journal(self, **params: str) -> list[dict[str, Any]]:
        self.asked.append(("journal", params))
        return []

    async def journal_csv(self, **params: str) -> str:
        self.asked.append(("journal.csv", params))
        return "date,account,debit\r\n2026-03-01,1200,46.41\r\n"


@dataclass
class Broker:
    """Takes the commands a page sends, answering each with ``answer``."""

    answer: Answer = field(default_factory=lambda: Answer("Done"))
    sent: list[tuple[Command, str]] = field(default_factory=list)

    async def send(self, command: Command, person: str) -> Answer:
        self.sent.append((command, person))
        return self.answer


class People:
    def __init__(self, *people: dict[str, Any]) -> None:
        self.people = {p["_id"]: p for p in people}

    async def get(self, user_id: str) -> dict[str, Any] | None:
        return self.people.get(user_id)


class Sessions:
    async def find(self, token: str, _now: datetime) -> dict[str, Any] | None:
        return {"user_id": token, "csrf": CSRF}


@dataclass
class Office:
    reads: Reads = field(default_factory=Reads)
    broker: Broker = field(default_factory=Broker)
    people: People = field(
        default_factory=lambda: People(
            {"_id": "ada", "name": "Ada", "admin": True},
            {"_id": "carl", "name": "Carl", "admin": False},
            {"_id": "bob", "name": "Bob", "admin": False},
        )
    )
    sessions: Sessions = field(default_factory=Sessions)
    settings: Any = field(default_factory=lambda: SimpleNamespace(time_zone="UTC"))


@pytest.fixture
def office() -> Office:
    return Office()


@pytest.fixture
async def ada(office: Office) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(office, "ada") as client:
        yield client


def _client(office: Office, user: str) -> httpx.AsyncClient:
    routes = [*pages_books.ROUTES, *pages_bills.ROUTES, *pages_ledger.ROUTES,
              *pages_orders.ROUTES]  # fmt: skip
    app = Starlette(routes=routes)
    app.state.backoffice = office
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(
        transport=transport, base_url="http://office", cookies={SESSION_COOKIE: user}
    )


# --- aged receivables -------------------------------------------------------------------------


def test_the_aged_report_has_a_row_per_customer_and_currency_then_the_totals() -> None:
    report = books.aged_report(AGED)
    assert report.columns[2:7] == ["current", "1-30 days", "31-60 days", "61-90 days",
                                   "over 90 days"]  # fmt: skip
    assert [(row[0], row[1]) for row in report.rows] == [
        ("ACME", "EUR"), ("ZED", "USD"), (books.TOTAL, "EUR"), (books.TOTAL, "USD"),
    ]  # fmt: skip
    assert [str(v) for v in report.rows[1][2:]] == ["0", "7.00", "0", "1.25", "0", "8.25", "2.00"]


async def test_the_aged_page_charts_each_currency_bucket_by_bucket(
    ada: httpx.AsyncClient, office: Office
) -> None:
    page = await ada.get("/aged-receivables", params={"as_of": "2026-06-30"})
    assert page.status_code == 200
    assert office.reads.asked == [("aged", {"as_of": "2026-06-30", "customer_id": ""})]
    html = page.text
    assert html.count('data-currency="EUR"') == 1
    assert html.count('data-currency="USD"') == 1
    for bucket in ("current (EUR)", "1-30 days (EUR)", "31-60 days (EUR)", "61-90 days (EUR)",
                   "over 90 days (EUR)"):  # fmt: skip
        assert bucket in html
    assert 'data-row="0" data-column="4" data-value="20.00"' in html  # ACME, 31-60
    assert 'data-row="1" data-column="3" data-value="7.00"' in html  # ZED, 1-30
    assert '<a href="/customers/ACME/statement">ACME</a>' in html
    download = await ada.get("/aged-receivables.csv", params={"as_of": "2026-06-30"})
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0][:3] == ["customer", "currency", "current"]
    assert rows[3] == [books.TOTAL, "EUR", "10.00", "0", "20.00", "0", "5.50", "35.50", "0"]


async def test_a_bad_day_is_refused_and_only_administrators_see_the_books(
    ada: httpx.AsyncClient, office: Office
) -> None:
    bad = await ada.get("/aged-receivables", params={"as_of": "30.06.2026"})
    assert bad.status_code == 400
    assert "as_of" in bad.text
    async with _client(office, "carl") as carl:
        for path in ("/aged-receivables", "/invoices", "/invoices/SI-000007", "/bills",
                     "/customers/ACME/statement", "/ledger"):  # fmt: skip
            assert (await carl.get(path)).status_code == 403, path
        refused = await carl.post("/bills/B-1/accept", data={"csrf": CSRF, "notes": "ok"})
        assert refused.status_code == 403
    assert office.broker.sent == []


# --- invoices and statement -------------------------------------------------------------------


async def test_an_invoice_shows_its_lines_taxes_and_payments(
    ada: httpx.AsyncClient, office: Office
) -> None:
    listed = await ada.get("/invoices", params={"customer_id": "ACME", "status": "open"})
    assert listed.status_code == 200
    assert ("invoices", {"customer_id": "ACME", "order_id": "", "status": "open"}) in (
        office.reads.asked
    )
    assert '<a href="/invoices/SI-000007">SI-000007</a>' in listed.text
    page = await ada.get("/invoices/SI-000007")
    assert page.status_code == 200
    for text in ("VAT19", "39.00", "7.41", "46.41", "BANK-1", "36.41", "Record payment",
                 "Issue credit note"):  # fmt: skip
        assert text in page.text
    assert (await ada.get("/invoices/SI-404")).status_code == 404
    owing = await ada.get("/invoices")
    assert '<a href="/invoices?customer_id=ACME">ACME</a>' in owing.text


async def test_a_payment_and_a_credit_note_are_sent_for_the_person(
    ada: httpx.AsyncClient, office: Office
) -> None:
    paid = await ada.post("/invoices/SI-000007/pay", data={
        "csrf": CSRF, "form": "pay", "currency": "EUR", "amount": "26.41",
        "payment_id": "BANK-2", "received_on": "2026-03-20"})  # fmt: skip
    assert paid.status_code == 303
    assert paid.headers["location"] == "/invoices/SI-000007?done=paid"
    credit = await ada.post("/invoices/SI-000007/credit", data={
        "csrf": CSRF, "form": "credit", "lines": "TEA 1", "reason": "broken"})  # fmt: skip
    assert credit.status_code == 303
    (payment, person), (note, _) = office.broker.sent
    assert person == "ada"
    assert isinstance(payment, RecordCustomerPayment)
    assert (payment.invoice_id, payment.payment_id, str(payment.amount), payment.currency) == (
        "SI-000007", "BANK-2", "26.41", "EUR",
    )  # fmt: skip
    assert (payment.recorded_by, str(payment.received_at)) == ("ada", "2026-03-20 00:00:00+00:00")
    assert isinstance(note, IssueCreditNote)
    assert ([(line.sku, str(line.quantity)) for line in note.lines], note.amount) == (
        [("TEA", "1")], None,
    )  # fmt: skip


async def test_bad_input_names_the_field_keeps_what_was_typed_and_sends_nothing(
    ada: httpx.AsyncClient, office: Office
) -> None:
    bad = await ada.post("/invoices/SI-000007/pay", data={
        "csrf": CSRF, "form": "pay", "currency": "EUR", "amount": "ten",
        "payment_id": "BANK-3"})  # fmt: skip
    assert bad.status_code == 422
    assert "amount: &#39;ten&#39; is not an amount" in bad.text
    assert 'value="BANK-3"' in bad.text
    typed = {"csrf": CSRF, "form": "credit", "lines": "TEA 1", "amount": "5", "reason": "r"}
    both = await ada.post("/invoices/SI-000007/credit", data=typed)
    assert both.status_code == 422
    assert "not both" in both.text
    assert ">TEA 1</textarea>" in both.text
    expired = await ada.post("/invoices/SI-000007/pay", data={"csrf": "old", "amount": "1"})
    assert expired.status_code == 403
    assert office.broker.sent == []
    office.broker.answer = Answer(
        "CommandRejected", {"reason": "overpayment", "detail": "amount: more than the balance"}
    )
    refused = await ada.post("/invoices/SI-000007/pay", data={
        "csrf": CSRF, "form": "pay", "currency": "EUR", "amount": "99.00",
        "payment_id": "BANK-4"})  # fmt: skip
    assert refused.status_code == 409
    assert "more than the balance" in refused.text
    assert 'value="99.00"' in refused.text


async def test_a_statement_runs_the_balance_over_the_period_asked_for(
    ada: httpx.AsyncClient, office: Office
) -> None:
    page = await ada.get("/customers/ACME/statement", params={"from": "2026-03-01",
                                                              "to": "2026-03-31"})  # fmt: skip
    assert page.status_code == 200
    assert ("statement", {"customer_id": "ACME", "from": "2026-03-01", "to": "2026-03-31"}) in (
        office.reads.asked
    )
    assert page.text.index("46.41") < page.text.index("-10.00") < page.text.index("36.41")
    backwards = await ada.get("/customers/ACME/statement", params={"from": "2026-04-01",
                                                                   "to": "2026-03-01"})  # fmt: skip
    assert backwards.status_code == 400
    assert "from: 2026-04-01 is after to" in backwards.text


# --- supplier bills ---------------------------------------------------------------------------


async def test_held_bills_show_their_reasons_and_one_is_accepted_from_the_page(
    ada: httpx.AsyncClient, office: Office
) -> None:
    listed = await ada.get("/bills")
    assert office.reads.asked == [("bills", {"status": "held", "vendor_id": "", "order_id": ""})]
    assert "Line 1 (BOLT): unit price billed 12.50, expected 12.00 (allowed 0.24)" in listed.text
    assert 'action="/bills/B-1/accept"' in listed.text
    assert 'formaction="/bills/B-1/reject"' in listed.text
    accepted = await ada.post(
        "/bills/B-1/accept", data={"csrf": CSRF, "notes": "price rise agreed", "back": "list"}
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/bills?done=accepted"
    rejected = await ada.post("/bills/B-1/reject", data={"csrf": CSRF, "notes": "not ours"})
    assert rejected.headers["location"] == "/bills/B-1?done=rejected"
    (accept, person), (reject, _) = office.broker.sent
    assert isinstance(accept, AcceptBill)
    assert (accept.bill_id, accept.notes, accept.accepted_by, person) == (
        "B-1", "price rise agreed", "ada", "ada",
    )  # fmt: skip
    assert isinstance(reject, RejectBill)
    assert (reject.notes, reject.rejected_by) == ("not ours", "ada")


async def test_a_bill_page_and_a_decision_without_notes(
    ada: httpx.AsyncClient, office: Office
) -> None:
    page = await ada.get("/bills/B-1")
    assert page.status_code == 200
    assert "Why it is held" in page.text
    assert "Accept the variances" in page.text
    silent = await ada.post("/bills/B-1/accept", data={"csrf": CSRF, "notes": " "})
    assert silent.status_code == 422
    assert "notes: say why." in silent.text
    assert (await ada.post("/bills/B-1/pay", data={"csrf": CSRF, "notes": "x"})).status_code == 404
    assert (await ada.get("/bills", params={"status": "lost"})).status_code == 400
    assert office.broker.sent == []


# --- returns and the books --------------------------------------------------------------------


async def test_a_return_is_authorized_and_received_from_the_order_page(
    office: Office,
) -> None:
    async with _client(office, "carl") as carl:  # the order's creator
        page = await carl.get("/orders/SO-1")
        assert "Authorize return" in page.text
        assert "Receive return" in page.text
        authorized = await carl.post("/orders/SO-1/returns", data={
            "csrf": CSRF, "form": "authorize", "lines": "TEA 1", "reason": "damaged",
            "return_id": "RMA-1"})  # fmt: skip
        assert authorized.status_code == 303
        assert authorized.headers["location"].endswith("done=return_authorized&return_id=RMA-1")
        typed = {"csrf": CSRF, "form": "receive", "return_id": "RMA-1", "location_id": "QUAR"}
        received = await carl.post("/orders/SO-1/returns/receive", data=typed)
        assert received.status_code == 303
    (authorize, _), (receive, _) = office.broker.sent
    assert isinstance(authorize, AuthorizeReturn)
    assert (authorize.return_id, authorize.reason, authorize.authorized_by) == (
        "RMA-1", "damaged", "carl",
    )  # fmt: skip
    assert isinstance(receive, ReceiveReturn)
    assert (receive.location_id, receive.received_by) == ("QUAR", "carl")
    async with _client(office, "bob") as bob:  # neither creator nor admin
        page = await bob.get("/orders/SO-1")
        assert "Authorize return" not in page.text
        refused = await bob.post("/orders/SO-1/returns", data={
            "csrf": CSRF, "lines": "TEA 1", "reason": "damaged"})  # fmt: skip
        assert refused.status_code == 403
    assert len(office.broker.sent) == 2


async def test_the_books_show_the_trial_balance_and_link_the_csv(
    ada: httpx.AsyncClient, office: Office
) -> None:
    page = await ada.get("/ledger", params={"from": "2026-03-01", "to": "2026-03-31"})
    assert page.status_code == 200
    assert '<a href="/ledger/journal.csv?from=2026-03-01&amp;to=2026-03-31">' in page.text
    assert "1200" in page.text
    download = await ada.get("/ledger/journal.csv", params={"from": "2026-03-01"})
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.startswith("date,account,debit")
    assert ("journal.csv", {"from": "2026-03-01", "to": ""}) in office.reads.asked

"""The back office's customer and vendor pages: the form opens filled with the stored record
and, saved untouched, sends the same record on the version shown; the list links each record;
an order page shows its flags."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from services.backoffice.formats import Formats
from services.backoffice.pages_parties import _form_values, _record
from services.backoffice.web import TEMPLATES
from shared.contracts.parties import CustomerRecord, UpsertCustomer, UpsertVendor, VendorRecord
from tests.support.forms import submitted

ADMIN = SimpleNamespace(admin=True, name="Olga", user_id="olga")
CUSTOMER: dict[str, Any] = {
    "customer_id": "C-1",
    "version": 7,
    "source": "customers",
    "changed_by": None,
    "recorded_at": "2026-12-06T10:00:00Z",
    "record": CustomerRecord(
        customer_id="C-1",
        name="Acme & Sons",
        status="on_hold",
        currency="USD",
        email="ap@acme.example",
        price_list_id="PL-9",
        payment_terms_days=30,
        billing_address={"lines": ["1 Main St"], "city": "Springfield", "country": "US"},
        tax_exemption={"certificate_id": "EX-7", "expires_on": "2030-01-31"},
        credit_limit={"amount": "5000.50", "currency": "USD"},
    ).model_dump(mode="json"),
    "history": [
        {"version": 6, "at": "2026-12-05T10:00:00Z", "source": "oms", "changed_by": "ivan",
         "fields": ["status"]},
        {"version": 7, "at": "2026-12-06T10:00:00Z", "source": "customers", "changed_by": None,
         "fields": ["name", "email"]},
    ],
}  # fmt: skip


def render(template: str, **context: Any) -> str:
    context = {"viewer": ADMIN, "csrf": "t", "fmt": Formats(), **context}
    return TEMPLATES.env.get_template(template).render(**context)


def page(kind: str, found: dict[str, Any] | None, party_id: str) -> str:
    return render(
        "party.html", kind=kind, party_id=party_id, found=found,
        shown=_form_values(kind, found), error="", statuses=["active", "on_hold", "blocked"],
        done=False,
    )  # fmt: skip


def test_a_customer_saved_untouched_sends_the_same_record_on_the_version_shown() -> None:
    html = page("customer", CUSTOMER, "C-1")
    assert "certificate EX-7, valid through 2030-01-31" in html
    assert "name, email" in html  # the history says what each version changed

    sent = submitted(html, "party-form")
    record = _record("customer", "C-1", sent, CUSTOMER["record"])
    command = UpsertCustomer(
        customer_id="C-1", record=record, expected_version=sent["version"], changed_by="olga"
    )

    assert command.expected_version == 7
    assert command.record == CustomerRecord.model_validate(CUSTOMER["record"])


def test_a_new_vendor_is_added_on_version_zero() -> None:
    html = page("vendor", None, "V-9")
    assert "OMS knows no vendor V-9 yet" in html
    sent = submitted(html, "party-form") | {"name": "Parts", "currency": "EUR"}

    command = UpsertVendor(
        vendor_id="V-9",
        record=_record("vendor", "V-9", sent, {}),
        expected_version=sent["version"],
        changed_by="olga",
    )

    assert command.expected_version == 0
    assert command.record == VendorRecord(vendor_id="V-9", name="Parts", currency="EUR")


def test_clearing_the_certificate_and_limit_removes_them() -> None:
    sent = submitted(page("customer", CUSTOMER, "C-1"), "party-form")
    sent |= {"certificate_id": "", "credit_limit": ""}
    record = CustomerRecord.model_validate(_record("customer", "C-1", sent, CUSTOMER["record"]))
    assert (record.tax_exemption, record.credit_limit) == (None, None)


def test_the_list_links_each_record_and_the_order_page_shows_its_flags() -> None:
    listed = render(
        "parties.html", kind="customer", query={"q": "", "status": ""},
        statuses=["active"], parties=[{"customer_id": "C 1", "name": "Acme", "status": "active",
                                       "currency": "USD", "version": 2}],
    )  # fmt: skip
    assert 'href="/customers/C%201"' in listed
    flags = [{"reason": "customer_blocked", "detail": "Customer C-1 (Acme) is blocked."}]
    order = {"order_id": "SO-1", "kind": "sales", "status": "draft", "party_id": "C-1",
             "branch_id": "B", "created_by": "bob", "currency": "USD", "lines": [],
             "flags": flags, "payment_terms_days": 30, "tax_exemption": "EX-7"}  # fmt: skip
    html = render("order.html", order=order, came_from=[], timeline=[], editable=False,
                  cancellable=False, requests=[])  # fmt: skip
    assert "customer blocked: Customer C-1 (Acme) is blocked." in html
    assert 'href="/customers/C-1"' in html
    assert "certificate EX-7" in html

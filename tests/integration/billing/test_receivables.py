"""Customer invoices over the broker: a sales order priced with two tax rates and a document
discount, approved, issued in two shipments, is invoiced twice to its total to the cent; paid
(bad payments refused, changing nothing); a return becomes a credit note, which is refunded;
the customer's open items and statement show it all."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import uuid4

from shared.contracts import (
    DefineTaxRate,
    Discount,
    DiscountKind,
    OrderLineInput,
    PricingTerms,
    SubmitOrder,
)
from shared.contracts.receivables import (
    InvoicingPolicy,
    IssueCreditNote,
    RecordCustomerPayment,
    RecordRefund,
    SetInvoicingPolicy,
)
from shared.contracts.returns import (
    ReturnDestination,
    ReturnedLine,
    ReturnReason,
    ReturnReceived,
)
from shared.runtime import OmsApp
from tests.support.billing import MovedClock, receivables_handlers, utc
from tests.support.bus import Bus
from tests.support.factories import sales_order, unique
from tests.support.flows import accepted, once_known, stockroom
from tests.support.inventory import define_item, issue, opening
from tests.support.services import asgi_get

D = Decimal
SECONDS = 30.0


async def _refused(bus: Bus, command: Any, reason: str) -> None:
    await bus.send(command, reply=True)
    reply = await bus.reply_for(command, timeout=SECONDS)
    assert reply.type == "CommandRejected", reply.body
    assert reply.body["reason"] == reason, reply.body


async def _invoice(billing: OmsApp, invoice_id: str) -> dict[str, Any]:
    status, body = await asgi_get(billing, "/customer-invoices", f"invoice_id={invoice_id}")
    assert status == 200
    assert isinstance(body, dict)
    return body


def _paid(invoice: dict[str, Any], amount: str, **overrides: Any) -> RecordCustomerPayment:
    values: dict[str, Any] = {
        "invoice_id": invoice["invoice_id"],
        "payment_id": unique("PAY"),
        "amount": D(amount),
        "currency": "EUR",
        "recorded_by": "root",
    }
    return RecordCustomerPayment(**{**values, **overrides})


async def test_a_sales_order_is_invoiced_per_shipment_paid_returned_credited_and_refunded(
    billing: OmsApp, bus: Bus, clock: MovedClock
) -> None:
    receivables_handlers(billing).clock = clock
    room = await stockroom(bus)
    other = unique("SKU")
    for command in (define_item(other), opening(other, room.location_id, "100")):
        await accepted(bus, command)
    vat, city = unique("VAT"), unique("CITY")
    await accepted(bus, DefineTaxRate(code=vat, name="VAT", rate=D(19), defined_by="olga"))
    await accepted(bus, DefineTaxRate(code=city, name="City", rate=D("2.5"), defined_by="olga"))
    await accepted(
        bus,
        SetInvoicingPolicy(
            branch_id=room.branch_id,
            policy=InvoicingPolicy.PER_ISSUE,
            payment_terms_days=30,
            set_by="root",
        ),
    )
    order = sales_order(
        branch_id=room.branch_id,
        lines=[
            OrderLineInput(
                sku=room.sku, quantity=D(3), unit_price=D("19.99"), tax_codes=[vat, city]
            ),
            OrderLineInput(sku=other, quantity=D(7), unit_price=D("4.35"), tax_codes=[vat]),
        ],
        pricing=PricingTerms(discount=Discount(kind=DiscountKind.AMOUNT, value=D("5.00"))),
    )
    await accepted(bus, order)
    await accepted(bus, SubmitOrder(order_id=order.order_id, submitted_by=order.created_by))
    [approved] = await bus.wait_for(
        "order.approved", lambda b: b["order_id"] == order.order_id, timeout=SECONDS
    )
    pricing = approved.body["pricing"]

    # Two shipments: two invoices, numbered one after the other, adding up to the order.
    # Inventory issues only against an order it knows approved (it learns it on its own queue).
    for shipment in (((room.sku, "1"), (other, "4")), ((room.sku, "2"), (other, "3"))):
        shipping = issue(order.order_id, room.location_id, *shipment)
        issued = await once_known(bus, shipping, "order_not_approved", "unknown_order")
        assert issued.type == "GoodsIssued", issued.body
    invoices = await bus.wait_for(
        "billing.customer_invoice_issued",
        lambda b: b["order_id"] == order.order_id,
        count=2,
        timeout=SECONDS,
    )
    first, second = sorted((i.body for i in invoices), key=lambda b: b["number"])
    assert second["number"] == first["number"] + 1
    assert D(first["total"]) + D(second["total"]) == D(pricing["grand_total"])
    for tax in pricing["taxes"]:
        invoiced = [
            D(t["tax"]) for i in (first, second) for t in i["taxes"] if t["code"] == tax["code"]
        ]
        assert sum(invoiced) == D(tax["tax"])
    assert (first["final"], second["final"]) == (False, True)
    assert first["due_at"].startswith("2026-03-02T09:00")  # 30 days after 31 January

    # Payments: refused ones change nothing, then the first invoice is paid in two parts.
    for bad, reason in (
        (_paid(first, "1.00", currency="USD"), "currency_mismatch"),
        (_paid(first, "1.001"), "invalid_amount"),
        (_paid(first, str(D(first["total"]) + D("0.01"))), "overpayment"),
    ):
        before = await _invoice(billing, first["invoice_id"])
        await _refused(bus, bad, reason)
        assert await _invoice(billing, first["invoice_id"]) == before
    part = _paid(first, "10.00")
    await accepted(bus, part)
    await _refused(bus, part.model_copy(update={"message_id": uuid4()}), "duplicate_payment")
    rest = await accepted(bus, _paid(first, str(D(first["total"]) - D("10.00"))))
    assert (rest.body["status"], rest.body["balance"]) == ("settled", "0.00")

    # A return of the second item: credited on the oldest invoice that billed it, then refunded.
    returned = ReturnReceived(
        return_id=unique("RMA"),
        order_id=order.order_id,
        branch_id=room.branch_id,
        location_id=room.location_id,
        destination=ReturnDestination.STOCK,
        reason=ReturnReason.UNWANTED,
        lines=[ReturnedLine(sku=other, quantity=D(2), unit_cost=D(0), cost=D(0))],
        received_by="clerk",
    )
    await bus.send(returned)
    [said] = await bus.wait_for(
        "billing.return_credited", lambda b: b["return_id"] == returned.return_id, timeout=SECONDS
    )
    assert said.body["credits"] == [
        {"invoice_id": first["invoice_id"], "lines": [{"sku": other, "quantity": "2"}]}
    ]
    [noted] = await bus.wait_for(
        "billing.credit_note_issued",
        lambda b: b["invoice_id"] == first["invoice_id"],
        timeout=SECONDS,
    )
    note = noted.body["credit_note"]
    assert note["return_id"] == returned.return_id
    assert [t["code"] for t in note["taxes"]] == [vat]
    assert noted.body["status"] == "in_credit"
    too_much = RecordRefund(
        invoice_id=first["invoice_id"],
        credit_note_id=note["credit_note_id"],
        refund_id=unique("REF"),
        amount=D(note["total"]) + D("0.01"),
        currency="EUR",
        recorded_by="root",
    )
    await _refused(bus, too_much, "refund_exceeds_credit")
    refund = too_much.model_copy(update={"message_id": uuid4(), "amount": D(note["total"])})
    refunded = await accepted(bus, refund)
    assert (refunded.body["status"], refunded.body["balance"]) == ("settled", "0.00")

    # A credit note by command, beyond what is left: refused.
    await _refused(
        bus,
        IssueCreditNote(
            invoice_id=second["invoice_id"],
            amount=D(second["total"]) + D("0.01"),
            reason="goodwill",
            issued_by="root",
        ),
        "credit_exceeds_invoice",
    )

    # The customer's open items: the second invoice; its statement: everything, in order.
    status, items = await asgi_get(billing, "/open-items", f"customer_id={order.customer_id}")
    assert status == 200
    assert [i["invoice_id"] for i in items["items"]] == [second["invoice_id"]]
    assert items["balances"] == [{"currency": "EUR", "balance": second["total"]}]
    status, statement = await asgi_get(billing, "/statement", f"customer_id={order.customer_id}")
    assert status == 200
    [account] = statement["accounts"]
    kinds = [e["kind"] for e in account["entries"]]
    assert sorted(kinds) == ["credit_note", "invoice", "invoice", "payment", "payment", "refund"]
    assert account["closing_balance"] == second["total"]
    status, listed = await asgi_get(billing, "/customer-invoices", f"order_id={order.order_id}")
    assert [i["invoice_id"] for i in listed] == [first["invoice_id"], second["invoice_id"]]
    assert (await asgi_get(billing, "/open-items"))[0] == 400


async def test_on_approval_invoices_at_once_and_a_reminder_follows_an_unpaid_due_date(
    billing: OmsApp, bus: Bus, clock: MovedClock
) -> None:
    receivables_handlers(billing).clock = clock
    room = await stockroom(bus)
    customer = unique("C")
    await accepted(
        bus,
        SetInvoicingPolicy(
            branch_id=room.branch_id,
            customer_id=customer,
            policy=InvoicingPolicy.ON_APPROVAL,
            payment_terms_days=10,
            invoice_series=unique("PRE")[:20],
            set_by="root",
        ),
    )
    order = sales_order(
        branch_id=room.branch_id,
        customer_id=customer,
        lines=[OrderLineInput(sku=room.sku, quantity=D(2), unit_price=D("50.00"))],
    )
    await accepted(bus, order)
    await accepted(bus, SubmitOrder(order_id=order.order_id, submitted_by=order.created_by))
    [invoice] = await bus.wait_for(
        "billing.customer_invoice_issued",
        lambda b: b["order_id"] == order.order_id,
        timeout=SECONDS,
    )
    assert (invoice.body["policy"], invoice.body["total"], invoice.body["number"]) == (
        "on_approval",
        "100.00",
        1,
    )
    clock.move_to(utc("2026-02-11T09:00"))  # due 10 February 09:00, reminded a day later
    [overdue] = await bus.wait_for(
        "billing.customer_invoice_overdue",
        lambda b: b["invoice_id"] == invoice.body["invoice_id"],
        timeout=SECONDS,
    )
    assert (overdue.body["attempt"], overdue.body["attempts"]) == (1, 3)
    assert overdue.body["balance"] == "100.00"


async def test_bad_sales_invoice_commands_are_refused_by_name(billing: OmsApp, bus: Bus) -> None:
    missing = unique("SI")
    await _refused(bus, _paid({"invoice_id": missing}, "1.00"), "unknown_invoice")
    await _refused(
        bus,
        IssueCreditNote(invoice_id=missing, amount=D("1.00"), reason="r", issued_by="root"),
        "unknown_invoice",
    )
    both = {
        "invoice_id": missing,
        "lines": [{"sku": "A", "quantity": "1"}],
        "amount": "1.00",
        "reason": "r",
        "issued_by": "root",
    }
    message_id = str(uuid4())
    await bus.send_raw(
        "oms.commands",
        "billing.issue_credit_note",
        json.dumps({**both, "message_id": message_id}).encode(),
        reply=True,
        message_id=message_id,
        person="root",
    )
    reply = await bus.reply_for_id(message_id, timeout=SECONDS)
    assert reply.body["reason"] == "invalid_message"
    assert "either lines or an amount" in reply.body["detail"]

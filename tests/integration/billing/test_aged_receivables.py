"""The aged receivables over the real broker and database: a sales invoice issued on approval
moves from current to each bucket as the day asked for passes its due date, a partial payment
counts from the day it was received, and a bad day is refused."""

from __future__ import annotations

from decimal import Decimal

from shared.contracts import OrderLineInput, SubmitOrder
from shared.contracts.receivables import (
    InvoicingPolicy,
    RecordCustomerPayment,
    SetInvoicingPolicy,
)
from shared.runtime import OmsApp
from tests.support.billing import MovedClock, receivables_handlers, utc
from tests.support.bus import Bus
from tests.support.factories import sales_order, unique
from tests.support.flows import accepted, stockroom
from tests.support.services import asgi_get

D = Decimal
SECONDS = 30.0


async def test_an_invoice_ages_bucket_by_bucket_and_a_payment_counts_from_its_day(
    billing: OmsApp, bus: Bus, clock: MovedClock
) -> None:
    receivables_handlers(billing).clock = clock
    clock.move_to(utc("2026-01-01T09:00"))
    room = await stockroom(bus)
    customer = unique("C")
    await accepted(
        bus,
        SetInvoicingPolicy(
            branch_id=room.branch_id, customer_id=customer, policy=InvoicingPolicy.ON_APPROVAL,
            payment_terms_days=30, invoice_series=unique("AGE")[:20], set_by="root",
        ),
    )  # fmt: skip
    order = sales_order(
        branch_id=room.branch_id,
        customer_id=customer,
        lines=[OrderLineInput(sku=room.sku, quantity=D(2), unit_price=D("50.00"))],
    )
    await accepted(bus, order)
    await accepted(bus, SubmitOrder(order_id=order.order_id, submitted_by=order.created_by))
    [issued] = await bus.wait_for(
        "billing.customer_invoice_issued",
        lambda b: b["order_id"] == order.order_id,
        timeout=SECONDS,
    )
    invoice_id = issued.body["invoice_id"]
    assert issued.body["due_at"].startswith("2026-01-31")
    await accepted(
        bus,
        RecordCustomerPayment(
            invoice_id=invoice_id, payment_id=unique("PAY"), amount=D("40.00"), currency="EUR",
            received_at=utc("2026-03-10T12:00"), recorded_by="root",
        ),
    )  # fmt: skip

    async def aged(as_of: str) -> dict[str, str]:
        status, body = await asgi_get(
            billing, "/aged-receivables", f"as_of={as_of}&customer_id={customer}"
        )
        assert status == 200, body
        assert body["as_of"] == as_of
        [row] = body["customers"]
        assert body["totals"] == [{**row, "customer_id": None}]
        return {k: v for k, v in row.items() if v not in {"0", "0.00"}}

    common = {"customer_id": customer, "currency": "EUR", "invoices": 1}
    assert await aged("2026-01-31") == {**common, "current": "100.00", "total": "100.00"}
    assert await aged("2026-02-01") == {**common, "days_1_30": "100.00", "total": "100.00"}
    assert await aged("2026-03-02") == {**common, "days_1_30": "100.00", "total": "100.00"}
    assert await aged("2026-03-03") == {**common, "days_31_60": "100.00", "total": "100.00"}
    assert await aged("2026-03-10") == {**common, "days_31_60": "60.00", "total": "60.00"}
    assert await aged("2026-05-01") == {**common, "days_61_90": "60.00", "total": "60.00"}
    assert await aged("2026-05-02") == {**common, "over_90": "60.00", "total": "60.00"}
    status, before = await asgi_get(
        billing, "/aged-receivables", f"as_of=2025-12-31&customer_id={customer}"
    )
    assert (status, before["customers"], before["totals"]) == (200, [], [])
    status, refused = await asgi_get(billing, "/aged-receivables", "as_of=31.01.2026")
    assert (status, refused) == (400, {"error": "as_of is an ISO date (2026-03-31)"})

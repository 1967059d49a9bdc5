"""A sales invoice's reminder (``billing.customer_invoice_overdue``) is e-mailed to its billing
contact once, however often the event comes; an invoice without a contact is not mailed."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from shared.contracts.base import utcnow
from shared.contracts.receivables import CustomerInvoiceOverdue, CustomerInvoiceStatus
from shared.contracts.subscriptions import BillingContact
from shared.storage.mongo import database
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.services import Environment
from tests.support.smtp import SmtpServer


def overdue(contact: BillingContact | None) -> CustomerInvoiceOverdue:
    return CustomerInvoiceOverdue(
        invoice_id=unique("SI"),
        series="SI",
        number=1,
        order_id=unique("SO"),
        customer_id="C-1",
        branch_id="BR-1",
        status=CustomerInvoiceStatus.OPEN,
        currency="EUR",
        total=Decimal("59.73"),
        amount_credited=Decimal(0),
        amount_paid=Decimal(0),
        amount_refunded=Decimal(0),
        balance=Decimal("59.73"),
        due_at=utcnow(),
        billing_contact=contact,
        attempt=1,
        attempts=3,
        next_attempt_at=None,
    )


async def test_a_sales_reminder_is_mailed_once_and_not_without_a_contact(
    notification: Any, smtp: SmtpServer, bus: Bus, env: Environment, mongo_client: Any
) -> None:
    nobody = overdue(None)
    address = f"{unique('ap')}@customer.example".lower()
    reminded = overdue(BillingContact(email=address, name="Accounts"))
    await bus.send(nobody)
    await bus.send(reminded)
    await bus.send(reminded)  # redelivered: the same message, the same e-mail

    [mail] = await smtp.wait_for(address, timeout=30.0)
    assert mail.subject == f"Payment reminder 1/3: invoice {reminded.invoice_id}"
    assert f"for order {reminded.order_id}" in mail.body
    assert "59.73 EUR of it is still unpaid" in mail.body
    await asyncio.sleep(1.0)
    assert len(smtp.to(address)) == 1
    emails = database(mongo_client, env.database("notification"))["emails"]
    kept = [doc async for doc in emails.find({"kind": "customer_invoice_overdue"})]
    assert [doc["source_message_id"] for doc in kept] == [str(reminded.message_id)]

"""Customer and vendor records over the broker: versions from the business's systems and from
the back office, the queries, and orders checked against the records at their branch's
setting (refused, or flagged), an exempt customer's order untaxed, and bad records refused."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from shared.contracts import (
    ConfigureBranch,
    DefineTaxRate,
    OrderLineInput,
    SubmitOrder,
    UpdateOrder,
    WhenStockShort,
    utcnow,
)
from shared.contracts.parties import (
    CustomerUpserted,
    TaxExemption,
    UnknownParty,
    UpsertCustomer,
    UpsertVendor,
)
from shared.names import COMMANDS, EVENTS
from tests.support.bus import Bus
from tests.support.factories import purchase_order, sales_order, unique
from tests.support.party_samples import customer, vendor
from tests.support.services import asgi_get

CUSTOMER_QUEUE = "order.customer-upserted"


async def _recorded(bus: Bus, customer_id: str, version: int) -> dict[str, Any]:
    [event] = await bus.wait_for(
        "order.customer_recorded",
        lambda b: b["customer_id"] == customer_id and b["version"] == version,
    )
    return event.body


async def _branch(bus: Bus, policy: UnknownParty) -> str:
    branch = unique("BR")
    configure = ConfigureBranch(
        branch_id=branch,
        when_stock_short=WhenStockShort.ALLOW,
        unknown_party=policy,
        configured_by="root",
    )
    await bus.send(configure, reply=True)
    assert (await bus.reply_for(configure)).body["unknown_party"] == policy.value
    return branch


async def _rejection(bus: Bus, command: Any) -> dict[str, Any]:
    await bus.send(command, reply=True)
    reply = await bus.reply_for(command)
    assert reply.type == "CommandRejected", reply.body
    return reply.body


async def test_an_integration_event_older_than_the_stored_version_is_ignored(
    bus: Bus, order_service: Any, order_db: Any
) -> None:
    record = customer(name="Acme Ltd")
    newer = CustomerUpserted(customer_id=record.customer_id, version=1_700_000_002, record=record)
    await bus.send(newer)
    recorded = await _recorded(bus, record.customer_id, newer.version)
    assert recorded["source"] == "operator"  # the caller the broker vouched for
    before = await order_db.customers.find_one({"_id": record.customer_id})

    older = customer(record.customer_id, name="Acme (old)", status="blocked")
    await bus.send(CustomerUpserted(customer_id=record.customer_id, version=5, record=older))
    await bus.send(newer.model_copy(update={"message_id": uuid4()}))  # repeated: ignored
    probe = customer(name="Probe")  # handled after both (one queue): they are settled
    await bus.send(CustomerUpserted(customer_id=probe.customer_id, version=1, record=probe))
    await _recorded(bus, probe.customer_id, 1)

    assert await order_db.customers.find_one({"_id": record.customer_id}) == before
    recorded_events = bus.matching(
        "order.customer_recorded", lambda b: b["customer_id"] == record.customer_id
    )
    assert len(recorded_events) == 1
    assert await bus.dead_letter_count(CUSTOMER_QUEUE) == 0  # ignored, not an operator's task
    status, found = await asgi_get(order_service, "/customers", f"customer_id={record.customer_id}")
    assert status == 200
    assert (found["version"], found["record"]["name"]) == (newer.version, "Acme Ltd")
    assert [h["version"] for h in found["history"]] == [newer.version]


async def test_the_back_office_changes_a_record_on_the_version_it_read(
    bus: Bus, order_service: Any
) -> None:
    record = vendor()
    first = UpsertVendor(
        vendor_id=record.vendor_id, record=record, expected_version=0, changed_by="olga"
    )
    await bus.send(first, reply=True)
    assert (await bus.reply_for(first)).body["version"] == 1
    change = UpsertVendor(
        vendor_id=record.vendor_id,
        record=vendor(record.vendor_id, status="on_hold"),
        expected_version=1,
        changed_by="olga",
    )
    await bus.send(change, reply=True)
    assert (await bus.reply_for(change)).body["version"] == 2

    stale = UpsertVendor(
        vendor_id=record.vendor_id, record=record, expected_version=1, changed_by="olga"
    )
    refused = await _rejection(bus, stale)

    assert refused["reason"] == "stale_record"
    assert "at version 2" in refused["detail"]
    status, found = await asgi_get(order_service, "/vendors", f"vendor_id={record.vendor_id}")
    assert status == 200
    assert found["version"] == 2
    assert [(h["version"], h["fields"]) for h in found["history"]][1] == (2, ["status"])
    status, listed = await asgi_get(order_service, "/vendors", f"q={record.vendor_id}")
    assert [v["vendor_id"] for v in listed] == [record.vendor_id]
    assert listed[0]["status"] == "on_hold"


async def test_customers_are_searched_by_name_and_status(bus: Bus, order_service: Any) -> None:
    tag = unique("Zed")
    for kind in ("active", "blocked"):
        record = customer(name=f"{tag} {kind}", status=kind)
        upsert = UpsertCustomer(customer_id=record.customer_id, record=record, changed_by="olga")
        await bus.send(upsert, reply=True)
        await bus.reply_for(upsert)

    status, found = await asgi_get(order_service, "/customers", f"q={tag.lower()}&status=blocked")
    assert status == 200
    assert [c["name"] for c in found] == [f"{tag} blocked"]
    assert (await asgi_get(order_service, "/customers", "status=gone"))[0] == 400
    assert (await asgi_get(order_service, "/customers", "customer_id=nobody"))[0] == 404


async def test_an_unknown_customer_is_refused_at_a_refusing_branch(
    bus: Bus, order_service: Any, order_db: Any
) -> None:
    branch = await _branch(bus, UnknownParty.REFUSE)
    create = sales_order(branch_id=branch)

    refused = await _rejection(bus, create)

    assert refused["reason"] == "unknown_customer"
    assert f"Customer {create.customer_id} is not known to OMS" in refused["detail"]
    assert f"Branch {branch} refuses such orders" in refused["detail"]
    assert await order_db.orders.find_one({"_id": create.order_id}) is None


async def test_a_blocked_customer_s_order_is_flagged_at_an_allowing_branch(
    bus: Bus, order_service: Any
) -> None:
    branch = await _branch(bus, UnknownParty.ALLOW)
    record = customer(status="blocked", currency="EUR", payment_terms_days=30)
    upsert = UpsertCustomer(customer_id=record.customer_id, record=record, changed_by="olga")
    await bus.send(upsert, reply=True)
    await bus.reply_for(upsert)
    create = sales_order(branch_id=branch, customer_id=record.customer_id, currency="USD")

    await bus.send(create, reply=True)

    created = (await bus.reply_for(create)).body
    assert [f["reason"] for f in created["flags"]] == ["customer_blocked", "currency_mismatch"]
    assert "(Acme) is blocked" in created["flags"][0]["detail"]
    assert created["payment_terms_days"] == 30
    # Changed into the customer's currency, the order keeps only what is still wrong.
    update = UpdateOrder(order_id=create.order_id, updated_by="bob", currency="EUR")
    await bus.send(update, reply=True)
    updated = (await bus.reply_for(update)).body
    assert [f["reason"] for f in updated["flags"]] == ["customer_blocked"]
    submit = SubmitOrder(order_id=create.order_id, submitted_by="bob")
    await bus.send(submit, reply=True)
    assert [f["reason"] for f in (await bus.reply_for(submit)).body["flags"]] == [
        "customer_blocked"
    ]


async def test_a_customer_blocked_after_the_order_was_made_is_refused_at_submit(
    bus: Bus, order_service: Any
) -> None:
    branch = await _branch(bus, UnknownParty.REFUSE)
    record = vendor()
    await bus.send(UpsertVendor(vendor_id=record.vendor_id, record=record, changed_by="olga"))
    await bus.wait_for("order.vendor_recorded", lambda b: b["vendor_id"] == record.vendor_id)
    create = purchase_order(branch_id=branch, vendor_id=record.vendor_id)
    await bus.send(create, reply=True)
    assert (await bus.reply_for(create)).body["flags"] == []
    blocked = UpsertVendor(
        vendor_id=record.vendor_id,
        record=vendor(record.vendor_id, status="blocked"),
        changed_by="olga",
    )
    await bus.send(blocked, reply=True)
    await bus.reply_for(blocked)

    refused = await _rejection(bus, SubmitOrder(order_id=create.order_id, submitted_by="alice"))

    assert refused["reason"] == "vendor_blocked"
    assert f"Vendor {record.vendor_id} (Parts Inc) is blocked" in refused["detail"]


async def test_an_exempt_customer_s_order_carries_no_tax(bus: Bus, order_service: Any) -> None:
    code = unique("VAT")
    rate = DefineTaxRate(code=code, name="VAT", rate=Decimal(20), defined_by="olga")
    await bus.send(rate, reply=True)
    await bus.reply_for(rate)
    valid = TaxExemption(certificate_id="EX-42", expires_on=utcnow().date())
    record = customer(currency="EUR", tax_exemption=valid)
    await bus.send(CustomerUpserted(customer_id=record.customer_id, version=1, record=record))
    await _recorded(bus, record.customer_id, 1)
    line = OrderLineInput(
        sku="SKU-9", quantity=Decimal(2), unit_price=Decimal(100), tax_codes=[code]
    )
    exempt = sales_order(customer_id=record.customer_id, lines=[line])
    taxed = sales_order(lines=[line])

    for create in (exempt, taxed):
        await bus.send(create, reply=True)

    exempt_pricing = (await bus.reply_for(exempt)).body["pricing"]
    taxed_pricing = (await bus.reply_for(taxed)).body["pricing"]
    assert Decimal(exempt_pricing["tax_total"]) == 0
    assert Decimal(exempt_pricing["grand_total"]) == Decimal(200)
    assert exempt_pricing["tax_exemption"] == "EX-42"
    assert Decimal(taxed_pricing["tax_total"]) == Decimal(40)
    assert taxed_pricing.get("tax_exemption") is None


async def test_bad_records_are_refused_or_ignored_and_nothing_is_stored(
    bus: Bus, order_service: Any, order_db: Any
) -> None:
    expired = TaxExemption(certificate_id="EX-1", expires_on=utcnow().date() - timedelta(days=1))
    record = customer(tax_exemption=expired)
    refused = await _rejection(
        bus, UpsertCustomer(customer_id=record.customer_id, record=record, changed_by="olga")
    )
    assert refused["reason"] == "exemption_expired"
    assert "EX-1 expired on" in refused["detail"]
    late = customer(tax_exemption=expired)
    await bus.send(CustomerUpserted(customer_id=late.customer_id, version=1, record=late))
    probe = customer()  # handled after the late one (one queue): it is settled
    await bus.send(CustomerUpserted(customer_id=probe.customer_id, version=1, record=probe))
    await _recorded(bus, probe.customer_id, 1)
    assert await bus.dead_letter_count(CUSTOMER_QUEUE) == 0  # ignored and logged, not kept

    other_currency = json.loads(customer().model_dump_json())
    other_currency["credit_limit"] = {"amount": "5000", "currency": "EUR"}
    command_id = str(uuid4())
    command = {
        "message_id": command_id,
        "customer_id": other_currency["customer_id"],
        "record": other_currency,
        "changed_by": "tester",
    }
    await bus.send_raw(
        COMMANDS, "order.upsert_customer", json.dumps(command).encode(), message_id=command_id
    )
    [rejected] = await bus.wait_for(
        "order.command_rejected", lambda b: b["command_message_id"] == command_id
    )
    assert rejected.body["reason"] == "invalid_message"
    assert "credit_limit_currency" in rejected.body["detail"]
    assert "the credit limit is in EUR, the customer buys in USD" in rejected.body["detail"]

    event_id = str(uuid4())
    event = {
        "message_id": event_id,
        "customer_id": other_currency["customer_id"],
        "version": 3,
        "record": other_currency,
    }
    await bus.send_raw(EVENTS, "customer.upserted", json.dumps(event).encode(), message_id=event_id)
    [dead] = await bus.dead_letters(CUSTOMER_QUEUE)
    assert dead.message_id == event_id
    assert "credit_limit_currency" in dead.headers["x-oms-detail"]
    for customer_id in (other_currency["customer_id"], record.customer_id, late.customer_id):
        assert await order_db.customers.find_one({"_id": customer_id}) is None


async def test_an_order_that_names_no_branch_or_currency_takes_its_customer_s(
    bus: Bus, order_service: Any, order_db: Any
) -> None:
    branch = await _branch(bus, UnknownParty.REFUSE)
    record = customer(currency="EUR", branch_id=branch)
    upsert = UpsertCustomer(customer_id=record.customer_id, record=record, changed_by="olga")
    await bus.send(upsert, reply=True)
    assert (await bus.reply_for(upsert)).type == "CustomerRecorded"
    create = sales_order(customer_id=record.customer_id, branch_id=None, currency=None)

    await bus.send(create, reply=True)
    created = await bus.reply_for(create)

    assert created.type == "OrderCreated", created.body
    assert (created.body["branch_id"], created.body["currency"]) == (branch, "EUR")

    unknown = sales_order(branch_id=None, currency=None)
    refused = await _rejection(bus, unknown)
    assert refused["reason"] == "branch_required"
    assert f"customer {unknown.customer_id} is not known to OMS" in refused["detail"]
    assert await order_db.orders.find_one({"_id": unknown.order_id}) is None
    no_currency = sales_order(branch_id=branch, currency=None)
    assert (await _rejection(bus, no_currency))["reason"] == "currency_required"

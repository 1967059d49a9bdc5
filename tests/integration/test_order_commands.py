"""Order commands over the broker: answers, the submitted-order lock, invalid commands."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from shared.contracts import SubmitOrder, UpdateOrder
from shared.names import COMMANDS
from tests.support.bus import Bus
from tests.support.factories import lines, purchase_order, unique
from tests.support.services import asgi_get


async def test_create_is_answered_on_reply_to_and_published(bus: Bus, order_service: Any) -> None:
    create = purchase_order()
    await bus.send(create, reply=True)

    reply = await bus.reply_for(create)
    assert reply.routing_key == reply.routing_key  # delivered to our queue
    assert reply.type == "OrderCreated"
    assert reply.body["order_id"] == create.order_id
    assert Decimal(reply.body["total"]) == Decimal("104.97")
    [event] = await bus.wait_for("order.created", lambda b: b["order_id"] == create.order_id)
    assert event.message_id == reply.message_id
    assert event.correlation_id == create.order_id


async def test_update_after_submit_is_refused_and_the_order_is_unchanged(
    bus: Bus, order_service: Any, order_db: Any
) -> None:
    create = purchase_order()
    await bus.send(create)
    await bus.send(SubmitOrder(order_id=create.order_id, submitted_by="alice"))
    await bus.wait_for("order.submitted", lambda b: b["order_id"] == create.order_id)
    before = await order_db.orders.find_one({"_id": create.order_id})

    update = UpdateOrder(
        order_id=create.order_id, updated_by="alice", lines=lines(("SKU-1", "999", "1.00"))
    )
    await bus.send(update, reply=True)

    reply = await bus.reply_for(update)
    assert reply.body["reason"] == "order_locked"
    assert "locked" in reply.body["detail"]
    assert reply.body["command_message_id"] == str(update.message_id)
    [rejected] = await bus.wait_for(
        "order.command_rejected", lambda b: b["command_message_id"] == str(update.message_id)
    )
    assert rejected.body["service"] == "order"
    after = await order_db.orders.find_one({"_id": create.order_id})
    assert after == before


async def test_a_draft_can_be_updated(bus: Bus, order_service: Any, order_db: Any) -> None:
    create = purchase_order()
    await bus.send(create)
    update = UpdateOrder(
        order_id=create.order_id, updated_by="alice", lines=lines(("SKU-7", "4", "2.50"))
    )
    await bus.send(update)

    [event] = await bus.wait_for("order.updated", lambda b: b["order_id"] == create.order_id)
    assert Decimal(event.body["total"]) == Decimal("10.00")
    stored = await order_db.orders.find_one({"_id": create.order_id})
    assert [line["sku"] for line in stored["lines"]] == ["SKU-7"]
    assert stored["lines"][0]["quantity"] == Decimal("4")


async def test_unknown_order_is_rejected_with_a_reason(bus: Bus, order_service: Any) -> None:
    submit = SubmitOrder(order_id=unique("PO"), submitted_by="alice")
    await bus.send(submit, reply=True)

    reply = await bus.reply_for(submit)
    assert reply.body["reason"] == "unknown_order"
    assert submit.order_id in reply.body["detail"]


async def test_negative_quantity_is_answered_invalid_and_not_kept(
    bus: Bus, order_service: Any
) -> None:
    body = json.loads(purchase_order().model_dump_json())
    body["lines"][0]["quantity"] = "-5"
    mid = body["message_id"]
    await bus.send_raw(
        COMMANDS,
        "order.create_purchase_order",
        json.dumps(body).encode(),
        reply=True,
        message_id=mid,
    )

    [rejected] = await bus.wait_for(
        "order.command_rejected", lambda b: b["command_message_id"] == mid
    )
    assert rejected.body["reason"] == "invalid_message"
    assert "lines.0.quantity" in rejected.body["detail"]
    assert "greater than 0" in rejected.body["detail"]
    await bus.reply_for_id(mid)  # on reply_to too
    await bus.settle()
    assert await bus.dead_letter_count("order.commands") == 0  # the sender was told: not kept


async def test_a_missing_currency_with_no_vendor_record_to_take_it_from_is_rejected(
    bus: Bus, order_service: Any
) -> None:
    create = purchase_order(currency=None)
    await bus.send(create)

    [rejected] = await bus.wait_for(
        "order.command_rejected", lambda b: b["command_message_id"] == str(create.message_id)
    )
    assert rejected.body["reason"] == "currency_required"
    assert f"vendor {create.vendor_id} is not known to OMS" in rejected.body["detail"]


async def test_a_second_create_for_the_same_id_is_refused(bus: Bus, order_service: Any) -> None:
    create = purchase_order()
    await bus.send(create)
    again = create.model_copy(update={"message_id": purchase_order().message_id})
    await bus.send(again, reply=True)

    reply = await bus.reply_for(again)
    assert reply.body["reason"] == "order_exists"


async def test_log_lines_are_json_bound_to_the_message_and_its_business_ids(
    bus: Bus, order_service: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    body = json.loads(purchase_order().model_dump_json())
    body["currency"] = "dollars"
    await bus.send_raw(
        COMMANDS,
        "order.create_purchase_order",
        json.dumps(body).encode(),
        message_id=body["message_id"],
    )
    await bus.wait_for(
        "order.command_rejected", lambda b: b["command_message_id"] == body["message_id"]
    )

    lines = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    [invalid] = [line for line in lines if line["event"] == "command_invalid"]
    assert invalid["service"] == "order"
    assert invalid["message_id"] == body["message_id"]
    assert invalid["order_id"] == body["order_id"]
    assert invalid["queue"] == "order.commands"
    assert invalid["level"] == "warning"
    assert "currency" in invalid["detail"]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("unit_price", 19.99, "a JSON number is not accepted"),
        ("quantity", "1e3", "not a plain decimal"),
    ],
)
async def test_money_and_quantities_that_are_not_decimal_strings_are_rejected(
    bus: Bus, order_service: Any, field: str, value: object, says: str
) -> None:
    body = json.loads(purchase_order().model_dump_json())
    body["lines"][0][field] = value
    mid = body["message_id"]
    await bus.send_raw(COMMANDS, "order.create_purchase_order", json.dumps(body).encode())

    [rejected] = await bus.wait_for(
        "order.command_rejected", lambda b: b["command_message_id"] == mid
    )
    assert rejected.body["reason"] == "invalid_message"
    assert f"lines.0.{field}" in rejected.body["detail"]
    assert says in rejected.body["detail"]
    assert not bus.matching("order.created", lambda b: b["order_id"] == body["order_id"])


async def test_http_answers_use_event_timestamps_and_json_404s(
    bus: Bus, order_service: Any
) -> None:
    create = purchase_order()
    await bus.send(create, reply=True)
    [created] = [(await bus.reply_for(create)).body]
    status, order = await asgi_get(order_service, "/orders", f"order_id={create.order_id}")
    assert status == 200
    assert "T" in order["created_at"]  # ISO-8601, as in the events
    assert order["created_at"][:19] == created["occurred_at"][:19]
    status, missing = await asgi_get(order_service, "/no/such/path")
    assert (status, missing) == (404, {"error": "not_found", "path": "/no/such/path"})

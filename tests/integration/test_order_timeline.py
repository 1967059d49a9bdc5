"""An order's timeline starts with the document it came from: the quotation converted into it,
or the cart a storefront checked out, each entry naming who was behind it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from shared.contracts import (
    AcceptQuotation,
    ConvertQuotation,
    CreateQuotation,
    SendQuotation,
    SubmitOrder,
    utcnow,
)
from tests.support.bus import Bus
from tests.support.factories import lines, unique
from tests.support.flows import accepted
from tests.support.inventory import eventually
from tests.support.services import Environment, asgi_get
from tests.support.storefront import CartScript, Storefront, configure_storefront


async def timeline_of(app: Any, order_id: str, until: str) -> dict[str, Any]:
    async def shown() -> dict[str, Any]:
        status, body = await asgi_get(app, "/orders/timeline", f"order_id={order_id}")
        return dict(body) if status == 200 else {}

    return await eventually(
        shown,
        lambda body: until in [e["event"] for e in body.get("timeline", [])],
        what=f"{until} on the timeline of {order_id}",
    )


async def test_a_quotations_events_open_its_orders_timeline(
    bus: Bus, order_service: Any, approval_service: Any
) -> None:
    quotation_id = unique("Q")
    await accepted(
        bus,
        CreateQuotation(
            quotation_id=quotation_id,
            customer_id=unique("C"),
            branch_id="B1",
            created_by="sam",
            currency="EUR",
            lines=lines(("A", "2", "10.00")),
            valid_until=utcnow() + timedelta(days=30),
        ),
    )
    await accepted(bus, SendQuotation(quotation_id=quotation_id, sent_by="sam"))
    await accepted(bus, AcceptQuotation(quotation_id=quotation_id, accepted_by="kim"))
    await accepted(bus, ConvertQuotation(quotation_id=quotation_id, converted_by="otto"))
    order_id = f"SO-{quotation_id}"
    await accepted(bus, SubmitOrder(order_id=order_id, submitted_by="otto"))

    timeline = await timeline_of(order_service, order_id, "order.approved")
    assert timeline["came_from"] == [{"document": "quotation", "id": quotation_id}]
    told = [(e["document"], e["event"], e["by"]) for e in timeline["timeline"]]
    assert told[:5] == [
        ("quotation", "order.quotation_created", "sam"),
        ("quotation", "order.quotation_sent", "sam"),
        ("quotation", "order.quotation_accepted", "kim"),
        ("quotation", "order.quotation_converted", "otto"),
        ("order", "order.created", "otto"),
    ]
    approved = [e for e in timeline["timeline"] if e["event"] == "approval.approved"]
    assert [(e["by"], e["by_kind"]) for e in approved] == [("approval", "service")]  # no cycle


async def test_a_carts_events_open_the_timeline_of_its_order(
    env: Environment, bus: Bus, order_service: Any, approval_service: Any
) -> None:
    await configure_storefront(env.amqp_url)  # its price list prices the cart
    script = CartScript(unique("CART"))
    script.created()
    await asyncio.sleep(0.01)  # a storefront's events are moments apart, not in one millisecond
    script.added("A", "2", "10.00", name="Mug")
    await asyncio.sleep(0.01)
    script.checked_out()
    async with Storefront(env.amqp_url, "demo") as shop:
        await shop.publish_all(script.events)
    [converted] = await bus.wait_for(
        "order.cart_converted", lambda b: b["cart_id"] == script.cart_id
    )
    order_id = converted.body["order_id"]

    timeline = await timeline_of(order_service, order_id, "order.approved")
    assert timeline["came_from"] == [{"document": "cart", "id": script.cart_id}]
    cart = [
        (e["event"], e["by"], e["by_kind"]) for e in timeline["timeline"] if e["document"] == "cart"
    ]
    assert cart == [
        ("cart.demo.created", "storefront-demo", "storefront"),
        ("cart.demo.item_added", "storefront-demo", "storefront"),
        ("cart.demo.checked_out", "storefront-demo", "storefront"),
        ("order.cart_converted", "order", "service"),
    ]
    created = next(e for e in timeline["timeline"] if e["event"] == "order.created")
    assert (created["by"], created["by_kind"]) == ("storefront-demo", "storefront")

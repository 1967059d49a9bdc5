"""Storefront carts over the broker: events from a storefront's own user, in any order and
more than once; abandoned-cart reminders; checkout into a sales order; recovery figures."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from uuid import uuid4

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from services.notification.app import SERVICE as NOTIFICATION
from services.notification.settings import NotificationSettings
from services.order.app import SERVICE as ORDER
from services.order.settings import OrderSettings
from shared import names
from shared.contracts import (
    CartItemAdded,
    CreateSalesOrder,
    LocationDefined,
    MovementKind,
    OrderLineInput,
    SourceType,
    StockMoved,
)
from shared.runtime import build_app
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.inventory import eventually
from tests.support.services import Environment, asgi_get, running
from tests.support.smtp import SmtpServer
from tests.support.storefront import CartScript, Storefront, configure_storefront

D = Decimal
STEPS = [1.5, 3.0, 4.5]
"""Reminder steps in seconds (1 h, 24 h, 72 h in production), the scan every 0.2 s."""


def recovering(env: Environment, steps: list[float] = STEPS) -> OrderSettings:
    return OrderSettings(
        **env.settings("order"),
        cart_abandon_after_seconds=1.0,
        cart_recovery_steps_seconds=steps,
        cart_scan_interval_seconds=0.2,
    )


@pytest.fixture
async def orders(env: Environment) -> AsyncIterator[Any]:
    async with running(build_app(ORDER, recovering(env))) as app:
        await configure_storefront(env.amqp_url)
        yield app


@pytest.fixture
async def shop(env: Environment) -> AsyncIterator[Storefront]:
    async with Storefront(env.amqp_url, "demo") as connected:
        yield connected


async def cart_of(app: Any, cart_id: str, **expected: Any) -> dict[str, Any]:
    """The cart as the query shows it, once it shows ``expected``."""

    async def shown() -> dict[str, Any]:
        status, body = await asgi_get(app, "/carts", f"cart_id={cart_id}")
        return dict(body) if status == 200 else {}

    def wanted(body: dict[str, Any]) -> bool:
        return bool(body) and all(body.get(k) == v for k, v in expected.items())

    return await eventually(shown, wanted, what=f"cart {cart_id} showing {expected}")


def shopping(cart_id: str) -> CartScript:
    script = CartScript(cart_id)
    script.created()
    script.added("A", "2", "12.50", name="Mug")
    script.added("B", "1", "3.00")
    script.changed("A", "3")
    script.removed("B")
    script.added("C", "1", "2.00")
    script.added("A", "1", "12.50", name="Mug")
    return script


async def test_duplicated_and_reordered_events_give_the_same_cart(
    orders: Any, shop: Storefront
) -> None:
    in_order, shuffled = shopping(unique("CART")), shopping(unique("CART"))
    for event in in_order.events:
        await shop.publish(event)
    events = list(shuffled.events)
    random.Random(7).shuffle(events)
    # Each event twice, and one resent with a new message id: the sequence decides.
    resent = events[0].model_copy(update={"message_id": uuid4()})
    await shop.publish_all([*events, *reversed(events), resent])

    first = await cart_of(orders, in_order.cart_id, event_count=7)
    second = await cart_of(orders, shuffled.cart_id, event_count=7)
    assert first["items"] == second["items"]
    assert [(i["sku"], D(i["quantity"])) for i in first["items"]] == [
        ("A", D(4)),
        ("C", D(1)),
    ]
    assert D(first["value"]) == D(second["value"]) == D("52.00")
    assert second["missing_sequences"] == []


async def test_a_cart_event_on_another_storefronts_key_is_dead_lettered(
    orders: Any, bus: Bus
) -> None:
    event = CartItemAdded(
        storefront_id="web-eu",
        cart_id=unique("CART"),
        sequence=1,
        sku="A",
        quantity=D(1),
        unit_price=D(1),
    )
    await bus.send(event, routing_key="cart.demo.item_added")
    [dead] = await bus.dead_letters("order.cart-item-added")
    assert dead.headers["x-oms-reason"] == "wrong_routing_key"
    assert "cart.web-eu.item_added" in dead.headers["x-oms-detail"]


async def test_a_malformed_cart_event_is_dead_lettered_with_the_reason(
    orders: Any, bus: Bus
) -> None:
    body = b'{"storefront_id": "demo", "cart_id": "X1", "sequence": 0, "sku": "A"}'
    await bus.send_raw(names.EVENTS, "cart.demo.item_added", body)
    [dead] = await bus.dead_letters("order.cart-item-added")
    assert dead.headers["x-oms-reason"] == "invalid_message"
    assert "sequence" in dead.headers["x-oms-detail"]


async def refused(shop: Storefront, exchange: str, routing_key: str) -> bool:
    """Whether the broker refuses this storefront's publish (ACCESS_REFUSED closes the
    channel; the exchange is the one the services declared)."""
    channel = await shop.connection.channel(publisher_confirms=True)
    try:
        target = await channel.get_exchange(exchange, ensure=False)
        await target.publish(
            aio_pika.Message(b"{}", user_id=shop.user), routing_key=routing_key, timeout=5
        )
        await asyncio.sleep(0.2)
        await channel.declare_queue(exclusive=True, auto_delete=True)  # still open?
    except ChannelAccessRefused:
        return True
    finally:
        if not channel.is_closed:
            await channel.close()
    return False


async def test_a_storefront_connection_publishes_its_own_cart_events_only(
    env: Environment, orders: Any
) -> None:
    async with Storefront(env.amqp_url, "demo") as shop:
        assert not await refused(shop, names.EVENTS, "cart.demo.created")
        assert await refused(shop, names.EVENTS, "cart.web-eu.created")
        assert await refused(shop, names.COMMANDS, CreateSalesOrder.routing_key)
        assert await refused(shop, names.COMMANDS, "order.submit")
        assert await refused(shop, names.COMMANDS, "approval.approve")
        assert await refused(shop, names.EVENTS, "approval.approved")
        assert await refused(shop, names.EVENTS, "order.created")


async def abandoned(shop: Storefront, cart_id: str, *, sku: str = "A") -> CartScript:
    script = CartScript(cart_id)
    script.created()
    script.added(sku, "2", "12.50", name="Teapot")
    script.identified(f"{cart_id.lower()}@example.com")
    await shop.publish_all(script.events)
    return script


def reminders(bus: Bus, cart_id: str) -> list[int]:
    return [
        m.body["step"]
        for m in bus.matching("order.cart_recovery_due", lambda b: b["cart_id"] == cart_id)
    ]


async def test_an_idle_cart_gets_each_reminder_once_with_its_contents(
    orders: Any, shop: Storefront, bus: Bus
) -> None:
    cart_id = unique("CART")
    await abandoned(shop, cart_id)
    sent = await bus.wait_for(
        "order.cart_recovery_due", lambda b: b["cart_id"] == cart_id, count=3, timeout=15
    )
    await bus.settle(1.0)
    assert reminders(bus, cart_id) == [1, 2, 3]
    first = sent[0].body
    assert first["email"] == f"{cart_id.lower()}@example.com"
    assert first["cart_url"] == f"https://shop.example/cart/{cart_id}"
    assert [(i["sku"], D(i["quantity"]), i["name"]) for i in first["items"]] == [
        ("A", D(2), "Teapot")
    ]
    assert D(first["total"]) == D("25.00")


async def test_checkout_between_steps_stops_the_sequence_and_counts_a_recovery(
    orders: Any, shop: Storefront, bus: Bus
) -> None:
    cart_id = unique("CART")
    script = await abandoned(shop, cart_id)
    await bus.wait_for("order.cart_recovery_due", lambda b: b["cart_id"] == cart_id)
    await shop.publish(script.checked_out())

    [converted] = await bus.wait_for("order.cart_converted", lambda b: b["cart_id"] == cart_id)
    order_id = converted.body["order_id"]
    assert converted.body["recovered_after_step"] == 1
    [created] = await bus.wait_for("order.created", lambda b: b["order_id"] == order_id)
    assert created.body["kind"] == "sales"
    assert D(created.body["total"]) == D("25.00")
    await bus.wait_for("order.submitted", lambda b: b["order_id"] == order_id)
    await bus.settle(STEPS[-1])
    assert reminders(bus, cart_id) == [1]

    cart = await cart_of(orders, cart_id, status="checked_out")
    assert cart["order_id"] == order_id
    _, order = await asgi_get(orders, "/orders", f"order_id={order_id}")
    assert (order["party_id"], order["notes"]) == (
        f"C-{cart_id}",
        f"Storefront demo, cart {cart_id}",
    )
    status, figures = await asgi_get(orders, "/carts/recovery", "storefront_id=demo")
    assert status == 200
    assert figures["recovered"] >= 1
    assert figures["abandoned"] >= figures["recovered"]
    [step_one] = [s for s in figures["steps"] if s["step"] == 1]
    assert D(step_one["revenue"]) >= D("25.00")


async def test_a_change_restarts_the_sequence(env: Environment, shop: Storefront, bus: Bus) -> None:
    async with running(build_app(ORDER, recovering(env, [1.5, 5.0]))):
        await configure_storefront(env.amqp_url)
        cart_id = unique("CART")
        script = await abandoned(shop, cart_id)
        await bus.wait_for("order.cart_recovery_due", lambda b: b["cart_id"] == cart_id)
        await shop.publish(script.added("B", "1", "3.00", name="Cup"))
        # The round starts again at step 1, with the new contents (not step 2 of the old one).
        again = await bus.wait_for(
            "order.cart_recovery_due", lambda b: b["cart_id"] == cart_id, count=2, timeout=8
        )
        assert reminders(bus, cart_id) == [1, 1]
        assert sorted(i["sku"] for i in again[1].body["items"]) == ["A", "B"]
        assert D(again[1].body["total"]) == D("28.00")


async def test_an_out_of_stock_item_holds_the_reminder_until_stock_is_back(
    orders: Any, shop: Storefront, bus: Bus
) -> None:
    branch, location, sku = unique("BR"), unique("LOC"), unique("SKU")
    await bus.send(
        LocationDefined(location_id=location, branch_id=branch, warehouse="W", sales_location=True)
    )
    await bus.send(moved(sku, location, branch, on_hand="1", sequence=1))
    cart_id = unique("CART")
    script = CartScript(cart_id)
    script.created(branch_id=branch)
    script.added(sku, "2", "4.00")
    script.identified("held@example.com")
    await shop.publish_all(script.events)

    cart = await cart_of(orders, cart_id, in_stock={sku: False})
    assert cart["in_stock"] == {sku: False}
    await bus.settle(STEPS[0] + 1.0)
    assert reminders(bus, cart_id) == []

    await bus.send(moved(sku, location, branch, on_hand="5", sequence=2))
    await bus.wait_for("order.cart_recovery_due", lambda b: b["cart_id"] == cart_id, timeout=8)


def moved(sku: str, location: str, branch: str, *, on_hand: str, sequence: int) -> StockMoved:
    return StockMoved(
        movement_id=unique("M"),
        kind=MovementKind.OPENING,
        sku=sku,
        location_id=location,
        branch_id=branch,
        on_hand_change=D(on_hand),
        reserved_change=D(0),
        on_hand_after=D(on_hand),
        reserved_after=D(0),
        source_type=SourceType.OPENING_BALANCE,
        source_id="opening",
        sequence=sequence,
    )


async def test_an_opted_out_customer_gets_no_reminder(
    orders: Any, shop: Storefront, bus: Bus
) -> None:
    cart_id = unique("CART")
    script = CartScript(cart_id)
    script.created()
    script.added("A", "1", "1.00")
    script.identified("no@example.com", opted_in=False)
    await shop.publish_all(script.events)
    await cart_of(orders, cart_id, recovery_emails=False)
    await bus.settle(STEPS[0] + 1.0)
    assert reminders(bus, cart_id) == []


async def test_a_checkout_waits_for_the_events_before_it(
    orders: Any, shop: Storefront, bus: Bus
) -> None:
    script = shopping(unique("CART"))
    checkout = script.checked_out()
    late = script.events[3]  # the quantity change arrives after the checkout
    await shop.publish_all([e for e in script.events if e not in (late, checkout)])
    await shop.publish(checkout)
    await bus.settle(0.5)
    assert not bus.matching("order.cart_converted", lambda b: b["cart_id"] == script.cart_id)
    await shop.publish(late)
    [converted] = await bus.wait_for(
        "order.cart_converted", lambda b: b["cart_id"] == script.cart_id
    )
    assert D(converted.body["total"]) == D("52.00")
    assert converted.body["recovered_after_step"] is None
    [created] = await bus.wait_for(
        "order.created", lambda b: b["order_id"] == converted.body["order_id"]
    )
    lines = [OrderLineInput.model_validate(line) for line in created.body["lines"]]
    assert [(line.sku, line.quantity) for line in lines] == [("A", D(4)), ("C", D(1))]


async def test_the_customer_is_emailed_each_reminder_once_with_the_cart_and_its_link(
    env: Environment, shop: Storefront, bus: Bus
) -> None:
    smtp = SmtpServer().start()
    try:
        notification = NotificationSettings(
            **env.settings("notification"), smtp_port=smtp.port, dispatch_interval_seconds=0.2
        )
        async with (
            running(build_app(ORDER, recovering(env, [1.5, 3.0]))),
            running(build_app(NOTIFICATION, notification)),
        ):
            await configure_storefront(env.amqp_url)
            cart_id = unique("CART")
            await abandoned(shop, cart_id)
            address = f"{cart_id.lower()}@example.com"
            first, second = await smtp.wait_for(address, count=2, timeout=15)
            await bus.settle(1.0)
            assert len(smtp.to(address)) == 2
    finally:
        smtp.stop()
    assert first.subject == "You left something in your cart"
    assert second.subject == "Your cart is still waiting"
    assert "2 x Teapot (A) at 12.50" in first.body
    assert "Total: 25.00 USD" in first.body
    assert f"https://shop.example/cart/{cart_id}" in first.body


async def test_two_replicas_send_each_reminder_once(
    env: Environment, shop: Storefront, bus: Bus
) -> None:
    async with (
        running(build_app(ORDER, recovering(env, [1.5, 3.0]))),
        running(build_app(ORDER, recovering(env, [1.5, 3.0]))),
    ):
        await configure_storefront(env.amqp_url)
        carts = [unique("CART") for _ in range(5)]
        for cart_id in carts:
            await abandoned(shop, cart_id)
        await bus.wait_for(
            "order.cart_recovery_due",
            lambda b: b["cart_id"] in carts and b["step"] == 2,
            count=5,
            timeout=15,
        )
        await bus.settle(1.0)
    for cart_id in carts:
        assert reminders(bus, cart_id) == [1, 2]

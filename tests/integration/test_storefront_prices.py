"""Over the broker: a storefront's prices are information, its price list decides; an item the
list does not know is refused or held; a cleared cart is not active; a refused checkout says
what happened, item by item."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.order.app import SERVICE as ORDER
from services.order.settings import OrderSettings
from shared.contracts import (
    CartCustomerIdentified,
    ConfigureBranch,
    ConfigureStorefront,
    CreateSalesOrder,
    ItemDefined,
    LocationDefined,
    MovementKind,
    PricingTerms,
    ReservedLine,
    SourceType,
    StockMoved,
    StockReserved,
    StockStatus,
    SubmitOrder,
    UnknownItemPolicy,
    WhenStockShort,
)
from shared.runtime import build_app
from shared.storage.mongo import Document
from tests.support.bus import Bus, having
from tests.support.factories import lines, unique
from tests.support.inventory import eventually
from tests.support.services import Environment, asgi_get, running
from tests.support.storefront import CartScript, Storefront, configure_storefront

D = Decimal


@pytest.fixture
async def orders(env: Environment) -> AsyncIterator[Any]:
    async with running(build_app(ORDER, OrderSettings(**env.settings("order")))) as app:
        yield app


@pytest.fixture
async def shop(env: Environment) -> AsyncIterator[Storefront]:
    async with Storefront(env.amqp_url, "demo") as connected:
        yield connected


async def cart_of(app: Any, cart_id: str, **expected: Any) -> dict[str, Any]:
    async def shown() -> dict[str, Any]:
        status, body = await asgi_get(app, "/carts", f"cart_id={cart_id}")
        return dict(body) if status == 200 else {}

    return await eventually(
        shown,
        lambda body: bool(body) and all(body.get(k) == v for k, v in expected.items()),
        what=f"cart {cart_id} showing {expected}",
    )


async def test_a_cart_is_priced_from_the_price_list_and_the_storefront_price_kept(
    env: Environment, orders: Any, shop: Storefront, bus: Bus
) -> None:
    await configure_storefront(env.amqp_url, storefront_id=shop.storefront_id)
    script = CartScript(unique("CART"), shop.storefront_id)
    script.created()
    script.added("A", "2", "0.01", name="Mug")  # the list says 12.50
    script.added("C", "1", "2.00")
    await shop.publish_all(script.events)

    cart = await cart_of(orders, script.cart_id, event_count=3)
    assert D(cart["value"]) == D("27.00")
    a, c = cart["items"]
    assert (D(a["unit_price"]), D(a["storefront_unit_price"]), D(a["price_difference"])) == (
        D("12.50"),
        D("0.01"),
        D("-12.49"),
    )
    assert D(c["price_difference"]) == 0

    await shop.publish(script.checked_out())
    [converted] = await bus.wait_for("order.cart_converted", having(cart_id=script.cart_id))
    assert D(converted.body["total"]) == D("27.00")
    assert [
        (d["sku"], D(d["unit_price"]), D(d["storefront_unit_price"]))
        for d in converted.body["price_differences"]
    ] == [("A", D("12.50"), D("0.01"))]
    [created] = await bus.wait_for("order.created", having(order_id=f"SO-{script.cart_id}"))
    assert D(created.body["total"]) == D("27.00")
    assert [
        (line["sku"], D(line["unit_price"]), D(line["storefront_unit_price"]))
        for line in created.body["lines"]
    ] == [("A", D("12.50"), D("0.01")), ("C", D("2.00"), D("2.00"))]
    await bus.wait_for("order.submitted", having(order_id=f"SO-{script.cart_id}"))


async def test_an_unknown_item_refuses_the_checkout_naming_it(
    env: Environment, orders: Any, shop: Storefront, bus: Bus
) -> None:
    await configure_storefront(env.amqp_url, storefront_id=shop.storefront_id)
    script = CartScript(unique("CART"), shop.storefront_id)
    script.created()
    script.added("A", "1", "12.50")
    script.added("GHOST", "1", "0.01")
    script.checked_out()
    await shop.publish_all(script.events)

    [failed] = await bus.wait_for("order.cart_checkout_failed", having(cart_id=script.cart_id))
    assert failed.body["reason"] == "unknown_item"
    assert "does not know GHOST" in failed.body["detail"]
    cart = await cart_of(orders, script.cart_id, status="checkout_failed")
    assert cart["checkout_refusal"] == "unknown_item"
    assert not bus.matching("order.created", having(order_id=f"SO-{script.cart_id}"))


async def test_under_hold_the_order_is_made_and_waits_for_a_person(
    env: Environment, orders: Any, shop: Storefront, bus: Bus
) -> None:
    await configure_storefront(
        env.amqp_url, storefront_id=shop.storefront_id, unknown_item=UnknownItemPolicy.HOLD
    )
    script = CartScript(unique("CART"), shop.storefront_id)
    script.created()
    script.added("A", "1", "12.50")
    script.added("GHOST", "2", "7.00")
    script.checked_out()
    await shop.publish_all(script.events)

    [converted] = await bus.wait_for("order.cart_converted", having(cart_id=script.cart_id))
    assert converted.body["held_items"] == ["GHOST"]
    order_id = converted.body["order_id"]
    [created] = await bus.wait_for("order.created", having(order_id=order_id))
    assert created.body["held_items"] == ["GHOST"]
    await bus.settle(0.5)
    assert not bus.matching("order.submitted", having(order_id=order_id))
    _, order = await asgi_get(orders, "/orders", f"order_id={order_id}")
    assert order["status"] == "draft"

    submit = SubmitOrder(order_id=order_id, submitted_by="ann")
    await bus.send(submit, reply=True)
    refusal = await bus.reply_for(submit)
    assert refusal.body["reason"] == "items_held"


async def test_the_storefront_callers_sales_order_takes_the_price_list_price(
    env: Environment, orders: Any
) -> None:
    async with Bus(env.amqp_url, user="storefront") as storefront:
        unconfigured = CreateSalesOrder(
            order_id=unique("SO"),
            customer_id="C-1",
            branch_id="BR",
            created_by="storefront",
            currency="USD",
            lines=lines(("A", "1", "0.01")),
        )
        await storefront.send(unconfigured, reply=True)
        refusal = await storefront.reply_for(unconfigured)
        assert refusal.body["reason"] == "storefront_not_configured"

        await configure_storefront(env.amqp_url, storefront_id="storefront")
        cheap = unconfigured.model_copy(update={"order_id": unique("SO"), "message_id": uuid4()})
        await storefront.send(cheap, reply=True)
        created = await storefront.reply_for(cheap)
        assert created.type == "OrderCreated"
        [line] = created.body["lines"]
        assert (D(line["unit_price"]), D(line["storefront_unit_price"])) == (
            D("12.50"),
            D("0.01"),
        )
        assert D(created.body["total"]) == D("12.50")

        unknown = unconfigured.model_copy(
            update={
                "order_id": unique("SO"),
                "message_id": uuid4(),
                "lines": lines(("GHOST", "1", "1.00")),
            }
        )
        await storefront.send(unknown, reply=True)
        assert (await storefront.reply_for(unknown)).body["reason"] == "unknown_item"

        # Its own tax basis would lower what the list's prices come to: refused, as discounts.
        gross = unconfigured.model_copy(
            update={
                "order_id": unique("SO"),
                "message_id": uuid4(),
                "pricing": PricingTerms(prices_include_tax=True),
            }
        )
        await storefront.send(gross, reply=True)
        refused = await storefront.reply_for(gross)
        assert refused.body["reason"] == "not_allowed"
        assert "prices_include_tax" in refused.body["detail"]


async def test_configuring_a_storefront_needs_an_existing_price_list(orders: Any, bus: Bus) -> None:
    configure = ConfigureStorefront(
        storefront_id="web", price_list_id=unique("NOPE"), configured_by="olga"
    )
    await bus.send(configure, reply=True)
    refusal = await bus.reply_for(configure)
    assert refusal.body["reason"] == "unknown_price_list"


async def test_a_cleared_cart_is_cleared_and_not_listed_as_active(
    env: Environment, orders: Any, shop: Storefront
) -> None:
    await configure_storefront(env.amqp_url, storefront_id=shop.storefront_id)
    customer = unique("CUST")
    kept, cleared = (CartScript(unique("CART"), shop.storefront_id) for _ in range(2))
    for script in (kept, cleared):
        script.created()
        script._add(CartCustomerIdentified, customer_id=customer, email="c@example.com")
        script.added("A", "1", "12.50")
    cleared.cleared()
    await shop.publish_all([*kept.events, *cleared.events])

    await cart_of(orders, cleared.cart_id, status="cleared", items=[])
    await cart_of(orders, kept.cart_id, status="open")
    for query in (f"storefront_id={shop.storefront_id}", f"customer_id={customer}"):
        _, listed = await asgi_get(orders, "/carts", query)
        assert [c["cart_id"] for c in listed] == [kept.cart_id]
    _, listed = await asgi_get(orders, "/carts", f"customer_id={customer}&status=cleared")
    assert [c["cart_id"] for c in listed] == [cleared.cart_id]


async def test_a_checkout_refused_for_stock_names_each_item_wanted_and_available(
    env: Environment, orders: Any, shop: Storefront, bus: Bus
) -> None:
    branch, location = unique("BR"), unique("LOC")
    await configure_storefront(
        env.amqp_url,
        prices=(("A", "12.50"), ("C", "2.00")),
        storefront_id=shop.storefront_id,
    )
    configure = ConfigureBranch(
        branch_id=branch, when_stock_short=WhenStockShort.REFUSE, configured_by="olga"
    )
    await bus.send(configure, reply=True)
    await bus.reply_for(configure)
    await bus.send(
        LocationDefined(location_id=location, branch_id=branch, warehouse="W", sales_location=True)
    )
    for n, (sku, on_hand) in enumerate((("A", "1"), ("C", "9")), start=1):
        await bus.send(moved(sku, location, branch, on_hand=on_hand, sequence=n))
    script = CartScript(unique("CART"), shop.storefront_id)
    script.created(branch_id=branch)
    script.added("A", "3", "12.50")
    script.added("C", "1", "2.00")
    await shop.publish_all(script.events)
    await cart_of(orders, script.cart_id, in_stock={"A": False, "C": True})
    await shop.publish(script.checked_out())

    [failed] = await bus.wait_for("order.cart_checkout_failed", having(cart_id=script.cart_id))
    assert failed.body["reason"] == "insufficient_stock"
    assert [(s["sku"], D(s["requested"]), D(s["available"])) for s in failed.body["shortages"]] == [
        ("A", D(3), D(1))
    ]
    assert "A: 3 requested, 1 available" in failed.body["detail"]
    cart = await cart_of(orders, script.cart_id, status="checkout_failed")
    assert cart["checkout_refusal"] == "insufficient_stock"
    assert [(s["sku"], D(s["available"])) for s in cart["checkout_shortages"]] == [("A", D(1))]


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


@pytest.mark.parametrize("held", ["3", "1"])
async def test_a_cart_at_a_refusing_branch_checks_out_once_inventory_held_its_stock(
    env: Environment, orders: Any, shop: Storefront, bus: Bus, held: str
) -> None:
    """The order service's stock figures pass the order; inventory's hold (played here) decides:
    all held, the cart is checked out; short, the checkout fails naming the item."""
    branch, location = unique("BR"), unique("LOC")
    await configure_storefront(env.amqp_url, storefront_id=shop.storefront_id)
    configure = ConfigureBranch(
        branch_id=branch, when_stock_short=WhenStockShort.REFUSE, configured_by="olga"
    )
    await bus.send(configure, reply=True)
    await bus.reply_for(configure)
    await bus.send(
        LocationDefined(location_id=location, branch_id=branch, warehouse="W", sales_location=True)
    )
    await bus.send(moved("A", location, branch, on_hand="5", sequence=1))
    script = CartScript(unique("CART"), shop.storefront_id)
    script.created(branch_id=branch)
    script.added("A", "3", "12.50")
    await shop.publish_all(script.events)
    await cart_of(orders, script.cart_id, in_stock={"A": True})
    await shop.publish(script.checked_out())

    order_id = f"SO-{script.cart_id}"
    [asked] = await bus.wait_for("order.stock_hold_requested", having(order_id=order_id))
    assert asked.body["cart_id"] == script.cart_id
    await cart_of(orders, script.cart_id, status="checking_out")
    short = held != "3"
    await bus.send(
        StockReserved(
            order_id=order_id,
            attempt=1,
            location_id=location,
            lines=[ReservedLine(sku="A", needed=D(3), reserved=D(held))],
            stock_status=StockStatus.SHORT if short else StockStatus.CONFIRMED,
            expires_at=None,
        )
    )
    if short:
        [failed] = await bus.wait_for("order.cart_checkout_failed", having(cart_id=script.cart_id))
        assert failed.body["reason"] == "insufficient_stock"
        assert [(s["sku"], s["requested"], s["available"]) for s in failed.body["shortages"]] == [
            ("A", "3", "1")
        ]
        await cart_of(orders, script.cart_id, status="checkout_failed")
        _, order = await asgi_get(orders, "/orders", f"order_id={order_id}")
        assert order["status"] == "draft"
    else:
        await bus.wait_for("order.submitted", having(order_id=order_id))
        await bus.wait_for("order.cart_converted", having(cart_id=script.cart_id))
        await cart_of(orders, script.cart_id, status="checked_out", order_id=order_id)


async def test_a_cart_with_a_quantity_finer_than_its_item_fails_checkout_naming_it(
    env: Environment, orders: Any, shop: Storefront, bus: Bus, order_db: AsyncDatabase[Document]
) -> None:
    await configure_storefront(env.amqp_url, storefront_id=shop.storefront_id)
    await bus.send(ItemDefined(sku="A", name="Rope", unit_of_measure="m", decimal_places=1))
    script = CartScript(unique("CART"), shop.storefront_id)
    script.created()
    script.added("A", "0.25", "12.50")
    script.checked_out()
    await eventually(
        lambda: order_db["items"].find_one({"_id": "A"}),
        lambda doc: doc is not None,
        what="the order service to learn the item",
    )
    await shop.publish_all(script.events)
    [failed] = await bus.wait_for("order.cart_checkout_failed", having(cart_id=script.cart_id))
    assert failed.body["reason"] == "invalid_quantity"
    assert failed.body["detail"] == (
        "line 1: 0.25 m of A is finer than A is counted in (1 decimal place)."
    )


async def test_a_storefronts_settings_are_read_back(env: Environment, orders: Any) -> None:
    await configure_storefront(
        env.amqp_url, storefront_id="web-qa", unknown_item=UnknownItemPolicy.HOLD
    )
    status, found = await asgi_get(orders, "/storefronts", "storefront_id=web-qa")
    assert status == 200
    assert (found["storefront_id"], found["unknown_item"]) == ("web-qa", "hold")
    assert found["price_list_id"].startswith("WEB")
    _, every = await asgi_get(orders, "/storefronts")
    assert "web-qa" in [s["storefront_id"] for s in every]
    status, _ = await asgi_get(orders, "/storefronts", "storefront_id=nowhere")
    assert status == 404
    status, _ = await asgi_get(orders, "/storefronts", caller="storefront-demo")
    assert status == 403  # a storefront reads its carts and orders only

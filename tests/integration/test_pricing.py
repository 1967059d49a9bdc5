"""Pricing over the broker: tax rates and price lists defined by commands, and priced orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import DefinePriceList, DefineTaxRate, ItemPrice
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.services import asgi_get

D = Decimal


def tax_rate(code: str, rate: str, name: str = "State") -> DefineTaxRate:
    return DefineTaxRate(code=code, name=name, rate=D(rate), defined_by="olga")


def price_list(
    price_list_id: str, *prices: tuple[str, str], currency: str = "USD"
) -> DefinePriceList:
    return DefinePriceList(
        price_list_id=price_list_id,
        name="Retail",
        currency=currency,
        prices=[ItemPrice(sku=sku, unit_price=D(price)) for sku, price in prices],
        defined_by="olga",
    )


async def ask(bus: Bus, command: Any) -> dict[str, Any]:
    await bus.send(command, reply=True)
    reply = await bus.reply_for(command)
    assert reply.type != "CommandRejected", reply.body
    return reply.body


async def test_a_redefined_tax_rate_is_a_new_version_and_both_are_listed(
    bus: Bus, order_service: Any
) -> None:
    code = unique("ST")
    first = await ask(bus, tax_rate(code, "6.25"))
    second = await ask(bus, tax_rate(code, "7", name="State 2027"))
    assert (first["version"], D(first["rate"])) == (1, D("6.25"))
    assert (second["version"], D(second["rate"]), second["name"]) == (2, D("7"), "State 2027")
    [event] = await bus.wait_for("order.tax_rate_defined", lambda b: b["version"] == 2)
    assert event.body["code"] == code

    status, listed = await asgi_get(order_service, "/tax-rates")
    assert status == 200
    [mine] = [rate for rate in listed if rate["code"] == code]
    assert [(v["version"], D(v["rate"])) for v in mine["versions"]] == [(1, D("6.25")), (2, D(7))]


async def test_a_price_list_is_defined_and_queried(bus: Bus, order_service: Any) -> None:
    list_id = unique("PL")
    answer = await ask(bus, price_list(list_id, ("A", "1.50"), ("B", "2.00")))
    assert (answer["revision"], answer["currency"]) == (1, "USD")

    status, found = await asgi_get(order_service, "/price-lists", f"price_list_id={list_id}")
    assert status == 200
    assert found["price_list_id"] == list_id
    assert [(p["sku"], D(p["unit_price"])) for p in found["prices"]] == [
        ("A", D("1.50")),
        ("B", D("2.00")),
    ]
    status, every = await asgi_get(order_service, "/price-lists")
    assert status == 200
    assert [(p["price_list_id"], "prices" in p) for p in every] == [(list_id, False)]
    assert (await asgi_get(order_service, "/price-lists", "price_list_id=nope"))[0] == 404


async def test_a_price_list_naming_a_sku_twice_is_refused(bus: Bus, order_service: Any) -> None:
    command = price_list(unique("PL"), ("A", "1"), ("A", "2"))
    await bus.send(command, reply=True)
    reply = await bus.reply_for(command)
    assert reply.body["reason"] == "invalid_price_list"

"""Pricing over the broker: tax rates and price lists defined by commands, and priced orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts import (
    DefinePriceList,
    DefineTaxRate,
    Discount,
    DiscountKind,
    ItemPrice,
    OrderLineInput,
    PricingTerms,
    SubmitOrder,
)
from tests.support.bus import Bus
from tests.support.factories import sales_order, unique
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


async def test_a_taxed_discounted_sales_order_carries_its_totals_and_keeps_its_rates(
    bus: Bus, order_service: Any
) -> None:
    state, city, list_id = unique("ST"), unique("CITY"), unique("PL")
    await ask(bus, tax_rate(state, "6.25"))
    await ask(bus, tax_rate(city, "2.5", name="City"))
    await ask(bus, price_list(list_id, ("WIDGET", "50.00")))
    create = sales_order(
        currency="USD",
        lines=[
            OrderLineInput(sku="WIDGET", quantity=D(2), tax_codes=[state, city]),
            OrderLineInput(
                sku="GADGET",
                quantity=D(1),
                unit_price=D("100.00"),
                tax_codes=[state],
                discount=Discount(kind=DiscountKind.PERCENT, value=D("10")),
            ),
        ],
        pricing=PricingTerms(
            price_list_id=list_id, discount=Discount(kind=DiscountKind.AMOUNT, value=D("19.00"))
        ),
    )
    created = await ask(bus, create)

    # 100.00 + 90.00 after the line discount; 19.00 off shared 10.00 / 9.00; taxes on the rest
    pricing = created["pricing"]
    assert [D(line["unit_price"]) for line in created["lines"]] == [D("50.00"), D("100.00")]
    assert [D(line["document_discount"]) for line in pricing["lines"]] == [D(10), D(9)]
    assert {t["code"]: (D(t["base"]), D(t["tax"]), t["version"]) for t in pricing["taxes"]} == {
        state: (D("171.00"), D("10.69"), 1),  # 10.6875
        city: (D("90.00"), D("2.25"), 1),
    }
    assert (D(pricing["subtotal"]), D(pricing["discount_total"])) == (D(200), D(29))
    assert (D(pricing["net_total"]), D(pricing["tax_total"])) == (D(171), D("12.94"))
    assert D(created["total"]) == D(pricing["grand_total"]) == D("183.94")
    [event] = await bus.wait_for("order.created", lambda b: b["order_id"] == create.order_id)
    assert event.body["pricing"] == pricing

    await ask(bus, tax_rate(state, "7"))  # a new version: the order keeps the one it has
    status, stored = await asgi_get(order_service, "/orders", f"order_id={create.order_id}")
    assert status == 200
    kept = {t["code"]: (D(t["rate"]), t["version"]) for t in stored["pricing"]["taxes"]}
    assert kept == {state: (D("6.25"), 1), city: (D("2.5"), 1)}
    assert D(stored["pricing"]["grand_total"]) == D("183.94")

    submit = SubmitOrder(order_id=create.order_id, submitted_by="bob")
    submitted = await ask(bus, submit)
    assert D(submitted["total"]) == D("183.94")
    assert submitted["pricing"]["taxes"] == pricing["taxes"]


async def test_an_unknown_tax_code_or_price_is_refused_by_name(
    bus: Bus, order_service: Any
) -> None:
    unknown_rate = sales_order(
        lines=[OrderLineInput(sku="A", quantity=D(1), unit_price=D(1), tax_codes=["NOPE"])]
    )
    await bus.send(unknown_rate, reply=True)
    reply = await bus.reply_for(unknown_rate)
    assert (reply.body["reason"], "NOPE" in reply.body["detail"]) == ("unknown_tax_rate", True)

    no_price = sales_order(lines=[OrderLineInput(sku="A", quantity=D(1))])
    await bus.send(no_price, reply=True)
    assert (await bus.reply_for(no_price)).body["reason"] == "unknown_price"

    unknown_list = sales_order(pricing=PricingTerms(price_list_id="NOPE"))
    await bus.send(unknown_list, reply=True)
    assert (await bus.reply_for(unknown_list)).body["reason"] == "unknown_price_list"

"""A storefront's prices are information: its lines are priced from its price list, an item the
list does not know is refused or held, and a held order waits for a person."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus
from services.order.pricing.domain.configuration import PriceList
from services.order.pricing.domain.storefront import (
    ItemsHeld,
    Storefront,
    StorefrontDiscount,
    StorefrontNotConfigured,
    StorefrontPrices,
    UnknownItem,
)
from shared.contracts import (
    Discount,
    ItemPrice,
    OrderCreated,
    OrderKind,
    OrderLineInput,
    PricingTerms,
    StorefrontConfigured,
    UnknownItemPolicy,
)
from shared.pricing import UnknownPrice

D = Decimal
WEB = PriceList(
    id="WEB",
    name="Web",
    currency="USD",
    prices=[ItemPrice(sku="MUG", unit_price=D("12.50")), ItemPrice(sku="TEA", unit_price=D(4))],
)


def line(sku: str, quantity: str, price: str | None, **more: object) -> OrderLineInput:
    return OrderLineInput.model_validate(
        {"sku": sku, "quantity": quantity, "unit_price": price, **more}
    )


def prices(unknown: UnknownItemPolicy = UnknownItemPolicy.REFUSE) -> StorefrontPrices:
    return StorefrontPrices("shop", WEB, unknown)


def test_the_price_list_prices_the_line_and_the_storefront_price_is_kept() -> None:
    priced, held = prices().lines([line("MUG", "2", "0.01"), line("TEA", "1", None)])
    assert [(p.sku, p.unit_price, p.storefront_unit_price) for p in priced] == [
        ("MUG", D("12.50"), D("0.01")),
        ("TEA", D(4), None),
    ]
    assert held == []


def test_an_item_the_list_does_not_know_is_refused_naming_it() -> None:
    with pytest.raises(UnknownItem, match="does not know GHOST"):
        prices().lines([line("MUG", "1", "1"), line("GHOST", "1", "0.01")])


def test_under_hold_it_is_kept_at_the_storefront_price_and_named() -> None:
    priced, held = prices(UnknownItemPolicy.HOLD).lines(
        [line("MUG", "1", "1"), line("GHOST", "1", "7.00")]
    )
    assert [(p.sku, p.unit_price) for p in priced] == [("MUG", D("12.50")), ("GHOST", D(7))]
    assert held == ["GHOST"]
    with pytest.raises(UnknownPrice, match="GHOST is held"):
        prices(UnknownItemPolicy.HOLD).lines([line("GHOST", "1", None)])


def test_a_storefront_sets_no_discount_and_its_terms_take_its_price_list() -> None:
    off = Discount(kind="percent", value=D(99))
    with pytest.raises(StorefrontDiscount, match="line discount"):
        prices().lines([line("MUG", "1", "1", discount=off)])
    with pytest.raises(StorefrontDiscount, match="document discount"):
        prices().terms(PricingTerms(discount=off))
    with pytest.raises(StorefrontDiscount, match="prices_include_tax"):
        prices().terms(PricingTerms(prices_include_tax=True))
    assert prices().terms(PricingTerms(price_list_id="CHEAP")).price_list_id == "WEB"
    assert prices().terms(None).price_list_id == "WEB"


def test_configuring_a_storefront_says_so() -> None:
    shop = Storefront(id="shop", price_list_id="OLD")
    shop.configure(price_list_id="WEB", unknown_item=UnknownItemPolicy.HOLD, by="root")
    [configured] = shop.collect_events()
    assert configured == StorefrontConfigured(
        message_id=configured.message_id,
        occurred_at=configured.occurred_at,
        storefront_id="shop",
        price_list_id="WEB",
        unknown_item=UnknownItemPolicy.HOLD,
        configured_by="root",
    )


def held_order() -> Order:
    lines, held = prices(UnknownItemPolicy.HOLD).lines(
        [line("MUG", "1", "1"), line("GHOST", "2", "7.00")]
    )
    return Order.create(
        order_id="SO-1",
        kind=OrderKind.SALES,
        party_id="C-1",
        branch_id="B-1",
        created_by="storefront",
        currency="USD",
        lines=lines,
        pricing=prices().terms(None),
        price_list=WEB,
        held_items=held,
    )


def test_a_held_order_is_not_submitted_until_a_person_gives_the_lines() -> None:
    order = held_order()
    [created] = order.collect_events()
    assert isinstance(created, OrderCreated)
    assert created.held_items == ["GHOST"]
    assert order.total == D("26.50")
    assert order.history[-1].note == "held: GHOST not in the price list"
    with pytest.raises(ItemsHeld, match="holds GHOST"):
        order.submit(by="storefront")
    order.update(
        by="ann", lines=[line("MUG", "1", None), line("GHOST", "2", "9.00")], price_list=WEB
    )
    assert order.held_items == []
    order.submit(by="ann")
    assert order.status is OrderStatus.PENDING_APPROVAL


def test_every_storefront_refusal_says_what_to_do_in_full() -> None:
    assert str(StorefrontNotConfigured("shop")) == (
        "Storefront shop has no price list, and its own prices are not the business's: "
        "configure it with order.configure_storefront (price_list_id, unknown_item) first."
    )
    with pytest.raises(StorefrontDiscount) as discount:
        prices().lines([line("MUG", "1", None, discount={"kind": "percent", "value": "5"})])
    assert str(discount.value) == (
        "Storefront shop sent a line discount: a storefront's lines are priced by its price "
        "list, without discounts."
    )
    with pytest.raises(StorefrontDiscount) as document:
        prices().terms(PricingTerms(discount=Discount(kind="percent", value=D(5))))
    assert str(document.value) == (
        "Storefront shop sent a document discount: a storefront's orders are priced by its "
        "price list, without discounts."
    )
    with pytest.raises(UnknownItem) as unknown:
        prices().lines([line("GHOST", "1", "1"), line("SPOOK", "1", "1"), line("GHOST", "2", "1")])
    assert str(unknown.value) == (
        "Price list WEB of storefront shop does not know GHOST, SPOOK: add them to the list, "
        "or remove them from the order."
    )
    with pytest.raises(UnknownPrice) as held:
        prices(UnknownItemPolicy.HOLD).lines([line("GHOST", "1", None)])
    assert str(held.value) == (
        "Line GHOST is held (price list WEB does not know it) and the storefront sent no price "
        "for it: send one, or add the item to the list."
    )


def test_a_priced_line_keeps_everything_else_the_storefront_sent() -> None:
    sent = line("MUG", "2", "0.01", tax_codes=["VAT"], description="Blue mug")
    [priced], _ = prices().lines([sent])
    assert (priced.tax_codes, priced.description) == (["VAT"], "Blue mug")
    assert priced.model_dump(exclude={"unit_price", "storefront_unit_price"}) == sent.model_dump(
        exclude={"unit_price"}
    )


def test_a_persons_edit_keeps_the_price_the_storefront_sent() -> None:
    order = held_order()
    order.update(
        by="ann", lines=[line("MUG", "3", None), line("GHOST", "2", "9.00")], price_list=WEB
    )
    assert [(x.sku, x.unit_price, x.storefront_unit_price) for x in order.lines] == [
        ("MUG", D("12.50"), D(1)),
        ("GHOST", D("9.00"), D("7.00")),
    ]
    order.update(by="ann", notes="call first")
    assert [x.storefront_unit_price for x in order.lines] == [D(1), D("7.00")]

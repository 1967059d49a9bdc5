"""The cart's rules: sequence order whatever the arrival order, duplicates once, checkout after
every earlier event, valuation with the shared pricing rules."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.order.carts.domain.cart import (
    MAX_EVENTS,
    Cart,
    CartStatus,
    CartTooLong,
    ForeignCart,
)
from services.order.carts.domain.contents import CartEntry
from services.order.pricing.domain.configuration import PriceList
from services.order.pricing.domain.storefront import StorefrontPrices
from shared.contracts import (
    CartCheckoutFailed,
    CartEvent,
    ItemPrice,
    LineAvailability,
    TaxRate,
    UnknownItemPolicy,
)
from tests.support.storefront import CartScript

D = Decimal
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def script(cart_id: str = "C1") -> CartScript:
    s = CartScript(cart_id)
    s.created()
    s.added("A", "2", "10.00", name="Mug", tax_codes=["ST"])
    s.added("B", "1", "5.50")
    s.changed("A", "3")
    s.removed("B")
    s.added("C", "1", "2.00")
    # The latest add of an item says its current name, price and taxes.
    s.added("A", "1", "10.00", name="Big mug", tax_codes=["ST"])
    return s


def replay(events: list[CartEvent], *, now: datetime = T0) -> Cart:
    cart = Cart.start(events[0], now=now)
    for event in events[1:]:
        cart.apply(event, now=now)
    return cart


def contents(cart: Cart) -> list[tuple[str, Decimal, Decimal | None, str | None]]:
    return [(i.sku, i.quantity, i.sent_price, i.name) for i in cart.items]


def test_a_cart_is_its_events_in_sequence_order() -> None:
    cart = replay(script().events)
    assert contents(cart) == [
        ("A", D(4), D("10.00"), "Big mug"),
        ("C", D(1), D("2.00"), None),
    ]
    assert cart.items[0].tax_codes == ["ST"]
    assert (cart.currency, cart.branch_id) == ("USD", "B1")
    assert cart.cart_url == "https://shop.example/cart/C1"
    assert cart.storefront_id == "demo"
    assert cart.is_open
    assert cart.missing_sequences == []


def test_any_arrival_order_and_duplicates_give_the_same_cart() -> None:
    events = script().events
    expected = contents(replay(events))
    for seed in range(20):
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        twice = shuffled + shuffled[:3]
        assert contents(replay(twice)) == expected


def test_a_sequence_seen_is_ignored_even_under_a_new_message_id() -> None:
    s = script()
    cart = replay(s.events)
    again = s.events[1].model_copy(update={"message_id": s.events[2].message_id})
    assert cart.apply(again, now=T0 + timedelta(hours=1)) is False
    assert cart.last_activity_at == T0
    assert cart.event_count == 7


def test_a_new_event_is_activity_and_says_so() -> None:
    s = script()
    cart = replay(s.events)
    later = T0 + timedelta(minutes=5)
    assert cart.apply(s.added("D", "1", "1.00"), now=later) is True
    assert cart.last_activity_at == later
    # A late event from the past (reordered) is activity now, not then.
    assert cart.apply(s.cleared(), now=T0) is True
    assert cart.last_activity_at == later
    assert cart.items == []


def test_gaps_are_missing_until_filled() -> None:
    events = script().events
    cart = replay([events[0], events[2], events[5]])
    assert cart.missing_sequences == [2, 4, 5]
    cart.apply(events[1], now=T0)
    assert cart.missing_sequences == [4, 5]


def test_quantity_change_sets_and_removal_drops_only_that_item() -> None:
    s = CartScript("C2")
    s.created()
    s.added("A", "2", "1.00")
    s.added("B", "5", "1.00")
    s.changed("A", "7")
    s.changed("Z", "9")  # an item not in the cart: nothing to change
    s.removed("Z")
    cart = replay(s.events)
    assert [(i.sku, i.quantity) for i in cart.items] == [("A", D(7)), ("B", D(5))]
    cart.apply(s.removed("A"), now=T0)
    assert [i.sku for i in cart.items] == ["B"]


def test_customer_identified_sets_the_email_and_the_choice() -> None:
    s = CartScript("C3")
    s.created()
    s.identified("a@example.com")
    cart = replay(s.events)
    assert (cart.customer_id, cart.email, cart.recovery_emails) == (
        "C-C3",
        "a@example.com",
        True,
    )
    cart.apply(s.identified("a@example.com", opted_in=False), now=T0)
    assert cart.recovery_emails is False


def test_a_customer_known_at_creation_is_kept_until_identified() -> None:
    s = CartScript("C4")
    created = s.created()
    cart = Cart.start(created.model_copy(update={"customer_id": "K1"}), now=T0)
    assert cart.customer_id == "K1"
    cart.apply(s.identified("k@example.com"), now=T0)
    assert cart.customer_id == "C-C4"


def test_a_created_arriving_late_keeps_an_identified_customer() -> None:
    s = CartScript("C5")
    created = s.created()
    identified = s.identified("x@example.com")
    cart = Cart.start(identified, now=T0)
    cart.apply(created, now=T0)
    assert (cart.customer_id, cart.currency) == ("C-C5", "USD")


def test_a_checkout_is_due_once_every_earlier_event_arrived() -> None:
    s = script()
    checkout = s.checked_out()
    late = s.events[3]
    cart = replay([e for e in s.events if e is not late])
    assert cart.checkout_sequence == 8
    assert not cart.is_open
    assert not cart.checkout_due
    cart.apply(late, now=T0)
    assert cart.checkout_due
    assert contents(cart)[0][1] == D(4)
    assert checkout.sequence == 8


def test_events_after_the_checkout_are_not_part_of_the_order() -> None:
    s = CartScript("C6")
    s.created()
    s.added("A", "1", "1.00")
    s.checked_out()
    s.added("B", "1", "1.00")
    cart = replay(s.events)
    assert [i.sku for i in cart.items] == ["A"]
    assert cart.checkout_due


def test_a_later_event_does_not_hide_a_checkout_gap() -> None:
    s = CartScript("C7")
    s.created()
    s.added("A", "1", "1.00")
    s.checked_out()
    s.added("B", "1", "1.00")
    cart = replay([s.events[0], s.events[2], s.events[3]])
    assert cart.missing_sequences == [2]
    assert not cart.checkout_due


def test_only_an_open_cart_converts() -> None:
    s = CartScript("C8")
    s.created()
    s.added("A", "1", "1.00")
    s.checked_out()
    cart = replay(s.events)
    cart.converting()
    assert cart.status is CartStatus.CHECKING_OUT
    assert not cart.checkout_due
    cart.converted("SO-C8")
    assert (cart.status, cart.order_id) == (CartStatus.CHECKED_OUT, "SO-C8")


def test_a_refused_checkout_keeps_its_reason() -> None:
    cart = replay(script().events)
    cart.refused("SO-1", "unknown_tax_rate", "There is no tax rate ST.")
    assert (cart.status, cart.order_id, cart.checkout_refusal, cart.checkout_detail) == (
        CartStatus.CHECKOUT_FAILED,
        "SO-1",
        "unknown_tax_rate",
        "There is no tax rate ST.",
    )
    [failed] = cart.collect_events()
    assert isinstance(failed, CartCheckoutFailed)
    assert (failed.reason, failed.order_id) == ("unknown_tax_rate", "SO-1")


def test_what_stops_a_checkout() -> None:
    s = CartScript("C9")
    s.added("A", "1", "1.00")
    assert replay(s.events).checkout_problem() == (
        "cart_not_created",
        "Cart C9 was checked out but its created event (currency, branch) never arrived.",
    )
    s2 = CartScript("C10")
    s2.created()
    assert replay(s2.events).checkout_problem() == (
        "empty_cart",
        "Cart C10 was checked out with no items in it.",
    )
    assert replay(script().events).checkout_problem() is None
    branchless = CartScript("C11")
    created = branchless.created()
    cart = Cart.start(created, now=T0)
    cart.branch_id = None
    assert cart.checkout_problem() is not None
    assert cart.checkout_problem()[0] == "cart_not_created"  # type: ignore[index]


def test_another_storefronts_event_is_refused() -> None:
    s = script()
    cart = replay(s.events)
    foreign = s.added("X", "1", "1.00").model_copy(update={"storefront_id": "web-eu"})
    with pytest.raises(ForeignCart, match="belongs to storefront demo, not web-eu"):
        cart.apply(foreign, now=T0)
    assert ForeignCart.reason == "foreign_cart"


def test_a_cart_holds_a_bounded_number_of_events() -> None:
    s = CartScript("C12")
    s.created()
    cart = replay(s.events)
    cart.pending = [
        CartEntry(sequence=n, kind="item_removed", sku="Z") for n in range(3, MAX_EVENTS + 3)
    ]
    late = s.added("A", "1", "1.00").model_copy(update={"sequence": 9999})
    with pytest.raises(CartTooLong, match=f"waits for {MAX_EVENTS} events"):
        cart.apply(late, now=T0)
    assert CartTooLong.reason == "cart_too_long"
    cart.pending = cart.pending[:-1]
    assert cart.apply(late, now=T0)


RATE = TaxRate(code="ST", name="State", rate=D("10"), version=1, effective_from=T0)


def prices(
    *skus: tuple[str, str], unknown: UnknownItemPolicy = UnknownItemPolicy.REFUSE
) -> StorefrontPrices:
    """The storefront demo's prices: a USD price list with these skus."""
    listed = PriceList(
        id="WEB",
        name="Web",
        currency="USD",
        prices=[ItemPrice(sku=sku, unit_price=D(price)) for sku, price in skus],
    )
    return StorefrontPrices("demo", listed, unknown)


LISTED = prices(("A", "10.00"), ("B", "5.50"), ("C", "2.00"))


def test_a_cart_is_valued_with_the_shared_pricing_rules() -> None:
    cart = replay(script().events)
    cart.price({"ST": RATE}, LISTED)
    # A: 4 x 10.00 = 40.00 + 10 % tax; C: 2.00 untaxed.
    assert cart.value == D("46.00")
    assert cart.pricing_problem is None


def test_a_cart_with_an_unknown_tax_rate_is_not_valued_and_says_why() -> None:
    cart = replay(script().events)
    cart.price({}, LISTED)
    assert cart.value is None
    assert cart.pricing_problem == "unknown_tax_rate"
    cart.price({"ST": RATE}, LISTED)
    assert cart.pricing_problem is None


def test_an_empty_cart_is_worth_nothing_and_one_without_currency_is_not_valued() -> None:
    s = CartScript("C13")
    s.created()
    cart = replay(s.events)
    cart.price({}, LISTED)
    assert cart.value == D(0)
    s2 = CartScript("C14")
    s2.added("A", "1", "1.00")
    cart2 = replay(s2.events)
    cart2.value = D(5)
    cart2.price({}, LISTED)
    assert cart2.value is None


def test_every_arrival_order_of_a_short_history_agrees() -> None:
    s = CartScript("C15")
    s.created()
    s.added("A", "1", "3.00")
    s.changed("A", "2")
    s.added("B", "1", "1.00")
    s.removed("B")
    expected = contents(replay(s.events))
    for order in itertools.permutations(s.events):
        assert contents(replay(list(order))) == expected


def test_events_in_order_are_settled_and_only_those_after_a_gap_are_kept() -> None:
    events = script().events
    in_order = replay(events)
    assert (in_order.through, in_order.pending) == (7, [])
    assert in_order.settled.items == in_order.items
    gapped = replay([events[0], events[2], events[3]])
    assert gapped.through == 1
    assert [e.sequence for e in gapped.pending] == [3, 4]
    assert gapped.event_count == 3
    gapped.apply(events[1], now=T0)
    assert (gapped.through, gapped.pending, gapped.event_count) == (4, [], 4)
    assert gapped.apply(events[2], now=T0) is False  # settled: a duplicate


def test_what_follows_a_checkout_never_changes_the_cart() -> None:
    s = CartScript("C16")
    s.created()
    s.added("A", "1", "1.00")
    s.checked_out()
    s.identified("late@example.com")
    s.cleared()
    cart = replay(s.events)
    assert (cart.email, [i.sku for i in cart.items]) == (None, ["A"])
    assert cart.settled.checkout_sequence == 3


def test_items_are_priced_from_the_storefront_price_list_and_its_own_price_is_kept() -> None:
    s = CartScript("C20")
    s.created()
    s.added("A", "2", "0.01")  # the storefront says 0.01; the business says 10.00
    s.added("C", "1", "2.00")
    cart = replay(s.events)
    cart.price({}, LISTED)
    a, c = cart.items
    assert (a.unit_price, a.storefront_unit_price, a.price_difference) == (
        D("10.00"),
        D("0.01"),
        D("-9.99"),
    )
    assert (c.unit_price, c.price_difference) == (D("2.00"), D(0))
    assert cart.value == D("22.00")


def test_an_item_the_list_does_not_know_has_no_price_and_is_not_valued() -> None:
    s = CartScript("C21")
    s.created()
    s.added("A", "1", "10.00")
    s.added("NEW", "1", "3.00")
    cart = replay(s.events)
    cart.price({}, LISTED)
    assert [(i.sku, i.unit_price, i.storefront_unit_price) for i in cart.items] == [
        ("A", D("10.00"), D("10.00")),
        ("NEW", None, D("3.00")),
    ]
    assert cart.value == D("10.00")


def test_a_storefront_without_a_price_list_has_its_cart_unvalued_saying_why() -> None:
    cart = replay(script().events)
    cart.price({"ST": RATE}, None)
    assert cart.value is None
    assert cart.pricing_problem == "storefront_not_configured"
    assert all(item.unit_price is None for item in cart.items)


def test_a_price_list_of_another_currency_does_not_value_the_cart() -> None:
    s = CartScript("C22")
    s.created(currency="EUR")
    s.added("A", "1", "10.00")
    cart = replay(s.events)
    cart.price({}, LISTED)
    assert (cart.value, cart.pricing_problem) == (None, "price_list_mismatch")


def test_a_cleared_cart_is_cleared_until_an_item_is_added_again() -> None:
    s = CartScript("C23")
    s.created()
    s.added("A", "1", "1.00")
    s.cleared()
    cart = replay(s.events)
    assert (cart.status, cart.items, cart.is_open) == (CartStatus.CLEARED, [], False)
    s.added("B", "1", "1.00")
    reopened = replay(s.events)
    assert reopened.status is CartStatus.OPEN
    assert [i.sku for i in reopened.items] == ["B"]


def test_a_cleared_cart_checked_out_is_refused_as_empty() -> None:
    s = CartScript("C24")
    s.created()
    s.added("A", "1", "1.00")
    s.cleared()
    s.checked_out()
    cart = replay(s.events)
    assert cart.checkout_due
    assert cart.checkout_problem() == (
        "empty_cart",
        "Cart C24 was checked out with no items in it.",
    )


def test_a_checkout_refused_for_stock_names_each_item_wanted_and_available() -> None:
    cart = replay(script().events)
    short = LineAvailability(sku="A", requested=D(4), available=D(1), status="short")
    cart.refused("SO-C1", "insufficient_stock", "Branch B1 refuses ...", [short])
    assert cart.checkout_shortages == [short]
    [failed] = cart.collect_events()
    assert isinstance(failed, CartCheckoutFailed)
    assert [(line.sku, line.requested, line.available) for line in failed.shortages] == [
        ("A", D(4), D(1))
    ]

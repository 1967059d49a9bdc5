"""Orders against product records: discontinued products refused or flagged, default tax codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from services.order.orders.domain.order import Order
from services.order.orders.handlers import OrderHandlers
from services.order.pricing.ports import Taxed
from services.order.stock.domain.availability import assess
from services.order.stock.domain.products import (
    DiscontinuedProduct,
    discontinued_flags,
    discontinued_in,
    with_product_tax_codes,
)
from services.order.stock.domain.quantities import Counted, Counting, check_quantities
from shared.contracts import (
    OrderKind,
    OrderLineInput,
    StockAvailability,
    SubmitOrder,
    TaxRate,
    UpdateOrder,
    WhenStockShort,
    utcnow,
)
from shared.contracts.parties import CustomerRecord, OrderFlag, UnknownParty, VendorRecord
from tests.support.factories import purchase_order, sales_order
from tests.unit.fakes import FakeStore

D = Decimal
OLD = Counted(0, "each", discontinued=True)
TAXED = Counted(0, "each", tax_codes=("VAT",))
PLAIN = Counted(0, "each")


def line(sku: str, *tax_codes: str) -> OrderLineInput:
    return OrderLineInput(sku=sku, quantity=D(2), unit_price=D("10.00"), tax_codes=list(tax_codes))


# --- the rules ----------------------------------------------------------------------------


def test_discontinued_products_are_found_once_each_in_sku_order() -> None:
    products = {"B": OLD, "A": OLD, "C": PLAIN}
    assert discontinued_in(["B", "C", "A", "B", "UNKNOWN"], products) == ["A", "B"]
    assert discontinued_in(["C"], products) == []


def test_a_refusing_branch_refuses_a_sales_order_naming_each_discontinued_sku() -> None:
    with pytest.raises(DiscontinuedProduct) as refused:
        discontinued_flags(OrderKind.SALES, ["A", "B"], branch_refuses=True)
    assert refused.value.reason == "discontinued_product"
    assert refused.value.detail == (
        "A, B are discontinued: this branch takes no sales orders for discontinued products. "
        "Take the line out or choose another product."
    )
    with pytest.raises(DiscontinuedProduct, match="A is discontinued"):
        discontinued_flags(OrderKind.SALES, ["A"], branch_refuses=True)


def test_an_allowing_branch_and_every_purchase_order_are_flagged() -> None:
    flagged = [OrderFlag(reason="discontinued_product", detail="A is a discontinued product")]
    assert discontinued_flags(OrderKind.SALES, ["A"], branch_refuses=False) == flagged
    assert discontinued_flags(OrderKind.PURCHASE, ["A"], branch_refuses=True) == flagged
    assert discontinued_flags(OrderKind.SALES, [], branch_refuses=True) == []


def test_a_line_without_tax_codes_takes_its_products_and_others_stay_as_sent() -> None:
    products = {"T": TAXED, "P": PLAIN}
    lines = [line("T"), line("T", "CITY"), line("P"), line("UNKNOWN")]
    taxed = with_product_tax_codes(lines, products)
    assert [list(each.tax_codes) for each in taxed] == [["VAT"], ["CITY"], [], []]
    assert taxed[1:] == lines[1:]  # untouched: priced exactly as before


# --- the handlers -------------------------------------------------------------------------


class FakeItems:
    def __init__(self, **products: Counted) -> None:
        self.products = products

    async def check(self, quantities: Iterable[Counting]) -> Mapping[str, Counted]:
        check_quantities(quantities, self.products)
        return self.products

    async def discontinued(self, skus: Iterable[str]) -> list[str]:
        return discontinued_in(skus, self.products)


class FakeBranches:
    def __init__(self, unknown_party: UnknownParty) -> None:
        self.setting = unknown_party
        self.asked = 0

    async def when_stock_short(self, branch_id: str) -> WhenStockShort:
        return WhenStockShort.ALLOW

    async def unknown_party(self, branch_id: str) -> UnknownParty:
        self.asked += 1
        return self.setting


class FakeStock:
    async def assess(self, branch_id: str, lines: Sequence[OrderLineInput]) -> StockAvailability:
        return assess(lines, location_id=None, available={}, at=utcnow())


class FakePricing:
    async def rates_for(self, lines: Iterable[Taxed], at: datetime) -> dict[str, TaxRate]:
        rates = {"VAT": TaxRate(code="VAT", rate=D(20)), "CITY": TaxRate(code="CITY", rate=D(1))}
        return {c: rates[c] for c in {code for each in lines for code in each.tax_codes}}

    async def price_list(self, price_list_id: str | None) -> None:
        return None


class KnownParties:
    """Every customer and vendor is known, active and buys in the factories' currency (EUR and
    USD): the records' own rules are tests/unit/test_parties.py's."""

    async def customer(self, customer_id: str) -> CustomerRecord:
        return CustomerRecord(customer_id=customer_id, name=customer_id, currency="EUR")

    async def vendor(self, vendor_id: str) -> VendorRecord:
        return VendorRecord(vendor_id=vendor_id, name=vendor_id, currency="USD")


def handlers(setting: UnknownParty = UnknownParty.ALLOW, **products: Counted) -> Any:
    orders = FakeStore(Order)
    branches = FakeBranches(setting)
    handler = OrderHandlers(
        orders,
        admins=None,  # type: ignore[arg-type]  # nobody reworks a rejected order here
        stock=FakeStock(),
        branches=branches,
        items=FakeItems(**products),
        pricing=FakePricing(),  # type: ignore[arg-type]
        parties=KnownParties(),
    )
    return handler, orders, branches


async def test_a_sales_order_with_a_discontinued_product_is_refused_at_a_refusing_branch() -> None:
    handler, orders, _ = handlers(UnknownParty.REFUSE, OLD=OLD, NEW=PLAIN)
    cmd = sales_order(lines=[line("NEW"), line("OLD")])
    with pytest.raises(DiscontinuedProduct, match="OLD is discontinued"):
        await handler.create(cmd)
    assert orders.docs == {}


async def test_a_discontinued_product_is_flagged_where_the_branch_allows_it() -> None:
    handler, orders, _ = handlers(UnknownParty.ALLOW, OLD=OLD)
    cmd = sales_order(lines=[line("OLD")])
    await handler.create(cmd)
    order = await orders.get(cmd.order_id)
    assert order is not None
    assert [(f.reason, f.detail) for f in order.flags] == [
        ("discontinued_product", "OLD is a discontinued product")
    ]


async def test_a_purchase_order_with_a_discontinued_product_is_only_flagged() -> None:
    handler, orders, _ = handlers(UnknownParty.REFUSE, OLD=OLD)
    cmd = purchase_order(lines=[line("OLD")])
    await handler.create(cmd)
    order = await orders.get(cmd.order_id)
    assert order is not None
    assert [f.reason for f in order.flags] == ["discontinued_product"]


async def test_the_product_check_asks_the_branch_setting_only_for_a_discontinued_product() -> None:
    handler, orders, branches = handlers(UnknownParty.REFUSE, NEW=PLAIN)
    cmd = sales_order(lines=[line("NEW")])
    await handler.create(cmd)
    await handler.submit(SubmitOrder(order_id=cmd.order_id, submitted_by=cmd.created_by))
    order = await orders.get(cmd.order_id)
    assert order is not None
    assert order.flags == []
    assert branches.asked == 2  # the party check's, at create and at submit; none of its own


async def test_a_product_discontinued_after_the_draft_is_refused_at_submit() -> None:
    handler, orders, _ = handlers(UnknownParty.REFUSE, SKU=PLAIN)
    cmd = sales_order(lines=[line("SKU")])
    await handler.create(cmd)
    handler.items.products["SKU"] = OLD
    with pytest.raises(DiscontinuedProduct):
        await handler.submit(SubmitOrder(order_id=cmd.order_id, submitted_by=cmd.created_by))
    order = await orders.get(cmd.order_id)
    assert order is not None
    assert order.status.value == "draft"


async def test_an_update_that_takes_the_discontinued_line_out_drops_its_flag() -> None:
    handler, orders, _ = handlers(UnknownParty.ALLOW, OLD=OLD, NEW=PLAIN)
    cmd = sales_order(lines=[line("OLD")])
    await handler.create(cmd)
    await handler.update(
        UpdateOrder(order_id=cmd.order_id, updated_by=cmd.created_by, lines=[line("NEW")])
    )
    order = await orders.get(cmd.order_id)
    assert order is not None
    assert order.flags == []


async def test_an_update_at_a_refusing_branch_refuses_a_discontinued_line() -> None:
    handler, orders, _ = handlers(UnknownParty.REFUSE, OLD=OLD, NEW=PLAIN)
    cmd = sales_order(lines=[line("NEW")])
    await handler.create(cmd)
    with pytest.raises(DiscontinuedProduct):
        await handler.update(
            UpdateOrder(order_id=cmd.order_id, updated_by=cmd.created_by, lines=[line("OLD")])
        )
    order = await orders.get(cmd.order_id)
    assert order is not None
    assert [each.sku for each in order.lines] == ["NEW"]


async def test_lines_without_tax_codes_are_taxed_with_the_products_defaults() -> None:
    handler, orders, _ = handlers(TAXED=TAXED, PLAIN=PLAIN)
    cmd = sales_order(lines=[line("TAXED"), line("TAXED", "CITY"), line("PLAIN")])
    await handler.create(cmd)
    order = await orders.get(cmd.order_id)
    assert order is not None
    assert order.pricing is not None
    assert [list(each.tax_codes) for each in order.lines] == [["VAT"], ["CITY"], []]
    # 20.00 at 20 % and 20.00 at 1 %; the plain line untaxed, as it always was
    assert order.pricing.grand_total == D("64.20")


async def test_lines_of_products_without_tax_codes_price_exactly_as_before() -> None:
    handler, orders, _ = handlers(PLAIN=PLAIN)
    cmd = sales_order(lines=[line("PLAIN"), line("UNKNOWN")])
    await handler.create(cmd)
    order = await orders.get(cmd.order_id)
    assert order is not None
    assert order.pricing is not None
    assert [each.tax_codes for each in order.lines] == [[], []]
    assert order.pricing.grand_total == D("40.00")

"""The quotation and RFQ handlers with in-memory stores: a conversion or a choice makes its
order once, whatever is resent or lost between the two writes; expiry is published."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from services.order.orders.conversions import Conversions
from services.order.orders.domain.errors import OrderExists
from services.order.orders.domain.order import Order
from services.order.pricing.ports import Taxed
from services.order.quotations.domain.errors import QuotationPastValidity
from services.order.quotations.domain.quotation import Quotation
from services.order.quotations.handlers import QuotationHandlers
from services.order.rfqs.domain.rfq import Rfq
from services.order.rfqs.handlers import RfqHandlers
from services.order.stock.domain.availability import InsufficientStock, assess
from services.order.stock.domain.quantities import (
    Counted,
    Counting,
    InvalidQuantity,
    check_quantities,
)
from shared.contracts import (
    AcceptQuotation,
    ChooseRfqReply,
    ConvertQuotation,
    CreateQuotation,
    CreateRfq,
    Message,
    OrderCreated,
    OrderKind,
    OrderLine,
    OrderLineInput,
    QuotationConverted,
    QuotationExpired,
    QuotedPrice,
    RecordRfqReply,
    RequestedLine,
    RfqReplyChosen,
    SendQuotation,
    StockAvailability,
    TaxRate,
    WhenStockShort,
    utcnow,
)
from shared.contracts.parties import UnknownParty
from tests.support.factories import purchase_order, unique
from tests.unit.fakes import FakeStore


class FlakyOrders(FakeStore[Order]):
    """Orders whose next insert is lost (the process died before it)."""

    def __init__(self) -> None:
        super().__init__(Order)
        self.fail_next = False

    async def add(self, aggregate: Order, *, cause: Message, last_step: bool = False) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("the database went away")
        await super().add(aggregate, cause=cause, last_step=last_step)


class FakeStock:
    """A branch's sales location holding ``available`` of each item (none known: unknown)."""

    def __init__(self) -> None:
        self.available: dict[str, Decimal] = {}

    async def assess(self, branch_id: str, lines: Sequence[OrderLineInput]) -> StockAvailability:
        location = f"{branch_id}-SALES" if self.available else None
        return assess(lines, location_id=location, available=self.available, at=utcnow())


class FakeBranches:
    def __init__(self) -> None:
        self.rule = WhenStockShort.ALLOW

    async def when_stock_short(self, branch_id: str) -> WhenStockShort:
        return self.rule

    async def unknown_party(self, branch_id: str) -> UnknownParty:
        return UnknownParty.ALLOW


class FakeConfig:
    """Tax rates in force and price lists, as the order service's configuration gives them."""

    def __init__(self) -> None:
        self.rates: dict[str, TaxRate] = {}

    async def rates_for(self, lines: Iterable[Taxed], at: datetime) -> dict[str, TaxRate]:
        codes = {code for line in lines for code in line.tax_codes}
        return {code: rate for code, rate in self.rates.items() if code in codes}

    async def price_list(self, price_list_id: str | None) -> None:
        assert price_list_id is None


class FakeItems:
    """Items counted in whole units, as inventory defined them."""

    def __init__(self) -> None:
        self.counted = {"CHAIR": Counted(0, "each")}

    async def check(self, quantities: Iterable[Counting]) -> Mapping[str, Counted]:
        check_quantities(quantities, self.counted)
        return self.counted

    async def discontinued(self, skus: Iterable[str]) -> list[str]:
        return sorted(s for s in set(skus) if (c := self.counted.get(s)) and c.discontinued)


class World:
    def __init__(self) -> None:
        self.quotations = FakeStore(Quotation)
        self.rfqs = FakeStore(Rfq)
        self.orders = FlakyOrders()
        self.stock = FakeStock()
        self.branches = FakeBranches()
        self.config = FakeConfig()
        conversions, items = Conversions(self.orders), FakeItems()
        self.items = items
        self.quoting = QuotationHandlers(
            self.quotations,
            conversions,
            stock=self.stock,
            branches=self.branches,
            pricing=self.config,
            items=items,
        )
        self.sourcing = RfqHandlers(self.rfqs, conversions, items=items)

    async def accepted_quotation(
        self, valid_for: timedelta = timedelta(days=5), tax_codes: list[str] | None = None
    ) -> str:
        quotation_id = unique("Q")
        line = OrderLine(
            sku="A", quantity=Decimal(2), unit_price=Decimal("5.00"), tax_codes=tax_codes or []
        )
        await self.quoting.create(
            CreateQuotation(
                quotation_id=quotation_id,
                customer_id="C-1",
                branch_id="B-1",
                created_by="sam",
                currency="EUR",
                lines=[line],
                valid_until=utcnow() + valid_for,
            )
        )
        await self.quoting.send(SendQuotation(quotation_id=quotation_id, sent_by="sam"))
        await self.quoting.accept(AcceptQuotation(quotation_id=quotation_id, accepted_by="sam"))
        return quotation_id

    async def rfq_with_replies(self) -> str:
        rfq_id = unique("R")
        await self.sourcing.create(
            CreateRfq(
                rfq_id=rfq_id,
                branch_id="B-1",
                created_by="pat",
                currency="USD",
                lines=[RequestedLine(sku="BOLT", quantity=Decimal(10))],
                supplier_ids=["S-1", "S-2"],
            )
        )
        for supplier, price in (("S-1", "2.00"), ("S-2", "1.50")):
            await self.sourcing.record_reply(
                RecordRfqReply(
                    rfq_id=rfq_id,
                    supplier_id=supplier,
                    recorded_by="pat",
                    prices=[QuotedPrice(sku="BOLT", unit_price=Decimal(price))],
                    lead_time_days=4,
                    valid_until=utcnow() + timedelta(days=3),
                )
            )
        return rfq_id


async def test_a_conversion_resent_or_repeated_makes_one_sales_order() -> None:
    world = World()
    quotation_id = await world.accepted_quotation()
    convert = ConvertQuotation(quotation_id=quotation_id, converted_by="otto")

    await world.quoting.convert(convert)
    await world.quoting.convert(convert)  # redelivered
    await world.quoting.convert(  # sent again by someone else
        ConvertQuotation(quotation_id=quotation_id, converted_by="ivy")
    )

    [order] = world.orders.docs.values()
    assert order["id"] == f"SO-{quotation_id}"
    assert order["quotation_id"] == quotation_id
    assert order["created_by"] == "otto"
    assert order["applied_messages"] == [str(convert.message_id)]
    [created] = world.orders.events(OrderCreated)
    assert created.quotation_id == quotation_id
    assert [e.repeated for e in world.quotations.events(QuotationConverted)] == [False, True]


async def test_an_order_lost_after_the_conversion_is_added_on_redelivery() -> None:
    world = World()
    quotation_id = await world.accepted_quotation()
    convert = ConvertQuotation(quotation_id=quotation_id, converted_by="otto", order_id="SO-X")
    world.orders.fail_next = True

    with pytest.raises(ConnectionError):
        await world.quoting.convert(convert)
    assert world.orders.docs == {}
    await world.quoting.convert(convert)

    assert list(world.orders.docs) == ["SO-X"]
    assert len(world.quotations.events(QuotationConverted)) == 1


async def test_an_order_lost_after_the_conversion_is_added_by_its_event_without_a_resend() -> None:
    world = World()
    quotation_id = await world.accepted_quotation()
    convert = ConvertQuotation(quotation_id=quotation_id, converted_by="otto", order_id="SO-X")
    world.orders.fail_next = True
    with pytest.raises(ConnectionError):
        await world.quoting.convert(convert)  # died between its two writes
    [converted] = world.quotations.events(QuotationConverted)

    await world.quoting.converted(converted)  # published from the outbox
    await world.quoting.converted(converted)  # and redelivered

    [order] = world.orders.docs.values()
    assert (order["id"], order["quotation_id"]) == ("SO-X", quotation_id)
    assert order["applied_messages"] == [str(convert.message_id)]  # as if the handler added it
    [created] = world.orders.events(OrderCreated)
    assert created.causation_id == convert.message_id
    await world.quoting.convert(convert)  # a resend finds it made
    assert list(world.orders.docs) == ["SO-X"]


async def test_a_conversion_event_finds_the_order_made_and_adds_nothing() -> None:
    world = World()
    quotation_id = await world.accepted_quotation()
    await world.quoting.convert(ConvertQuotation(quotation_id=quotation_id, converted_by="otto"))
    [converted] = world.quotations.events(QuotationConverted)
    await world.quoting.converted(converted)
    assert len(world.orders.events(OrderCreated)) == 1


async def test_a_conversion_into_someone_elses_order_id_is_refused() -> None:
    world = World()
    taken = purchase_order(order_id="SO-TAKEN")
    await world.orders.add(
        Order.create(
            order_id=taken.order_id,
            kind=OrderKind.PURCHASE,
            party_id=taken.vendor_id,
            branch_id="BR-1",
            created_by=taken.created_by,
            currency="USD",
            lines=taken.lines,
        ),
        cause=taken,
    )
    quotation_id = await world.accepted_quotation()

    with pytest.raises(OrderExists):
        await world.quoting.convert(
            ConvertQuotation(quotation_id=quotation_id, converted_by="otto", order_id="SO-TAKEN")
        )

    stored = await world.quotations.get(quotation_id)
    assert stored is not None
    assert stored.order_id is None
    assert world.quotations.events(QuotationConverted) == []


async def test_an_expired_quotation_is_refused_and_its_expiry_published_once() -> None:
    world = World()
    quotation_id = await world.accepted_quotation(valid_for=timedelta(milliseconds=50))
    await _past(quotation_id, world)

    for _ in range(2):
        with pytest.raises(QuotationPastValidity):
            await world.quoting.convert(
                ConvertQuotation(quotation_id=quotation_id, converted_by="otto")
            )

    [expired] = world.quotations.events(QuotationExpired)
    assert expired.quotation_id == quotation_id
    assert world.orders.docs == {}


async def test_choosing_a_reply_resent_or_lost_midway_makes_one_purchase_order() -> None:
    world = World()
    rfq_id = await world.rfq_with_replies()
    choose = ChooseRfqReply(rfq_id=rfq_id, supplier_id="S-2", chosen_by="max")
    world.orders.fail_next = True

    with pytest.raises(ConnectionError):
        await world.sourcing.choose_reply(choose)
    await world.sourcing.choose_reply(choose)
    await world.sourcing.choose_reply(
        ChooseRfqReply(rfq_id=rfq_id, supplier_id="S-2", chosen_by="max")
    )

    [order] = world.orders.docs.values()
    assert (order["id"], order["party_id"], order["rfq_id"]) == (f"PO-{rfq_id}", "S-2", rfq_id)
    assert order["lines"][0]["unit_price"] == Decimal("1.50")
    assert [e.repeated for e in world.rfqs.events(RfqReplyChosen)] == [False, True]


async def test_a_purchase_order_lost_after_the_choice_is_added_by_its_event() -> None:
    world = World()
    rfq_id = await world.rfq_with_replies()
    choose = ChooseRfqReply(rfq_id=rfq_id, supplier_id="S-2", chosen_by="max")
    world.orders.fail_next = True
    with pytest.raises(ConnectionError):
        await world.sourcing.choose_reply(choose)
    [chosen] = world.rfqs.events(RfqReplyChosen)

    await world.sourcing.reply_chosen(chosen)
    await world.sourcing.reply_chosen(chosen)

    [order] = world.orders.docs.values()
    assert (order["id"], order["rfq_id"]) == (f"PO-{rfq_id}", rfq_id)
    assert order["applied_messages"] == [str(choose.message_id)]


async def _past(quotation_id: str, world: World) -> None:
    stored = await world.quotations.get(quotation_id)
    assert stored is not None
    while utcnow() <= stored.valid_until:
        pass


async def test_the_scheduled_run_expires_each_open_quotation_past_its_validity_once() -> None:
    world = World()
    due = await world.accepted_quotation(valid_for=timedelta(milliseconds=50))
    fresh = await world.accepted_quotation()
    await _past(due, world)

    await world.quoting.expire_due()
    await world.quoting.expire_due()

    [expired] = world.quotations.events(QuotationExpired)
    assert expired.quotation_id == due
    stored = await world.quotations.get(fresh)
    assert stored is not None
    assert stored.status == "accepted"


async def test_a_branch_that_refuses_short_orders_refuses_the_conversion() -> None:
    world = World()
    quotation_id = await world.accepted_quotation()
    world.stock.available = {"A": Decimal(1)}
    world.branches.rule = WhenStockShort.REFUSE
    convert = ConvertQuotation(quotation_id=quotation_id, converted_by="otto")

    with pytest.raises(InsufficientStock):
        await world.quoting.convert(convert)
    stored = await world.quotations.get(quotation_id)
    assert stored is not None
    assert (stored.status, stored.order_id) == ("accepted", None)
    assert world.orders.docs == {}

    world.stock.available = {"A": Decimal(5)}
    await world.quoting.convert(convert)
    [order] = world.orders.docs.values()
    assert order["availability"]["status"] == "available"


async def test_a_branch_that_allows_short_orders_gets_one_showing_the_shortage() -> None:
    world = World()
    quotation_id = await world.accepted_quotation()
    world.stock.available = {"A": Decimal(1)}

    await world.quoting.convert(ConvertQuotation(quotation_id=quotation_id, converted_by="otto"))

    [order] = world.orders.docs.values()
    assert order["availability"]["status"] == "short"


async def test_the_sales_order_is_taxed_at_the_rates_the_quotation_was_priced_with() -> None:
    world = World()
    world.config.rates = {"VAT": TaxRate(code="VAT", rate=Decimal(20), version=1)}
    quotation_id = await world.accepted_quotation(tax_codes=["VAT"])
    world.config.rates = {"VAT": TaxRate(code="VAT", rate=Decimal(25), version=2)}

    await world.quoting.convert(ConvertQuotation(quotation_id=quotation_id, converted_by="otto"))

    [order] = world.orders.docs.values()
    assert order["pricing"]["grand_total"] == Decimal("12.00")
    assert [(t["code"], t["version"]) for t in order["pricing"]["taxes"]] == [("VAT", 1)]


async def test_a_quotation_line_without_tax_codes_takes_its_products_and_the_order_keeps_them() -> (
    None
):
    world = World()
    world.items.counted["A"] = Counted(0, "each", tax_codes=("VAT",))
    world.config.rates = {"VAT": TaxRate(code="VAT", rate=Decimal(20), version=1)}
    quotation_id = await world.accepted_quotation()

    await world.quoting.convert(ConvertQuotation(quotation_id=quotation_id, converted_by="otto"))

    [order] = world.orders.docs.values()
    assert [line["tax_codes"] for line in order["lines"]] == [["VAT"]]
    assert order["pricing"]["grand_total"] == Decimal("12.00")


async def test_a_quotation_line_finer_than_its_item_is_counted_is_refused_naming_it() -> None:
    world = World()
    half = OrderLine(sku="CHAIR", quantity=Decimal("0.5"), unit_price=Decimal(80))
    whole = OrderLine(sku="CHAIR", quantity=Decimal(2), unit_price=Decimal(80))
    create = CreateQuotation(
        quotation_id=unique("Q"),
        customer_id="C-1",
        branch_id="B-1",
        created_by="sam",
        currency="EUR",
        lines=[whole, half],
        valid_until=utcnow() + timedelta(days=5),
    )
    with pytest.raises(InvalidQuantity, match=r"line 2: 0\.5 each of CHAIR is finer"):
        await world.quoting.create(create)
    assert await world.quotations.get(create.quotation_id) is None

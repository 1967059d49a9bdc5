"""The order service as data: its parts' tables joined, and the handlers object that holds each
part's handlers (``setup``).

The parts (see README, Layout) import only the parts below them: carts, quotations, RFQs and
work orders make or use orders; orders are priced (pricing) and checked against stock (stock)
and against their customer's or vendor's record (parties); ``common`` is beneath them all.
``make lint`` holds them to it (import-linter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.order.carts import repository as carts
from services.order.carts import table as cart_table
from services.order.carts.handlers import CartHandlers
from services.order.carts.queries import ORIGIN as CART
from services.order.carts.recovery import CartRecovery
from services.order.orders import repository as orders
from services.order.orders import table as order_table
from services.order.orders.conversions import Conversions
from services.order.orders.handlers import OrderHandlers
from services.order.parties import repository as parties
from services.order.parties import table as party_table
from services.order.parties.handlers import PartyHandlers
from services.order.pricing import repository as pricing
from services.order.pricing import table as pricing_table
from services.order.pricing.handlers import PricingConfiguration
from services.order.quotations import repository as quotations
from services.order.quotations import table as quotation_table
from services.order.quotations.handlers import QuotationHandlers
from services.order.quotations.queries import ORIGIN as QUOTATION
from services.order.rfqs import repository as rfqs
from services.order.rfqs import table as rfq_table
from services.order.rfqs.handlers import RfqHandlers
from services.order.rfqs.queries import ORIGIN as RFQ
from services.order.settings import OrderSettings
from services.order.stock import repository as stock
from services.order.stock import table as stock_table
from services.order.stock.handlers import StockHandlers
from services.order.work_orders import repository as work_orders
from services.order.work_orders import table as work_order_table
from services.order.work_orders.handlers import WorkOrderHandlers
from shared.access.policy import OwnData, QueryAccess
from shared.jobs import LeasedJob
from shared.parts import Part, joined, within
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import Service

EXPIRY_INTERVAL_SECONDS = 30.0
"""How often quotations past their validity are looked for and marked expired."""


@dataclass(frozen=True)
class OrderParts:
    """The order service's handlers object: each part's handlers."""

    stock: StockHandlers
    pricing: PricingConfiguration
    parties: PartyHandlers
    orders: OrderHandlers
    quotations: QuotationHandlers
    rfqs: RfqHandlers
    work_orders: WorkOrderHandlers
    carts: CartHandlers


async def setup(runtime: Runtime[OrderSettings]) -> OrderParts:
    """Each part's handlers, the parts below first: the parts above are given what they use."""
    db, relay = runtime.database, runtime.outbox
    for part in (stock, parties, orders, quotations, rfqs, work_orders, carts):
        await part.create_indexes(db)
    levels = stock.StockLevels(db)
    branches = stock.Branches(db, relay)
    items = stock.ItemCatalog(db)
    prices = PricingConfiguration(
        pricing.tax_rate_store(db, relay),
        pricing.price_list_store(db, relay),
        pricing.storefront_store(db, relay),
    )
    customers, vendors = parties.customer_store(db, relay), parties.vendor_store(db, relay)
    directory = parties.PartyDirectory(customers, vendors)
    order_store = orders.order_store(db, relay)
    order_handlers = OrderHandlers(
        order_store,
        orders.Admins(db),
        stock=levels,
        branches=branches,
        items=items,
        pricing=prices,
        parties=directory,
    )
    conversions = Conversions(order_store)
    quotation_handlers = QuotationHandlers(
        quotations.quotation_store(db, relay),
        conversions,
        stock=levels,
        branches=branches,
        pricing=prices,
        items=items,
    )
    cart_handlers = CartHandlers(carts.cart_store(db, relay), order_handlers, prices)
    runtime.jobs += _scheduled(runtime, quotation_handlers, cart_handlers, levels)
    return OrderParts(
        stock=StockHandlers(levels, branches, items),
        pricing=prices,
        parties=PartyHandlers(customers, vendors, directory),
        orders=order_handlers,
        quotations=quotation_handlers,
        rfqs=RfqHandlers(rfqs.rfq_store(db, relay), conversions, items=items),
        work_orders=WorkOrderHandlers(work_orders.work_order_store(db, relay), items),
        carts=cart_handlers,
    )


def _scheduled(
    runtime: Runtime[OrderSettings],
    quotation_handlers: QuotationHandlers,
    cart_handlers: CartHandlers,
    levels: stock.StockLevels,
) -> list[LeasedJob]:
    """The leased jobs (one replica runs each): quotations' expiry, the abandoned-cart scan."""
    db, settings = runtime.database, runtime.settings
    recovery = CartRecovery(
        cart_handlers.carts,
        levels,
        cart_handlers,
        settings.recovery_policy,
        checkout_grace=timedelta(seconds=settings.cart_checkout_grace_seconds),
    )
    return [
        LeasedJob(
            db,
            "quotation-expiry",
            quotation_handlers.expire_due,
            owner=runtime.owner,
            interval_seconds=EXPIRY_INTERVAL_SECONDS,
        ),
        LeasedJob(
            db,
            "cart-recovery",
            recovery.scan,
            owner=runtime.owner,
            interval_seconds=settings.cart_scan_interval_seconds,
        ),
    ]


PARTS: Part[OrderParts] = joined(
    within(lambda parts: parts.orders, order_table.table(origins=[QUOTATION, RFQ, CART])),
    within(lambda parts: parts.stock, stock_table.TABLE),
    within(lambda parts: parts.pricing, pricing_table.TABLE),
    within(lambda parts: parts.parties, party_table.TABLE),
    within(lambda parts: parts.quotations, quotation_table.TABLE),
    within(lambda parts: parts.rfqs, rfq_table.TABLE),
    within(lambda parts: parts.work_orders, work_order_table.TABLE),
    within(lambda parts: parts.carts, cart_table.TABLE),
)

SERVICE = Service(
    entry=entry("order"),
    description="Quotations, RFQs, purchase and sales orders: drafting, pricing (tax rates, "
    "price lists), submission, approval outcome, history; work orders: release, completion, "
    "cancellation; customer and vendor records (orders checked against them); storefront "
    "carts: active carts, checkout into sales orders, abandoned-cart recovery.",
    setup=setup,
    settings=OrderSettings,
    commands=PARTS.commands,
    events=PARTS.events,
    publishes=PARTS.publishes,
    outbox_collections=PARTS.outbox_collections,
    queries=PARTS.queries,
    query_access=QueryAccess(
        # A storefront reads its own carts and the orders it created (checkouts), nothing else.
        own_data={
            "/carts": OwnData("storefront_id", "carts"),
            "/carts/recovery": OwnData("storefront_id", "carts"),
            "/orders": OwnData("created_by", "orders"),
            "/orders/timeline": OwnData("created_by", "orders", via="/orders", key="order_id"),
        }
    ),
)

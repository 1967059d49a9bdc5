"""A valid message per inventory-related consumer, and the evidence that it was processed.

For a test that sends bad input to every consumer of every service and then checks that the
next valid message goes through: ``INVENTORY_SAMPLES`` covers the inventory service's consumers
and the order service's consumers of inventory events, keyed by (queue, routing key). A sample
gets a context with ``bus`` (a :class:`~tests.support.bus.Bus`) and ``db`` (the database of the
service under test).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Protocol

from shared.contracts import (
    Command,
    GoodsIssued,
    GoodsReceived,
    ItemDefined,
    LineProgress,
    OrderKind,
    OrderStockHoldRequested,
    ProductUpserted,
    ReleaseReason,
    ReservationConfirmed,
    ReservationReleased,
    ReservedLine,
    StockReserved,
    StockStatus,
)
from tests.support.bus import Bus
from tests.support.consumers import command, event
from tests.support.factories import purchase_order, sales_order, unique
from tests.support.inventory import (
    adjust,
    approved,
    cancelled,
    closed_short,
    define_item,
    define_location,
    eventually,
    issue,
    opening,
    receive,
    rejected,
    stock_lines,
    submitted,
)


class SampleContext(Protocol):
    bus: Bus
    db: Any


Sample = Callable[[SampleContext], Awaitable[None]]


async def _answered(ctx: SampleContext, command: Command) -> dict[str, Any]:
    """Send a command and return its answer (an event or a rejection: either way, processed)."""
    await ctx.bus.send(command, reply=True)
    return (await ctx.bus.reply_for(command)).body


async def _applied(ctx: SampleContext, event: Any) -> None:
    await ctx.bus.send(event)
    await eventually(
        lambda: ctx.db.orders.find_one({"_id": event.order_id}),
        lambda doc: doc is not None and str(event.message_id) in doc["applied_messages"],
        what=f"{event.type_name()} applied",
    )


# --- the inventory service -------------------------------------------------------------------


async def _location_with_item(ctx: SampleContext) -> tuple[str, str]:
    location, item = define_location("B1"), define_item()
    await _answered(ctx, location)
    await _answered(ctx, item)
    return location.location_id, item.sku


async def s_define_item(ctx: SampleContext) -> None:
    assert "sku" in await _answered(ctx, define_item())


async def s_define_location(ctx: SampleContext) -> None:
    assert "location_id" in await _answered(ctx, define_location("B1"))


async def s_set_opening_balance(ctx: SampleContext) -> None:
    location, sku = await _location_with_item(ctx)
    assert (await _answered(ctx, opening(sku, location, "2")))["on_hand"] == "2"


async def s_adjust_stock(ctx: SampleContext) -> None:
    location, sku = await _location_with_item(ctx)
    assert (await _answered(ctx, adjust(sku, location, "3")))["on_hand"] == "3"


async def s_receive_goods(ctx: SampleContext) -> None:
    location, sku = await _location_with_item(ctx)
    await _applied(ctx, approved(OrderKind.PURCHASE, order := unique("PO"), "B1", (sku, "2")))
    answer = await _answered(ctx, receive(order, location, (sku, "2")))
    assert answer["fully_received"] is True


async def s_issue_goods(ctx: SampleContext) -> None:
    location, sku = await _location_with_item(ctx)
    await _answered(ctx, opening(sku, location, "2"))
    await _applied(ctx, approved(OrderKind.SALES, order := unique("SO"), "B1", (sku, "2")))
    assert (await _answered(ctx, issue(order, location, (sku, "2"))))["completed"] is True


async def s_inventory_product_upserted(ctx: SampleContext) -> None:
    event = ProductUpserted(sku=unique("SKU"), version=3, name="Rope", unit_of_measure="m")
    await ctx.bus.send(event)
    await eventually(
        lambda: ctx.db["items"].find_one({"_id": event.sku}),
        lambda doc: doc is not None and doc["product_version"] == 3,
        what="the product recorded",
    )


async def s_inventory_order_submitted(ctx: SampleContext) -> None:
    await _applied(ctx, submitted(OrderKind.SALES, unique("SO"), "B1", ("S", "1")))


async def s_inventory_stock_hold_requested(ctx: SampleContext) -> None:
    facts = submitted(OrderKind.SALES, unique("SO"), "B1", ("S", "1")).model_dump()
    facts.pop("message_id")
    await _applied(ctx, OrderStockHoldRequested.model_validate(facts))


async def s_order_item_defined(ctx: SampleContext) -> None:
    event = ItemDefined(sku=unique("SKU"), name="Rope", unit_of_measure="m", decimal_places=1)
    await ctx.bus.send(event)
    await eventually(
        lambda: ctx.db["items"].find_one({"_id": event.sku}),
        lambda doc: doc is not None and doc["decimal_places"] == 1,
        what="the item learnt",
    )


async def s_inventory_order_approved(ctx: SampleContext) -> None:
    await _applied(ctx, approved(OrderKind.PURCHASE, unique("PO"), "B1", ("S", "1")))


async def s_inventory_order_rejected(ctx: SampleContext) -> None:
    await _applied(ctx, rejected(OrderKind.SALES, unique("SO")))


async def s_inventory_order_cancelled(ctx: SampleContext) -> None:
    await _applied(ctx, cancelled(OrderKind.PURCHASE, unique("PO")))


async def s_inventory_order_completed(ctx: SampleContext) -> None:
    order = unique("SO")
    await _applied(ctx, approved(OrderKind.SALES, order, "B1", ("S", "1")))
    await _applied(ctx, closed_short(OrderKind.SALES, order))


async def s_ledger(ctx: SampleContext) -> None:
    location, sku = await _location_with_item(ctx)
    await _answered(ctx, opening(sku, location, "1"))
    await eventually(
        lambda: ctx.db.ledger.find_one({"sku": sku, "location_id": location}),
        lambda entry: entry is not None,
        what="the ledger entry",
    )


# --- the order service's consumers of inventory events -----------------------------------------


async def _order(ctx: SampleContext, kind: OrderKind) -> tuple[str, str, Decimal]:
    create = purchase_order() if kind is OrderKind.PURCHASE else sales_order()
    await _answered(ctx, create)
    return create.order_id, create.lines[0].sku, create.lines[0].quantity


def _progress(sku: str, ordered: Decimal) -> list[LineProgress]:
    return [LineProgress(sku=sku, ordered=ordered, fulfilled=Decimal(1))]


async def s_order_goods_received(ctx: SampleContext) -> None:
    order_id, sku, ordered = await _order(ctx, OrderKind.PURCHASE)
    await _applied(
        ctx,
        GoodsReceived(
            order_id=order_id,
            receipt_id="GR-1",
            location_id="L-1",
            branch_id="B1",
            lines=stock_lines((sku, "1")),
            received_by="clerk",
            order_lines=_progress(sku, ordered),
            fully_received=False,
        ),
    )


async def s_order_goods_issued(ctx: SampleContext) -> None:
    order_id, sku, ordered = await _order(ctx, OrderKind.SALES)
    await _applied(
        ctx,
        GoodsIssued(
            order_id=order_id,
            issue_id="GI-1",
            location_id="L-1",
            branch_id="B1",
            lines=stock_lines((sku, "1")),
            issued_by="clerk",
            order_lines=_progress(sku, ordered),
            backorder=[],
            completed=False,
        ),
    )


def _reservation(order_id: str, sku: str) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "attempt": 1,
        "location_id": "L-1",
        "stock_status": StockStatus.CONFIRMED,
        "lines": [ReservedLine(sku=sku, needed=Decimal(1), reserved=Decimal(1))],
    }


async def s_order_stock_reserved(ctx: SampleContext) -> None:
    order_id, sku, _ = await _order(ctx, OrderKind.SALES)
    await _applied(ctx, StockReserved(**_reservation(order_id, sku), expires_at=None))


async def s_order_reservation_confirmed(ctx: SampleContext) -> None:
    order_id, sku, _ = await _order(ctx, OrderKind.SALES)
    await _applied(ctx, ReservationConfirmed(**_reservation(order_id, sku)))


async def s_order_reservation_released(ctx: SampleContext) -> None:
    order_id, _, _ = await _order(ctx, OrderKind.SALES)
    await _applied(
        ctx,
        ReservationReleased(
            order_id=order_id,
            attempt=1,
            location_id="L-1",
            reason=ReleaseReason.EXPIRED,
            lines=[],
        ),
    )


INVENTORY_SAMPLES: dict[tuple[str, str], Sample] = {
    command("inventory.define_item"): s_define_item,
    command("inventory.define_location"): s_define_location,
    command("inventory.set_opening_balance"): s_set_opening_balance,
    command("inventory.adjust_stock"): s_adjust_stock,
    command("inventory.receive_goods"): s_receive_goods,
    command("inventory.issue_goods"): s_issue_goods,
    event("inventory", "order.submitted"): s_inventory_order_submitted,
    event("inventory", "product.upserted"): s_inventory_product_upserted,
    event("inventory", "order.approved"): s_inventory_order_approved,
    event("inventory", "order.stock_hold_requested"): (s_inventory_stock_hold_requested),
    event("order", "inventory.item_defined"): s_order_item_defined,
    event("inventory", "order.rejected"): s_inventory_order_rejected,
    event("inventory", "order.cancelled"): s_inventory_order_cancelled,
    event("inventory", "order.completed"): s_inventory_order_completed,
    ("inventory.ledger", "inventory.stock_moved"): s_ledger,
    ("order.goods-received", "inventory.goods_received"): s_order_goods_received,
    ("order.goods-issued", "inventory.goods_issued"): s_order_goods_issued,
    ("order.stock-reserved", "inventory.stock_reserved"): s_order_stock_reserved,
    ("order.reservation-confirmed", "inventory.reservation_confirmed"): (
        s_order_reservation_confirmed
    ),
    ("order.reservation-released", "inventory.reservation_released"): (
        s_order_reservation_released
    ),
}

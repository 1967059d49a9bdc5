"""Broken messages to every inventory consumer (and the order service's new ones): each is
dead-lettered with its reason, and the next valid message on the queue is processed."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import (
    CreatePurchaseOrder,
    CreateSalesOrder,
    GoodsIssued,
    GoodsReceived,
    LineProgress,
    OrderKind,
    ReleaseReason,
    ReservationConfirmed,
    ReservationReleased,
    ReservedLine,
    StockReserved,
    StockStatus,
)
from shared.names import COMMANDS, EVENTS
from shared.storage.mongo import Document
from tests.support.bus import Bus
from tests.support.factories import purchase_order, sales_order, unique
from tests.support.inventory import (
    InventoryDriver,
    approved,
    cancelled,
    define_item,
    eventually,
    opening,
    rejected,
    stock_lines,
    submitted,
)

BROKEN = (b"{not json", b'{"order_id": "X-1", "lines": "many"}')


async def break_then_heal(
    bus: Bus, exchange: str, queue: str, routing_key: str, valid: Callable[[], Awaitable[None]]
) -> None:
    sent = [str(uuid.uuid4()) for _ in BROKEN]
    for body, message_id in zip(BROKEN, sent, strict=True):
        await bus.send_raw(exchange, routing_key, body, message_id=message_id)
    if exchange == COMMANDS:  # the sender's mistake, answered to the sender: not kept
        rejected = f"{queue.split('.', maxsplit=1)[0]}.command_rejected"
        answers = {
            a.body["command_message_id"]: a.body for a in await bus.wait_for(rejected, count=2)
        }
        details = [answers[message_id]["detail"] for message_id in sent]
        assert {answers[m]["reason"] for m in sent} == {"invalid_message"}, queue
        assert "not valid JSON" in details[0], queue
        assert "Field required" in details[1], queue
        await valid()  # the queue moved on
        assert await bus.dead_letter_count(queue) == 0
        return
    # The two are about no entity (or different ones): their dead letters may come in any order.
    letters = {d.message_id: d for d in await bus.dead_letters(queue, count=len(BROKEN))}
    dead = [letters[message_id] for message_id in sent]
    assert [d.headers["x-oms-reason"] for d in dead] == ["invalid_message"] * 2, queue
    assert "not valid JSON" in dead[0].headers["x-oms-detail"], queue
    assert "Field required" in dead[1].headers["x-oms-detail"], queue
    assert all(d.headers["x-oms-queue"] == queue for d in dead)
    await valid()  # the queue moved on


async def test_every_inventory_consumer_dead_letters_bad_input_and_goes_on(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    so = unique("SO")
    cases: list[tuple[str, str, str, Callable[[], Awaitable[Any]]]] = [
        (
            COMMANDS,
            "inventory.commands",
            "inventory.define_item",
            lambda: inventory.accepted(define_item()),
        ),
        (
            EVENTS,
            "inventory.order-submitted",
            "order.submitted",
            lambda: inventory.learnt(submitted(OrderKind.SALES, so, "BR-S", ("SKU-1", "1"))),
        ),
        (
            EVENTS,
            "inventory.order-approved",
            "order.approved",
            lambda: inventory.learnt(approved(OrderKind.SALES, so, "BR-S", ("SKU-1", "1"))),
        ),
        (
            EVENTS,
            "inventory.order-cancelled",
            "order.cancelled",
            lambda: inventory.learnt(cancelled(OrderKind.SALES, so)),
        ),
        (
            EVENTS,
            "inventory.order-rejected",
            "order.rejected",
            lambda: inventory.learnt(rejected(OrderKind.PURCHASE, unique("PO"))),
        ),
        (
            EVENTS,
            "inventory.ledger",
            "inventory.stock_moved",
            lambda: _ledger_entry(inventory, loc),
        ),
    ]
    for exchange, queue, routing_key, valid in cases:
        await break_then_heal(inventory.bus, exchange, queue, routing_key, valid)


async def _ledger_entry(inventory: InventoryDriver, loc: str) -> None:
    await inventory.accepted(opening("SKU-1", loc, "3"))
    await inventory.ledger_caught_up()


async def test_the_order_services_inventory_consumers_dead_letter_bad_input_and_go_on(
    bus: Bus, order_service: Any, order_db: AsyncDatabase[Document]
) -> None:
    po, so = purchase_order(), sales_order()
    for create in (po, so):
        await bus.send(create)
        await bus.wait_for("order.created", partial(_about, create.order_id))

    async def applied(event: Any) -> None:
        await bus.send(event)
        await eventually(
            lambda: order_db.orders.find_one({"_id": event.order_id}),
            lambda doc: doc is not None and str(event.message_id) in doc["applied_messages"],
            what=f"{event.type_name()} applied",
        )

    cases = [
        ("order.goods-received", "inventory.goods_received", _received(po)),
        ("order.goods-issued", "inventory.goods_issued", _issued(so)),
        ("order.stock-reserved", "inventory.stock_reserved", _reserved(so, StockReserved)),
        (
            "order.reservation-confirmed",
            "inventory.reservation_confirmed",
            _reserved(so, ReservationConfirmed),
        ),
        ("order.reservation-released", "inventory.reservation_released", _released(so)),
    ]
    for queue, routing_key, event in cases:
        await break_then_heal(bus, EVENTS, queue, routing_key, partial(applied, event))


def _about(order_id: str, body: dict[str, Any]) -> bool:
    return bool(body["order_id"] == order_id)


def _received(po: CreatePurchaseOrder) -> GoodsReceived:
    line = po.lines[0]
    return GoodsReceived(
        order_id=po.order_id,
        receipt_id="GR-1",
        location_id="L-1",
        branch_id=po.branch_id,
        lines=stock_lines((line.sku, "1")),
        received_by="clerk",
        fully_received=False,
        order_lines=[LineProgress(sku=line.sku, ordered=line.quantity, fulfilled=Decimal(1))],
    )


def _issued(so: CreateSalesOrder) -> GoodsIssued:
    line = so.lines[0]
    return GoodsIssued(
        order_id=so.order_id,
        issue_id="GI-1",
        location_id="L-1",
        branch_id=so.branch_id,
        lines=stock_lines((line.sku, "1")),
        issued_by="clerk",
        backorder=[],
        completed=False,
        order_lines=[LineProgress(sku=line.sku, ordered=line.quantity, fulfilled=Decimal(1))],
    )


def _reserved(
    so: CreateSalesOrder, kind: type[StockReserved] | type[ReservationConfirmed]
) -> StockReserved | ReservationConfirmed:
    facts: dict[str, Any] = {
        "order_id": so.order_id,
        "attempt": 1,
        "location_id": "L-1",
        "stock_status": StockStatus.CONFIRMED,
        "lines": [ReservedLine(sku=so.lines[0].sku, needed=Decimal(2), reserved=Decimal(2))],
    }
    if kind is StockReserved:
        return StockReserved(**facts, expires_at=None)
    return ReservationConfirmed(**facts)


def _released(so: CreateSalesOrder) -> ReservationReleased:
    return ReservationReleased(
        order_id=so.order_id, attempt=1, location_id="L-1", reason=ReleaseReason.EXPIRED, lines=[]
    )

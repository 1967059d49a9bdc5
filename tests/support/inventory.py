"""Inventory test helpers: valid commands and order events with unique ids, and a small driver.

Tests that run the inventory service alone play the order service by publishing its events
(``submitted``/``approved``/``rejected``/``cancelled``) themselves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts import (
    AdjustStock,
    AuthorizeReturn,
    Command,
    DefineItem,
    DefineLocation,
    IssueGoods,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderKind,
    OrderLine,
    OrderRejected,
    OrderSubmitted,
    ReceiveGoods,
    ReceiveReturn,
    ReturnReason,
    SetOpeningBalance,
    StockLine,
)
from shared.storage.mongo import Document
from tests.support.bus import Bus, Received
from tests.support.factories import unique

T = TypeVar("T")


def stock_lines(*specs: tuple[str, str]) -> list[StockLine]:
    return [StockLine(sku=sku, quantity=Decimal(quantity)) for sku, quantity in specs]


def order_lines(*specs: tuple[str, str]) -> list[OrderLine]:
    return [
        OrderLine(sku=sku, quantity=Decimal(quantity), unit_price=Decimal("1.00"))
        for sku, quantity in specs
    ]


def define_item(sku: str | None = None, *, decimal_places: int = 0) -> DefineItem:
    return DefineItem(
        sku=sku or unique("SKU"),
        name="Test item",
        unit_of_measure="each" if decimal_places == 0 else "kg",
        decimal_places=decimal_places,
    )


def define_location(branch_id: str, *, sales_location: bool = False) -> DefineLocation:
    return DefineLocation(
        location_id=unique(f"{branch_id}-WH"),
        branch_id=branch_id,
        warehouse="Main",
        sales_location=sales_location,
    )


def opening(sku: str, location_id: str, quantity: str) -> SetOpeningBalance:
    return SetOpeningBalance(
        sku=sku,
        location_id=location_id,
        quantity=Decimal(quantity),
        reason="go-live count",
        set_by="clerk",
    )


def adjust(sku: str, location_id: str, quantity: str, reason: str = "cycle count") -> AdjustStock:
    return AdjustStock(
        adjustment_id=unique("ADJ"),
        sku=sku,
        location_id=location_id,
        quantity=Decimal(quantity),
        reason=reason,
        adjusted_by="clerk",
    )


def receive(order_id: str, location_id: str, *lines: tuple[str, str]) -> ReceiveGoods:
    return ReceiveGoods(
        receipt_id=unique("GR"),
        order_id=order_id,
        location_id=location_id,
        lines=stock_lines(*lines),
        received_by="clerk",
    )


def issue(order_id: str, location_id: str, *lines: tuple[str, str]) -> IssueGoods:
    return IssueGoods(
        issue_id=unique("GI"),
        order_id=order_id,
        location_id=location_id,
        lines=stock_lines(*lines),
        issued_by="clerk",
    )


def _facts(
    kind: OrderKind, order_id: str, branch_id: str, lines: list[OrderLine]
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "kind": kind,
        "party_id": "PARTY-1",
        "branch_id": branch_id,
        "created_by": "alice",
        "currency": "USD",
        "lines": lines,
        "total": sum((line.amount for line in lines), Decimal(0)),
        "correlation_id": order_id,
    }


def submitted(
    kind: OrderKind, order_id: str, branch_id: str, *lines: tuple[str, str], attempt: int = 1
) -> OrderSubmitted:
    return OrderSubmitted(
        **_facts(kind, order_id, branch_id, order_lines(*lines)),
        attempt=attempt,
        submitted_by="alice",
    )


def approved(
    kind: OrderKind, order_id: str, branch_id: str, *lines: tuple[str, str], attempt: int = 1
) -> OrderApproved:
    return OrderApproved(**_facts(kind, order_id, branch_id, order_lines(*lines)), attempt=attempt)


def approved_at(
    kind: OrderKind, order_id: str, branch_id: str, *lines: tuple[str, str, str]
) -> OrderApproved:
    """An order approved in its first attempt with lines ``(sku, quantity, unit price)``."""
    priced = [
        OrderLine(sku=sku, quantity=Decimal(quantity), unit_price=Decimal(price))
        for sku, quantity, price in lines
    ]
    return OrderApproved(**_facts(kind, order_id, branch_id, priced), attempt=1)


def authorize_return(
    order_id: str, *lines: tuple[str, str], reason: ReturnReason = ReturnReason.UNWANTED
) -> AuthorizeReturn:
    return AuthorizeReturn(
        return_id=unique("RMA"),
        order_id=order_id,
        lines=stock_lines(*lines),
        reason=reason,
        authorized_by="agent",
    )


def receive_return(authorized: AuthorizeReturn, location_id: str) -> ReceiveReturn:
    return ReceiveReturn(
        return_id=authorized.return_id,
        order_id=authorized.order_id,
        location_id=location_id,
        received_by="clerk",
    )


def rejected(kind: OrderKind, order_id: str, *, attempt: int = 1) -> OrderRejected:
    return OrderRejected(
        order_id=order_id, kind=kind, party_id="PARTY-1", attempt=attempt, correlation_id=order_id
    )


def cancelled(kind: OrderKind, order_id: str) -> OrderCancelled:
    return OrderCancelled(
        order_id=order_id,
        kind=kind,
        party_id="PARTY-1",
        cancelled_by="alice",
        correlation_id=order_id,
    )


def closed_short(kind: OrderKind, order_id: str) -> OrderCompleted:
    return OrderCompleted(
        order_id=order_id,
        kind=kind,
        party_id="PARTY-1",
        branch_id="B1",
        lines=[],
        closed_short=True,
        reason="no more",
        completed_by="alice",
        correlation_id=order_id,
    )


async def eventually(
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool],
    *,
    timeout: float = 10.0,
    what: str = "condition",
) -> T:
    """Poll ``probe`` until ``accept`` holds for its value; fail with the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}; last value: {value!r}")
        await asyncio.sleep(0.05)


class InventoryDriver:
    """Sends commands and waits for their answers; reads the inventory database."""

    def __init__(self, bus: Bus, db: AsyncDatabase[Document]) -> None:
        self.bus = bus
        self.db = db

    async def command(self, cmd: Command, timeout: float = 10.0) -> Received:
        await self.bus.send(cmd, reply=True)
        return await self.bus.reply_for(cmd, timeout=timeout)

    async def accepted(self, cmd: Command) -> Received:
        reply = await self.command(cmd)
        assert reply.type != "CommandRejected", f"{cmd.type_name()} refused: {reply.body}"
        return reply

    async def refused(self, cmd: Command) -> Received:
        reply = await self.command(cmd)
        assert reply.type == "CommandRejected", f"{cmd.type_name()} was accepted: {reply.body}"
        return reply

    async def branch(self, branch_id: str, *skus: str) -> str:
        """A location of ``branch_id`` with the given items defined; returns the location id."""
        location = define_location(branch_id)
        await self.accepted(location)
        for sku in skus:
            if await self.db.items.find_one({"_id": sku}) is None:
                await self.accepted(define_item(sku))
        return location.location_id

    async def stock(self, sku: str, location_id: str) -> Document:
        doc = await self.db.stock.find_one({"_id": f"{sku}|{location_id}"})
        if doc is None:  # nothing ever moved there
            totals = ("on_hand", "reserved", "opening", "received", "issued", "adjusted")
            return {**dict.fromkeys(totals, Decimal(0)), "held": [], "movements": 0}
        return doc

    async def order(self, order_id: str) -> Document | None:
        return await self.db.orders.find_one({"_id": order_id})

    async def learnt(
        self, event: OrderSubmitted | OrderApproved | OrderRejected | OrderCancelled
    ) -> Document:
        """Publish an order event and wait until inventory applied it."""
        await self.bus.send(event)
        mid = str(event.message_id)
        order = await eventually(
            lambda: self.order(event.order_id),
            lambda doc: doc is not None and mid in doc["applied_messages"],
            what=f"{event.type_name()} applied",
        )
        assert order is not None
        return order

    async def ledger(self, sku: str, location_id: str) -> list[Document]:
        cursor = self.db.ledger.find(
            {"sku": sku, "location_id": location_id}, sort=[("sequence", 1)]
        )
        return [doc async for doc in cursor]

    async def ledger_caught_up(self, timeout: float = 10.0) -> None:
        """Wait until every movement of every stock record is in the ledger."""

        async def counts() -> tuple[int, int]:
            moved = 0
            async for doc in self.db.stock.find({}, {"movements": 1}):
                moved += doc["movements"]
            return moved, await self.db.ledger.count_documents({})

        await eventually(counts, lambda c: c[0] == c[1], timeout=timeout, what="ledger to catch up")

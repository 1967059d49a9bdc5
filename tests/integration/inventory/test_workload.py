"""A random workload across two branches, every message delivered twice: the ledger balances.

The test plays the order service (submitted / approved / rejected / cancelled events) and the
warehouse clerks (opening balances, adjustments, receipts, issues). Operations go out in rounds
of concurrent messages, each sent twice with the same message id; at the end, for every item
and location, on hand == opening + receipts - issues +/- adjustments, in the stock records and
in the ledger, nothing was ever negative, and every accepted command moved stock exactly once.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.contracts import Command, Event, OrderKind
from tests.support.bus import Received
from tests.support.factories import unique
from tests.support.inventory import (
    InventoryDriver,
    adjust,
    approved,
    cancelled,
    define_item,
    define_location,
    issue,
    opening,
    receive,
    rejected,
    submitted,
)

SEED = int(os.environ.get("OMS_WORKLOAD_SEED", "20261122"))
OPERATIONS = 220
ROUND = 12
BRANCHES = ("BR-A", "BR-B")
SKUS = ("W-BOLT", "W-NUT", "W-GEAR", "W-BELT")
ZERO = Decimal(0)


@dataclass
class ModelOrder:
    """What the test, as the order service, has said about an order."""

    order_id: str
    kind: OrderKind
    branch: str
    lines: list[tuple[str, str]]
    attempt: int = 1
    status: str = "submitted"
    delivered: bool = False
    remaining: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.remaining = {sku: int(quantity) for sku, quantity in self.lines}

    @property
    def open(self) -> bool:
        return any(self.remaining.values())


@dataclass
class Workload:
    rng: random.Random
    locations: dict[str, list[str]]
    orders: list[ModelOrder] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def pick(self, status: str, kind: OrderKind | None = None) -> ModelOrder | None:
        found = [o for o in self.orders if o.status == status and kind in (None, o.kind) and o.open]
        return self.rng.choice(found) if found else None

    def learn(self, reply: Received) -> None:
        """An accepted receipt or issue lowers what the test still expects to deliver."""
        if reply.type not in {"GoodsReceived", "GoodsIssued"}:
            return
        order = next(o for o in self.orders if o.order_id == reply.body["order_id"])
        for line in reply.body["order_lines"]:
            left = Decimal(line["ordered"]) - Decimal(line["fulfilled"])
            order.remaining[line["sku"]] = max(int(left), 0)

    def next_operation(self) -> Command | Event:  # noqa: PLR0911 - one branch per operation
        rng = self.rng
        roll = rng.random()
        if roll < 0.16:
            return self._new_order()
        if roll < 0.30 and (order := self.pick("submitted")):
            return self._decide(order)
        if roll < 0.34 and (order := self.pick("rejected")):
            order.attempt, order.status = order.attempt + 1, "submitted"
            return submitted(
                order.kind, order.order_id, order.branch, *order.lines, attempt=order.attempt
            )
        if roll < 0.37 and (order := self.pick("approved")) and not order.delivered:
            order.status = "cancelled"
            return cancelled(order.kind, order.order_id)
        if roll < 0.55 and (order := self.pick("approved", OrderKind.PURCHASE)):
            return self._delivery(order, receive)
        if roll < 0.75 and (order := self.pick("approved", OrderKind.SALES)):
            return self._delivery(order, issue)
        if roll < 0.97:
            branch = rng.choice(BRANCHES)
            quantity = rng.choice(["-3", "-1", "2", "5", "8"])
            return adjust(rng.choice(SKUS), rng.choice(self.locations[branch]), quantity)
        return adjust("W-NEVER-DEFINED", self.locations["BR-A"][0], "1")

    def _new_order(self) -> Event:
        kind = self.rng.choice([OrderKind.PURCHASE, OrderKind.SALES])
        skus = self.rng.sample(SKUS, self.rng.choice([1, 2]))
        lines = [(sku, str(self.rng.randint(1, 8))) for sku in skus]
        order = ModelOrder(
            unique("PO" if kind is OrderKind.PURCHASE else "SO"),
            kind,
            self.rng.choice(BRANCHES),
            lines,
        )
        self.orders.append(order)
        return submitted(kind, order.order_id, order.branch, *lines)

    def _decide(self, order: ModelOrder) -> Event:
        if self.rng.random() < 0.75:
            order.status = "approved"
            return approved(
                order.kind, order.order_id, order.branch, *order.lines, attempt=order.attempt
            )
        order.status = "rejected"
        return rejected(order.kind, order.order_id, attempt=order.attempt)

    def _delivery(self, order: ModelOrder, make: Any) -> Command:
        sku = self.rng.choice([sku for sku, left in order.remaining.items() if left])
        quantity = str(self.rng.randint(1, order.remaining[sku] + 1))  # sometimes too much
        branch = order.branch if self.rng.random() < 0.9 else self.rng.choice(BRANCHES)
        location = self.locations[branch][
            0 if order.kind is OrderKind.SALES else self.rng.randint(0, 1)
        ]
        order.delivered = True
        cmd: Command = make(order.order_id, location, (sku, quantity))
        return cmd


async def send_twice(inventory: InventoryDriver, message: Command | Event) -> None:
    """Deliver a message twice, as a redelivering broker or a retrying client would."""
    reply = isinstance(message, Command)
    await asyncio.gather(*(inventory.bus.send(message, reply=reply) for _ in range(2)))


async def settle_round(
    inventory: InventoryDriver, batch: list[Command | Event], workload: Workload | None = None
) -> None:
    for message in batch:
        if isinstance(message, Command):
            reply = await inventory.bus.reply_for(message, timeout=30)
            if workload is not None:
                workload.learn(reply)
        else:
            mid = str(message.message_id)
            order_id = getattr(message, "order_id")  # noqa: B009 - every order event has one

            async def applied(order_id: str = order_id, mid: str = mid) -> bool:
                doc = await inventory.order(order_id)
                return doc is not None and mid in doc["applied_messages"]

            while not await applied():
                await asyncio.sleep(0.05)


async def test_random_workload_with_every_message_twice_keeps_the_ledger_balanced(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    rng = random.Random(SEED)
    locations: dict[str, list[str]] = {}
    for branch in BRANCHES:
        for index in range(2):
            location = define_location(branch, sales_location=index == 0)
            await send_twice(inventory, location)
            await inventory.bus.reply_for(location)
            locations.setdefault(branch, []).append(location.location_id)
    for sku in SKUS:
        item = define_item(sku)
        await send_twice(inventory, item)
        await inventory.bus.reply_for(item)
    workload = Workload(rng, locations)
    setup: list[Command | Event] = [
        opening(sku, loc, str(rng.randint(0, 6) + 4))
        for branch in BRANCHES
        for loc in locations[branch]
        for sku in SKUS
    ]
    for message in setup:
        await send_twice(inventory, message)
    await settle_round(inventory, setup)

    sent: list[Command | Event] = list(setup)
    while len(sent) < OPERATIONS:
        batch = [workload.next_operation() for _ in range(ROUND)]
        for message in batch:
            await send_twice(inventory, message)
        await settle_round(inventory, batch, workload)
        sent.extend(batch)

    await inventory.ledger_caught_up(timeout=30)
    await check_stock_and_ledger(inventory)
    check_accepted_once(inventory, [m for m in sent if isinstance(m, Command)])
    await check_reservations(inventory, workload)
    kinds = Counter(type(m).__name__ for m in sent)
    accepted = Counter(r.type for r in first_replies(inventory, sent))
    print(f"seed={SEED} operations={len(sent)} {dict(kinds)} answers={dict(accepted)}")
    assert accepted["GoodsReceived"] >= 5  # a real workload, not only refusals
    assert accepted["GoodsIssued"] >= 5


def first_replies(inventory: InventoryDriver, sent: list[Command | Event]) -> list[Received]:
    ids = {str(m.message_id) for m in sent if isinstance(m, Command)}
    seen: dict[str, Received] = {}
    for reply in inventory.bus.replies:
        cause = reply.body.get("causation_id")
        if cause in ids and cause not in seen:
            seen[cause] = reply
    return list(seen.values())


async def check_stock_and_ledger(inventory: InventoryDriver) -> None:
    records = [doc async for doc in inventory.db.stock.find({})]
    assert len(records) == len(BRANCHES) * 2 * len(SKUS)
    for stock in records:
        name = stock["_id"]
        balance = stock["opening"] + stock["received"] - stock["issued"] + stock["adjusted"]
        assert stock["on_hand"] == balance, name
        assert stock["reserved"] == sum((h["quantity"] for h in stock["held"]), ZERO), name
        assert ZERO <= stock["reserved"] <= stock["on_hand"], name

        entries = await inventory.ledger(stock["sku"], stock["location_id"])
        assert [e["sequence"] for e in entries] == list(range(1, stock["movements"] + 1)), name
        by_kind: Counter[str] = Counter()
        for entry in entries:
            by_kind[entry["kind"]] += entry["on_hand_change"]
            assert entry["on_hand_after"] >= 0, name
            assert ZERO <= entry["reserved_after"] <= entry["on_hand_after"], name
        assert by_kind["opening"] == stock["opening"], name
        assert by_kind["receipt"] == stock["received"], name
        assert -(by_kind["issue"] + by_kind["issue_reversal"]) == stock["issued"], name
        assert by_kind["adjustment"] == stock["adjusted"], name
        ledger_on_hand = sum(by_kind.values(), ZERO)
        assert (
            ledger_on_hand
            == stock["on_hand"]
            == (entries[-1]["on_hand_after"] if entries else ZERO)
        ), name
        assert sum((e["reserved_change"] for e in entries), ZERO) == stock["reserved"], name


def check_accepted_once(inventory: InventoryDriver, commands: list[Command]) -> None:
    """Every accepted receipt or issue is announced once; a refused one never, nor a receipt
    held for an over-receipt's approval (answered ``ReceiptHeld``: nobody decides it here)."""
    for routing_key, field_name, answer in (
        ("inventory.goods_received", "receipt_id", "GoodsReceived"),
        ("inventory.goods_issued", "issue_id", "GoodsIssued"),
    ):
        announced = Counter(e.body[field_name] for e in inventory.bus.matching(routing_key))
        documents = [getattr(c, field_name) for c in commands if hasattr(c, field_name)]
        accepted = {r.body[field_name] for r in inventory.bus.replies if r.type == answer}
        for document in documents:
            assert announced[document] == (1 if document in accepted else 0), document


async def check_reservations(inventory: InventoryDriver, workload: Workload) -> None:
    """Only submitted or approved sales orders hold stock, never more than they still need."""
    held: dict[str, Decimal] = {}
    async for stock in inventory.db.stock.find({}):
        for hold in stock["held"]:
            held[hold["order_id"]] = held.get(hold["order_id"], ZERO) + hold["quantity"]
    for order in workload.orders:
        doc = await inventory.order(order.order_id)
        assert doc is not None
        outstanding = sum((line["ordered"] - line["fulfilled"] for line in doc["lines"]), ZERO)
        if order.status in {"rejected", "cancelled"}:
            assert held.get(order.order_id, ZERO) == 0, order
        else:
            assert held.get(order.order_id, ZERO) <= outstanding, order

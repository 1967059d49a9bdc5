"""Whole business flows driven over the bus, as a client of OMS drives them (bench, e2e tests).

A sales order: create, submit, (approve if its customer is in a cycle), wait for
``order.approved``, issue the goods, wait for ``inventory.goods_issued``. A purchase order:
create, submit, (approve), wait for ``order.approved``. Every command of a flow carries the
order id as its ``correlation_id``, so that the events it caused can be told apart and counted.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import uuid4

from aio_pika.abc import AbstractIncomingMessage

from shared.contracts import (
    ApproveRequest,
    AssignParty,
    Command,
    DefineCycle,
    IssueGoods,
    LevelRule,
    OrderKind,
    StockLine,
    SubmitOrder,
    UpsertUser,
)
from tests.support.bus import Bus, Received
from tests.support.factories import lines, purchase_order, sales_order, unique
from tests.support.inventory import define_item, define_location, opening

REJECTED = ".command_rejected"
SECONDS = 30.0
"""How long a test waits for one answer."""


class FlowBus(Bus):
    """A Bus that finds an order's events by key at once, however many have arrived."""

    def __init__(self, amqp_url: str) -> None:
        super().__init__(amqp_url)
        self.sent = 0
        self.timeout = 60.0
        """How long to wait for each event of a flow (a backlog may need longer)."""
        self._seen: dict[tuple[str, str], list[Received]] = defaultdict(list)
        self._waiting: dict[tuple[str, str], list[asyncio.Future[Received]]] = defaultdict(list)

    def _record(self, into: list[Received]) -> Callable[[AbstractIncomingMessage], Any]:
        record = super()._record(into)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await record(message)
            if into is self.events:
                self._index(into[-1])

        return on_message

    def _index(self, event: Received) -> None:
        keys = [(event.routing_key, str(event.body.get("order_id")))]
        if event.routing_key.endswith(REJECTED):
            keys.append(("*", str(event.body.get("command_message_id"))))
        for found in keys:
            self._seen[found].append(event)
            for future in self._waiting.pop(found, []):
                if not future.done():
                    future.set_result(event)

    async def send(self, message: Any, **options: Any) -> None:
        self.sent += 1
        await super().send(message, **options)

    async def first(self, routing_key: str, key: str, timeout: float | None = None) -> Received:
        """The first ``routing_key`` event about order ``key`` (``*``: a refusal of message key)."""
        timeout = self.timeout if timeout is None else timeout
        if found := self._seen.get((routing_key, key)):
            return found[0]
        future: asyncio.Future[Received] = asyncio.get_running_loop().create_future()
        self._waiting[(routing_key, key)].append(future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"no {routing_key} for {key} within {timeout}s") from None

    async def answer(self, command: Command, success: str, key: str) -> Received:
        """The success event about ``key`` or the refusal of ``command``, whichever comes."""
        waits = {
            asyncio.ensure_future(self.first(success, key)),
            asyncio.ensure_future(self.first("*", str(command.message_id))),
        }
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        answered = [task for task in done if task.exception() is None]
        return (answered or list(done))[0].result()

    def messages_about(self, order_ids: Iterable[str]) -> int:
        """Events published on ``oms.events`` that belong to these orders' flows."""
        ids = set(order_ids)
        return sum(
            1
            for e in self.events
            if e.correlation_id in ids
            or e.body.get("order_id") in ids
            or e.body.get("source_id") in ids
        )


async def accepted(bus: Bus, command: Command) -> Received:
    await bus.send(command, reply=True)
    # A flow bus under a backlog waits as long as it waits for the flow's events.
    reply = await bus.reply_for(command, timeout=max(30.0, getattr(bus, "timeout", 30.0)))
    assert reply.type != "CommandRejected", f"{command.type_name()} refused: {reply.body}"
    return reply


@dataclass(frozen=True)
class Stockroom:
    """A branch whose sales location holds plenty of one item."""

    branch_id: str
    location_id: str
    sku: str


async def stockroom(bus: Bus, quantity: str = "10000000") -> Stockroom:
    sku, branch = unique("BENCH-SKU"), unique("BR")
    location = define_location(branch, sales_location=True)
    for command in (define_item(sku), location, opening(sku, location.location_id, quantity)):
        await accepted(bus, command)
    return Stockroom(branch, location.location_id, sku)


async def approval_cycles(bus: Bus, approver: str, parties: dict[OrderKind, list[str]]) -> None:
    """A one-level cycle per order kind, approved by ``approver``, holding these parties."""
    await accepted(
        bus, UpsertUser(user_id=approver, name="Approver", admin=True, changed_by="root")
    )
    for kind, members in parties.items():
        cycle = DefineCycle(
            cycle_id=unique("CYC"),
            name=f"bench {kind}",
            order_kind=kind,
            levels=[LevelRule(approver="named_user", user_id=approver)],
            notify=False,
            defined_by="root",
        )
        await accepted(bus, cycle)
        for party in members:
            await accepted(
                bus, AssignParty(cycle_id=cycle.cycle_id, party_id=party, assigned_by="root")
            )


@dataclass(frozen=True)
class Done:
    order_id: str
    started: float
    finished: float
    retries: int = 0

    @property
    def seconds(self) -> float:
        return self.finished - self.started


async def approved_by(bus: FlowBus, order_id: str, approver: str | None) -> None:
    """Approve the order's level-1 request as ``approver`` (none: no cycle, approved at once);
    done when it is approved."""
    if approver is not None:
        pending = await bus.first("approval.pending", order_id)
        await bus.send(
            ApproveRequest(
                request_id=pending.body["request_id"],
                level=1,
                approver_id=approver,
                correlation_id=order_id,
            )
        )
    await bus.first("order.approved", order_id)


async def purchase_flow(
    bus: FlowBus, *, vendor_id: str | None = None, approver: str | None = None
) -> Done:
    """Create and submit a purchase order; done when it is approved."""
    order = purchase_order(vendor_id=vendor_id or unique("V"))
    order = order.model_copy(update={"correlation_id": order.order_id})
    started = time.perf_counter()
    await bus.send(order)
    await bus.send(
        SubmitOrder(order_id=order.order_id, submitted_by="alice", correlation_id=order.order_id)
    )
    await approved_by(bus, order.order_id, approver)
    return Done(order.order_id, started, time.perf_counter())


async def sales_flow(
    bus: FlowBus, room: Stockroom, *, customer_id: str | None = None, approver: str | None = None
) -> Done:
    """Create, submit, (approve), then issue a sales order's goods; done when they are issued.

    An issue that reaches inventory before inventory has learnt of the order or its approval
    is refused (``unknown_order``, ``order_not_approved``); like a clerk, the flow then waits
    until inventory confirmed the reservation and issues again, and counts the retry.
    """
    oid = unique("SO")
    order = sales_order(
        order_id=oid,
        customer_id=customer_id or unique("C"),
        branch_id=room.branch_id,
        lines=lines((room.sku, "2", "10.00")),
        correlation_id=oid,
    )
    started = time.perf_counter()
    await bus.send(order)
    await bus.send(SubmitOrder(order_id=oid, submitted_by="bob", correlation_id=oid))
    await approved_by(bus, oid, approver)
    for retries in range(3):
        issue = IssueGoods(
            issue_id=unique("GI"),
            order_id=oid,
            location_id=room.location_id,
            lines=[StockLine(sku=room.sku, quantity=Decimal(2))],
            issued_by="clerk",
            correlation_id=oid,
        )
        await bus.send(issue)
        answer = await bus.answer(issue, "inventory.goods_issued", oid)
        if answer.routing_key == "inventory.goods_issued":
            return Done(oid, started, time.perf_counter(), retries)
        # Inventory has not learnt of the order, or of its approval, yet (a backlog).
        assert answer.body.get("reason") in {"order_not_approved", "unknown_order"}, answer.body
        await bus.first("inventory.reservation_confirmed", oid)
    raise AssertionError(f"goods of {oid} were never issued")


async def answer(bus: Bus, command: Command) -> Received:
    await bus.send(command, reply=True)
    return await bus.reply_for(command, timeout=SECONDS)


async def once_known(bus: Bus, command: Command, *waiting_for: str) -> Received:
    """The command's answer, sent again (as a new message) while the service has not learnt
    yet what it needs (a refusal with one of ``waiting_for``: the events come on other
    queues)."""
    for _ in range(100):
        reply = await answer(bus, command)
        if reply.body.get("reason") not in waiting_for:
            return reply
        await asyncio.sleep(0.1)
        command = command.model_copy(update={"message_id": uuid4()})
    raise AssertionError(f"{command.type_name()} still refused: {reply.body}")

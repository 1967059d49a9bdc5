"""The order service's parts join into one service table: each message reaches the handlers of
the part that takes it; a command two parts would take, or an event two parts would publish,
is refused at import; an event two parts consume reaches each."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from services.order.app import SERVICE
from services.order.carts import table as carts
from services.order.orders import table as orders
from services.order.parties import table as parties
from services.order.pricing import table as pricing
from services.order.quotations import table as quotations
from services.order.rfqs import table as rfqs
from services.order.stock import table as stock
from services.order.work_orders import table as work_orders
from shared.contracts import (
    CancelWorkOrder,
    ComponentsIssued,
    CreateWorkOrder,
    Message,
    WorkOrderCreated,
    WorkOrderKind,
)
from shared.parts import Part, joined, within
from shared.service import OnQueue


@dataclass
class Ledger:
    """A part's handlers that write down what they were given."""

    seen: list[Message] = field(default_factory=list)

    async def take(self, message: Message) -> None:
        self.seen.append(message)


@dataclass
class Both:
    first: Ledger = field(default_factory=Ledger)
    second: Ledger = field(default_factory=Ledger)


def _first(both: Both) -> Ledger:
    return both.first


def _second(both: Both) -> Ledger:
    return both.second


async def test_each_message_reaches_the_handlers_of_the_part_that_takes_it() -> None:
    table = joined(
        within(_first, Part[Ledger](commands={CreateWorkOrder: Ledger.take})),
        within(
            _second,
            Part[Ledger](
                commands={CancelWorkOrder: Ledger.take},
                events={ComponentsIssued: OnQueue(Ledger.take, "issued")},
            ),
        ),
    )
    both = Both()
    create = CreateWorkOrder(
        work_order_id="WO-1",
        kind=WorkOrderKind.SERVICE,
        branch_id="B-1",
        description="Paint the hall",
        quantity=Decimal(1),
        created_by="ann",
    )
    cancel = CancelWorkOrder(work_order_id="WO-1", cancelled_by="ann")

    await table.commands[CreateWorkOrder](both, create)
    await table.commands[CancelWorkOrder](both, cancel)

    assert (both.first.seen, both.second.seen) == ([create], [cancel])
    issued = table.events[ComponentsIssued]
    assert isinstance(issued, OnQueue)
    assert issued.queue == "issued"  # a queue named otherwise keeps its name


def test_a_contract_two_parts_take_is_refused_naming_it() -> None:
    with pytest.raises(TypeError, match="take CreateWorkOrder"):
        joined(
            within(_first, Part[Ledger](commands={CreateWorkOrder: Ledger.take})),
            within(_second, Part[Ledger](commands={CreateWorkOrder: Ledger.take})),
        )


def test_an_event_two_parts_publish_is_refused_naming_it() -> None:
    with pytest.raises(TypeError, match="publish WorkOrderCreated"):
        joined(
            Part[Ledger](publishes=[WorkOrderCreated]), Part[Ledger](publishes=[WorkOrderCreated])
        )


def test_the_service_table_is_every_parts_table_joined() -> None:
    parts: list[Part[Any]] = [
        orders.table(origins=[]),
        stock.TABLE,
        pricing.TABLE,
        parties.TABLE,
        quotations.TABLE,
        rfqs.TABLE,
        work_orders.TABLE,
        carts.TABLE,
    ]
    assert set(SERVICE.commands) == {c for part in parts for c in part.commands}
    assert set(SERVICE.events) == {e for part in parts for e in part.events}
    assert list(SERVICE.publishes) == [e for part in parts for e in part.publishes]
    assert sorted(SERVICE.outbox_collections) == sorted(
        [
            *("orders", "branches", "tax_rates", "price_lists", "storefronts"),
            *("customers", "vendors"),
            *("quotations", "rfqs", "work_orders", "carts"),
        ]
    )


async def test_an_event_two_parts_consume_reaches_each() -> None:
    table = joined(
        within(_first, Part[Ledger](events={WorkOrderCreated: Ledger.take})),
        within(_second, Part[Ledger](events={WorkOrderCreated: Ledger.take})),
    )
    both = Both()
    both.second = both.first  # one ledger for both parts
    event, handle = Message(), table.events[WorkOrderCreated]
    assert not isinstance(handle, OnQueue)

    await handle(both, event)

    assert both.first.seen == [event, event]


def test_an_event_two_parts_consume_from_a_queue_of_its_own_is_refused() -> None:
    with pytest.raises(TypeError, match="queue of its own"):
        joined(
            Part[Ledger](events={ComponentsIssued: OnQueue(Ledger.take, "issued")}),
            Part[Ledger](events={ComponentsIssued: Ledger.take}),
        )


async def test_the_second_part_sees_an_event_the_first_part_fails_on() -> None:
    class Refusing(Ledger):
        async def take(self, message: Message) -> None:
            await super().take(message)
            raise RuntimeError("refused")

    table = joined(
        within(_first, Part[Ledger](events={WorkOrderCreated: Refusing.take})),  # type: ignore[dict-item]
        within(_second, Part[Ledger](events={WorkOrderCreated: Ledger.take})),
    )
    both = Both(first=Refusing())
    event, handle = Message(), table.events[WorkOrderCreated]
    assert not isinstance(handle, OnQueue)

    with pytest.raises(RuntimeError, match="refused"):
        await handle(both, event)

    assert (both.first.seen, both.second.seen) == ([event], [event])

"""Work orders competing for the same components, each release delivered twice, handled by two
inventory replicas at once: stock is reserved and issued exactly once per release, never below
zero, and the ledger balances."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import Any

import pytest

from services.inventory.app import SERVICE as INVENTORY
from shared.contracts import StockLine, WorkOrderKind, WorkOrderReleased
from shared.runtime import build_app
from tests.integration.inventory.conftest import inventory_settings
from tests.integration.inventory.test_concurrency import assert_never_negative
from tests.support.factories import unique
from tests.support.inventory import InventoryDriver, eventually, opening
from tests.support.services import Environment, running


@pytest.fixture
async def two_replicas(env: Environment) -> AsyncIterator[list[Any]]:
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(running(build_app(INVENTORY, inventory_settings(env))))
            for _ in range(2)
        ]


def released(work_order_id: str, branch_id: str, sku: str, quantity: str) -> WorkOrderReleased:
    return WorkOrderReleased(
        work_order_id=work_order_id,
        kind=WorkOrderKind.SERVICE,
        branch_id=branch_id,
        item_sku=None,
        description="assemble",
        quantity=Decimal(1),
        components=[StockLine(sku=sku, quantity=Decimal(quantity))],
        created_by="planner",
        due_date=None,
        attempt=1,
        released_by="planner",
        correlation_id=work_order_id,
    )


async def test_three_work_orders_for_ten_units_each_release_delivered_twice(
    inventory: InventoryDriver, two_replicas: list[Any]
) -> None:
    loc = await inventory.branch("BR-WX", "COMP")
    await inventory.accepted(opening("COMP", loc, "10"))
    events = [released(unique("WO"), "BR-WX", "COMP", "4") for _ in range(3)]

    await asyncio.gather(*(inventory.bus.send(event) for event in events + events))

    ids = {event.work_order_id for event in events}

    def answered(routing_key: str) -> list[str]:
        return [m.body["work_order_id"] for m in inventory.bus.matching(routing_key)]

    async def told() -> tuple[int, int]:
        return len(answered("inventory.components_issued")), len(
            answered("inventory.components_short")
        )

    await eventually(told, lambda counts: counts == (2, 1), what="two issued and one short")
    await inventory.bus.settle(1.0)
    issued, short = answered("inventory.components_issued"), answered("inventory.components_short")
    assert (len(issued), len(short)) == (2, 1)  # each fact told once despite the duplicates
    assert set(issued) | set(short) == ids
    [shortage] = inventory.bus.matching("inventory.components_short")
    assert shortage.body["lines"] == [{"sku": "COMP", "needed": "4", "reserved": "2"}]
    stock = await inventory.stock("COMP", loc)
    assert (stock["on_hand"], stock["issued"], stock["reserved"]) == (2, 8, 2)
    assert [h["order_id"] for h in stock["held"]] == [f"work_order|{short[0]}"]
    await assert_never_negative(inventory, "COMP", loc)
    entries = await inventory.ledger("COMP", loc)
    assert sum(e["on_hand_change"] for e in entries) == stock["on_hand"]

"""Concurrent issues for the last units, handled by two replicas: stock never goes negative."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import Any

import pytest

from services.inventory.app import SERVICE as INVENTORY
from shared.contracts import IssueGoods, OrderKind
from shared.runtime import build_app
from tests.integration.inventory.conftest import inventory_settings
from tests.support.bus import Received
from tests.support.factories import unique
from tests.support.inventory import InventoryDriver, adjust, approved, issue
from tests.support.services import Environment, running

SO = OrderKind.SALES


@pytest.fixture
async def two_replicas(env: Environment) -> AsyncIterator[list[Any]]:
    """Two inventory processes' worth of consumers on the same queues and database."""
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(running(build_app(INVENTORY, inventory_settings(env))))
            for _ in range(2)
        ]


async def issue_all(inventory: InventoryDriver, issues: list[IssueGoods]) -> list[Received]:
    """Send every issue at once, then collect every answer."""
    await asyncio.gather(*(inventory.bus.send(cmd, reply=True) for cmd in issues))
    return [await inventory.bus.reply_for(cmd, timeout=20) for cmd in issues]


async def assert_never_negative(inventory: InventoryDriver, sku: str, loc: str) -> None:
    await inventory.ledger_caught_up()
    entries = await inventory.ledger(sku, loc)
    assert [e["sequence"] for e in entries] == list(range(1, len(entries) + 1))
    assert all(e["on_hand_after"] >= 0 and e["reserved_after"] >= 0 for e in entries)
    assert all(e["reserved_after"] <= e["on_hand_after"] for e in entries)


async def test_two_concurrent_issues_for_the_last_unit(
    inventory: InventoryDriver, two_replicas: list[Any]
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    first, second = unique("SO"), unique("SO")
    for so in (first, second):  # approved while nothing was in stock: nothing reserved
        await inventory.learnt(approved(SO, so, "BR-S", ("SKU-1", "1")))
    await inventory.accepted(adjust("SKU-1", loc, "1", reason="the last unit turned up"))

    replies = await issue_all(
        inventory, [issue(first, loc, ("SKU-1", "1")), issue(second, loc, ("SKU-1", "1"))]
    )

    assert sorted(r.type or "" for r in replies) == ["CommandRejected", "GoodsIssued"]
    [refusal] = [r for r in replies if r.type == "CommandRejected"]
    assert refusal.body["reason"] == "insufficient_stock"
    stock = await inventory.stock("SKU-1", loc)
    assert (stock["on_hand"], stock["issued"], stock["reserved"]) == (0, 1, 0)
    await assert_never_negative(inventory, "SKU-1", loc)


async def test_many_concurrent_issues_take_exactly_what_is_there(
    inventory: InventoryDriver, two_replicas: list[Any]
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    orders = [unique("SO") for _ in range(12)]
    await asyncio.gather(
        *(inventory.learnt(approved(SO, so, "BR-S", ("SKU-1", "1"))) for so in orders)
    )
    await inventory.accepted(adjust("SKU-1", loc, "5", reason="delivery"))
    same = unique("SO")  # and one order asked for more often than it ordered
    await inventory.learnt(approved(SO, same, "BR-S", ("SKU-1", "2")))
    await inventory.accepted(adjust("SKU-1", loc, "2", reason="delivery"))

    replies = await issue_all(
        inventory,
        [issue(so, loc, ("SKU-1", "1")) for so in orders]
        + [issue(same, loc, ("SKU-1", "1")) for _ in range(4)],
    )

    issued = [r for r in replies if r.type == "GoodsIssued"]
    reasons = sorted(r.body["reason"] for r in replies if r.type == "CommandRejected")
    assert sum(Decimal(r.body["lines"][0]["quantity"]) for r in issued) == 7
    assert len([r for r in issued if r.body["order_id"] == same]) == 2
    assert reasons == ["exceeds_ordered"] * 2 + ["insufficient_stock"] * 7
    stock = await inventory.stock("SKU-1", loc)
    assert (stock["on_hand"], stock["reserved"], stock["held"]) == (0, 0, [])
    await assert_never_negative(inventory, "SKU-1", loc)

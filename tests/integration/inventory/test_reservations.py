"""Stock validation and reservation for sales orders, driven by the order service's events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from services.inventory.app import SERVICE as INVENTORY
from shared.contracts import OrderKind
from shared.runtime import build_app
from tests.integration.inventory.conftest import inventory_settings
from tests.support.factories import unique
from tests.support.inventory import (
    InventoryDriver,
    adjust,
    approved,
    cancelled,
    eventually,
    opening,
    rejected,
    submitted,
)
from tests.support.services import Environment, running

SO = OrderKind.SALES


@pytest.fixture
async def quick_expiry(env: Environment) -> AsyncIterator[Any]:
    """Inventory whose soft reservations expire after half a second."""
    settings = inventory_settings(env, reservation_ttl_seconds=0.5, upkeep_interval_seconds=0.2)
    async with running(build_app(INVENTORY, settings)) as app:
        yield app


def for_order(order_id: str) -> Any:
    return lambda body: body["order_id"] == order_id


async def test_submit_reserves_rejection_releases(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1", "SKU-2")
    await inventory.accepted(opening("SKU-1", loc, "10"))
    await inventory.accepted(opening("SKU-2", loc, "1"))
    so = unique("SO")

    await inventory.bus.send(submitted(SO, so, "BR-S", ("SKU-1", "4"), ("SKU-2", "3")))

    [reserved] = await inventory.bus.wait_for("inventory.stock_reserved", for_order(so))
    assert reserved.body["stock_status"] == "short"
    assert reserved.body["location_id"] == loc
    assert reserved.body["expires_at"] is not None
    assert reserved.body["lines"] == [
        {"sku": "SKU-1", "needed": "4", "reserved": "4"},
        {"sku": "SKU-2", "needed": "3", "reserved": "1"},
    ]
    assert (await inventory.stock("SKU-1", loc))["reserved"] == Decimal(4)
    assert (await inventory.stock("SKU-2", loc))["reserved"] == Decimal(1)

    await inventory.bus.send(rejected(SO, so))

    [released] = await inventory.bus.wait_for("inventory.reservation_released", for_order(so))
    assert released.body["reason"] == "rejected"
    await eventually(
        lambda: inventory.stock("SKU-1", loc), lambda s: s["reserved"] == 0, what="release"
    )
    assert (await inventory.stock("SKU-2", loc))["reserved"] == 0


async def test_approval_makes_the_reservation_firm_and_tops_it_up(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    await inventory.accepted(opening("SKU-1", loc, "2"))
    so = unique("SO")
    await inventory.bus.send(submitted(SO, so, "BR-S", ("SKU-1", "5")))
    [soft] = await inventory.bus.wait_for("inventory.stock_reserved", for_order(so))
    assert soft.body["stock_status"] == "short"

    await inventory.accepted(adjust("SKU-1", loc, "10", reason="delivery found"))
    await inventory.bus.send(approved(SO, so, "BR-S", ("SKU-1", "5")))

    [firm] = await inventory.bus.wait_for("inventory.reservation_confirmed", for_order(so))
    assert firm.body["stock_status"] == "confirmed"
    assert firm.body["lines"] == [{"sku": "SKU-1", "needed": "5", "reserved": "5"}]
    order = await inventory.order(so)
    assert order is not None
    assert order["reservation"]["state"] == "firm"
    stock = await inventory.stock("SKU-1", loc)
    assert (stock["reserved"], stock["on_hand"]) == (Decimal(5), Decimal(12))


async def test_cancellation_releases_the_reservation(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    await inventory.accepted(opening("SKU-1", loc, "10"))
    so = unique("SO")
    await inventory.learnt(approved(SO, so, "BR-S", ("SKU-1", "6")))
    assert (await inventory.stock("SKU-1", loc))["reserved"] == Decimal(6)

    await inventory.bus.send(cancelled(SO, so))

    [released] = await inventory.bus.wait_for("inventory.reservation_released", for_order(so))
    assert released.body["reason"] == "cancelled"
    await eventually(
        lambda: inventory.stock("SKU-1", loc), lambda s: s["reserved"] == 0, what="release"
    )


async def test_a_soft_reservation_expires_a_firm_one_does_not(
    inventory: InventoryDriver, quick_expiry: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    await inventory.accepted(opening("SKU-1", loc, "10"))
    never, approved_in_time = unique("SO"), unique("SO")
    await inventory.learnt(submitted(SO, never, "BR-S", ("SKU-1", "3")))
    await inventory.learnt(submitted(SO, approved_in_time, "BR-S", ("SKU-1", "4")))
    await inventory.learnt(approved(SO, approved_in_time, "BR-S", ("SKU-1", "4")))

    [expired] = await inventory.bus.wait_for("inventory.reservation_released", for_order(never))

    assert expired.body["reason"] == "expired"
    stock = await eventually(
        lambda: inventory.stock("SKU-1", loc), lambda s: s["reserved"] == 4, what="expiry"
    )
    assert [h["order_id"] for h in stock["held"]] == [approved_in_time]

    # Approved after all: it reserves again, firmly.
    await inventory.bus.send(approved(SO, never, "BR-S", ("SKU-1", "3")))
    [firm] = await inventory.bus.wait_for("inventory.reservation_confirmed", for_order(never))
    assert firm.body["stock_status"] == "confirmed"
    assert (await inventory.stock("SKU-1", loc))["reserved"] == Decimal(7)


async def test_events_out_of_order_end_in_the_latest_state(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    await inventory.accepted(opening("SKU-1", loc, "10"))
    so, gone = unique("SO"), unique("SO")

    # approved overtakes submitted: firm, and the late submitted changes nothing
    await inventory.learnt(approved(SO, so, "BR-S", ("SKU-1", "2")))
    await inventory.learnt(submitted(SO, so, "BR-S", ("SKU-1", "2")))
    # rejected overtakes submitted: nothing stays reserved for it
    await inventory.learnt(rejected(SO, gone))
    await inventory.learnt(submitted(SO, gone, "BR-S", ("SKU-1", "5")))

    order = await inventory.order(so)
    assert order is not None
    assert (order["state"], order["reservation"]["state"]) == ("approved", "firm")
    await inventory.bus.settle()
    stock = await inventory.stock("SKU-1", loc)
    assert [(h["order_id"], h["quantity"]) for h in stock["held"]] == [(so, Decimal(2))]


async def test_a_resubmitted_order_reserves_again(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    await inventory.accepted(opening("SKU-1", loc, "10"))
    so = unique("SO")
    await inventory.learnt(submitted(SO, so, "BR-S", ("SKU-1", "4")))
    await inventory.learnt(rejected(SO, so))
    await eventually(
        lambda: inventory.stock("SKU-1", loc), lambda s: s["reserved"] == 0, what="release"
    )

    await inventory.bus.send(submitted(SO, so, "BR-S", ("SKU-1", "6"), attempt=2))

    [second] = await inventory.bus.wait_for(
        "inventory.stock_reserved", lambda b: b["order_id"] == so and b["attempt"] == 2
    )
    assert second.body["lines"] == [{"sku": "SKU-1", "needed": "6", "reserved": "6"}]
    assert (await inventory.stock("SKU-1", loc))["reserved"] == Decimal(6)


async def test_a_late_or_retried_submission_does_not_announce_the_reservation_again(
    inventory: InventoryDriver, inventory_service: Any
) -> None:
    loc = await inventory.branch("BR-S", "SKU-1")
    await inventory.accepted(opening("SKU-1", loc, "10"))
    late, retried = unique("SO"), unique("SO")

    # approved overtakes submitted
    await inventory.learnt(approved(SO, late, "BR-S", ("SKU-1", "2")))
    await inventory.learnt(submitted(SO, late, "BR-S", ("SKU-1", "2")))
    # submitted, approved, then submitted delivered again (the same message)
    first = submitted(SO, retried, "BR-S", ("SKU-1", "3"))
    await inventory.learnt(first)
    await inventory.learnt(approved(SO, retried, "BR-S", ("SKU-1", "3")))
    await inventory.bus.send(first)

    await inventory.bus.settle(1.0)
    assert len(inventory.bus.matching("inventory.reservation_confirmed", for_order(late))) == 1
    assert len(inventory.bus.matching("inventory.stock_reserved", for_order(late))) == 0
    assert len(inventory.bus.matching("inventory.reservation_confirmed", for_order(retried))) == 1
    assert len(inventory.bus.matching("inventory.stock_reserved", for_order(retried))) == 1
    stock = await inventory.stock("SKU-1", loc)
    assert sorted((h["order_id"], h["quantity"]) for h in stock["held"]) == sorted(
        [(late, Decimal(2)), (retried, Decimal(3))]
    )

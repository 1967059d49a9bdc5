"""Saving writes only the fields that changed since the aggregate was read or last saved. What
the database holds afterwards must be exactly what the aggregate holds, however it changed:
in place or by replacement, from a copy read from the database or remembered in the process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import bson
import pytest
from pymongo import monitoring

from services.order.orders.domain.order import Order
from shared.storage.aggregates import AggregateStore
from shared.storage.mongo import CODEC_OPTIONS, Document, connect, database
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments
from shared.storage.writes import same_value
from tests.integration.test_outbox import submitted_order
from tests.support.factories import purchase_order
from tests.support.services import Environment


class Updates(monitoring.CommandListener):
    """The ``$set`` stage of every update sent."""

    def __init__(self) -> None:
        self.sets: list[Document] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "update":
            for update in event.command["updates"]:
                stages = update["u"] if isinstance(update["u"], list) else [update["u"]]
                self.sets.append(stages[0].get("$set", {}))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def updates() -> Updates:
    return Updates()


@pytest.fixture
async def db(env: Environment, mongo: Any, updates: Updates) -> AsyncIterator[Any]:
    client = connect(mongo.url, app_name="oms-tests", listeners=[updates])
    yield database(client, env.database("partial"))
    await client.close()


async def _publish(_entry: Document) -> None:
    return None


def _store(db: Any, *, remembered: bool) -> AggregateStore[Order]:
    relay = OutboxRelay(db, ["orders"], _publish, owner="test")
    recent = RecentDocuments() if remembered else None
    return AggregateStore(db.orders, Order, relay, recent=recent)


async def _stored_as_held(store: AggregateStore[Order], order: Order) -> None:
    """The database holds the aggregate's every field, value for value, type for type."""
    fresh = await _store(store.collection.database, remembered=False).read(order.id)
    assert fresh is not None
    assert fresh.version == order.version
    # As a full write of the aggregate would store it (BSON keeps milliseconds, say).
    held = bson.decode(bson.encode(store._state(order), codec_options=CODEC_OPTIONS), CODEC_OPTIONS)
    stored = store._state(fresh)
    different = [name for name in held if not same_value(stored[name], held[name])]
    assert not different, {name: (stored[name], held[name]) for name in different}


@pytest.mark.parametrize("remembered", [False, True])
async def test_what_is_stored_after_each_save_is_what_the_aggregate_holds(
    db: Any, updates: Updates, remembered: bool
) -> None:
    store = _store(db, remembered=remembered)
    order = await submitted_order(store)

    def approve(order: Order) -> None:
        order.approve(attempt=order.attempt, note="fine")

    def change_in_place(order: Order) -> None:
        order.history.append(order.history[0])  # mutated, not replaced
        order.lines[0] = order.lines[0].model_copy(update={"quantity": Decimal("2")})

    for mutate in (approve, change_in_place):
        cause = purchase_order()
        changed = await store.change(order.id, cause, mutate, missing=AssertionError)
        assert changed is not None
        await _stored_as_held(store, changed)
        order = changed

    written = [set(fields) for fields in updates.sets]
    assert all("party_id" not in fields and "created_at" not in fields for fields in written)
    assert {"history", "lines", "version"} <= written[-1]


async def test_a_decimal_with_other_digits_is_sent(db: Any, updates: Updates) -> None:
    # 1 and 1.00 are equal numbers but different stored values (MongoDB keeps the digits;
    # the embedded server keeps the old ones when the number is equal, whatever is sent).
    store = _store(db, remembered=True)
    order = await submitted_order(store)
    assert order.lines[0].quantity == Decimal("1")

    def more_digits(order: Order) -> None:
        order.lines[0] = order.lines[0].model_copy(update={"quantity": Decimal("1.00")})

    changed = await store.change(order.id, purchase_order(), more_digits, missing=AssertionError)

    assert changed is not None
    sent = updates.sets[-1]["lines"]["$literal"]
    assert str(sent[0]["quantity"]) == "1.00"

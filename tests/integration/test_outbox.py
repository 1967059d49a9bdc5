"""No lost events: state and events are written together; the relay publishes at least once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from faststream.rabbit import RabbitBroker
from pymongo import AsyncMongoClient, monitoring

from services.order.orders.domain.order import Order
from shared.contracts import CreatePurchaseOrder, OrderKind
from shared.messaging.publisher import Publisher
from shared.storage.aggregates import AggregateStore, ConcurrencyConflict
from shared.storage.bodies import unpacked
from shared.storage.mongo import Document, database
from shared.storage.outbox import OutboxRelay, create_outbox_index
from tests.support.bus import Bus
from tests.support.factories import lines, purchase_order
from tests.support.services import Environment


@pytest.fixture
async def publisher(env: Environment) -> AsyncIterator[Publisher]:
    broker = RabbitBroker(env.amqp_url, logger=None)
    await broker.connect()
    yield Publisher(broker)
    await broker.stop()


@pytest.fixture
async def orders_db(env: Environment, mongo_client: Any) -> Any:
    db = database(mongo_client, env.database("outbox"))
    await create_outbox_index(db, "orders")
    return db


def relay(db: Any, publish: Any, owner: str, lease: float = 15.0) -> OutboxRelay:
    return OutboxRelay(db, ["orders"], publish, owner=owner, lease_seconds=lease, poll_seconds=0.1)


def draft_order() -> tuple[Order, CreatePurchaseOrder]:
    """A purchase order as its create command makes it, and the command."""
    create = purchase_order()
    order = Order.create(
        order_id=create.order_id,
        kind=OrderKind.PURCHASE,
        party_id=create.vendor_id,
        branch_id="BR-1",
        created_by="alice",
        currency="USD",
        lines=lines(("SKU-1", "1", "5.00")),
    )
    return order, create


async def submitted_order(store: AggregateStore[Order]) -> Order:
    """Create and submit an order through the store, as the order service's handlers do."""
    order, create = draft_order()
    order.submit(by="alice")
    await store.add(order, cause=create)
    return order


async def test_events_written_while_the_relay_is_down_go_out_once_it_is_back(
    bus: Bus, orders_db: Any, publisher: Publisher, approval_service: Any, approval_db: Any
) -> None:
    stopped = relay(orders_db, publisher.publish_entry, "crashed-writer", lease=0.5)
    order = await submitted_order(AggregateStore(orders_db.orders, Order, stopped))
    stored = await orders_db.orders.find_one({"_id": order.id})
    waiting = [unpacked(e)["routing_key"] for e in stored["outbox"]]
    assert waiting == ["order.created", "order.submitted"]
    await bus.settle(0.8)
    assert not bus.matching("order.submitted", lambda b: b["order_id"] == order.id)

    restarted = relay(orders_db, publisher.publish_entry, "restarted")
    await restarted.start()
    try:
        await bus.wait_for("order.submitted", lambda b: b["order_id"] == order.id)
        await bus.wait_for("approval.approved", lambda b: b["order_id"] == order.id)
        await bus.settle(0.5)
    finally:
        await restarted.stop()

    assert len(bus.matching("order.submitted", lambda b: b["order_id"] == order.id)) == 1
    assert len(bus.matching("approval.approved", lambda b: b["order_id"] == order.id)) == 1
    after = await orders_db.orders.find_one({"_id": order.id})
    assert after["outbox"] == []
    assert "outbox_pending" not in after


async def test_a_crash_between_publish_and_mark_republishes_and_downstream_applies_once(
    bus: Bus, orders_db: Any, publisher: Publisher, approval_service: Any, approval_db: Any
) -> None:
    async def publish_then_crash(entry: Document) -> None:
        await publisher.publish_entry(entry)
        raise ConnectionError("relay died before it could mark the entry sent")

    crashing = relay(orders_db, publish_then_crash, "crashing", lease=0.3)
    order = await submitted_order(AggregateStore(orders_db.orders, Order, crashing))
    await asyncio.sleep(0.4)  # the writer's own lease runs out: the poll loop may claim it
    assert await crashing.drain() == 0  # publishes order.created, then dies before marking it

    survivor = relay(orders_db, publisher.publish_entry, "survivor")
    assert await survivor.drain() == 2
    await bus.wait_for("approval.approved", lambda b: b["order_id"] == order.id)
    await bus.settle(0.8)

    created = bus.matching("order.created", lambda b: b["order_id"] == order.id)
    assert len(created) == 2, "published again after the crash, never dropped"
    assert created[0].message_id == created[1].message_id
    assert len(bus.matching("order.submitted", lambda b: b["order_id"] == order.id)) == 1
    assert len(bus.matching("approval.approved", lambda b: b["order_id"] == order.id)) == 1
    assert await approval_db.requests.count_documents({"order_id": order.id}) == 1


async def test_several_relays_publish_each_event_once(
    bus: Bus, orders_db: Any, publisher: Publisher
) -> None:
    writer = relay(orders_db, publisher.publish_entry, "writer", lease=0.2)
    store = AggregateStore(orders_db.orders, Order, writer)
    orders = [await submitted_order(store) for _ in range(20)]
    await asyncio.sleep(0.3)  # the writer's leases ran out: the documents are up for grabs

    relays = [relay(orders_db, publisher.publish_entry, f"replica-{i}") for i in range(3)]
    counts = await asyncio.gather(*(r.drain() for r in relays))

    assert sum(counts) == 40
    await bus.wait_for("order.submitted", count=20)
    await bus.settle(0.5)
    published = Counter(m.message_id for m in bus.events)
    assert len(published) == 40
    assert set(published.values()) == {1}
    ids = {o.id for o in orders}
    assert {m.body["order_id"] for m in bus.matching("order.submitted")} == ids


async def test_a_stale_write_is_refused_not_lost(orders_db: Any, publisher: Publisher) -> None:
    store = AggregateStore(orders_db.orders, Order, relay(orders_db, publisher.publish_entry, "w"))
    order = await submitted_order(store)
    first, second = await store.get(order.id), await store.get(order.id)
    assert first is not None
    assert second is not None
    first.notes, second.notes = "first writer", "second writer"
    await store.save(first, cause=purchase_order())
    with pytest.raises(ConcurrencyConflict):
        await store.save(second, cause=purchase_order())
    stored = await store.get(order.id)
    assert stored is not None
    assert stored.notes == "first writer"
    assert stored.version == 2


async def test_a_confirmed_entry_is_not_published_again_while_its_removal_lingers(
    bus: Bus, orders_db: Any, publisher: Publisher, monkeypatch: Any
) -> None:
    # Published entries linger longer than the writer's lease before they are removed: other
    # relays (and the writer's own poll loop) look for work all the while.
    monkeypatch.setattr("shared.storage.outbox.FORGET_LINGER_SECONDS", 1.5)
    writer = relay(orders_db, publisher.publish_entry, "writer", lease=0.6)
    others = [relay(orders_db, publisher.publish_entry, f"replica-{i}", lease=0.6) for i in (1, 2)]
    for each in (writer, *others):
        await each.start()
    try:
        store = AggregateStore(orders_db.orders, Order, writer)
        orders = [await submitted_order(store) for _ in range(10)]
        for _ in range(15):
            await asyncio.gather(*(each.drain() for each in (writer, *others)))
            await asyncio.sleep(0.1)
        await bus.wait_for("order.submitted", count=10)
        await bus.settle(0.5)
    finally:
        for each in (writer, *others):
            await each.stop()

    ids = {o.id for o in orders}
    mine = [m for m in bus.events if m.body.get("order_id") in ids]
    assert len(mine) == 20
    assert bus.duplicates() == 0, [
        (m.routing_key, m.body["order_id"]) for m in bus.repeated_events()
    ]
    left = await orders_db.orders.count_documents({"_id": {"$in": list(ids)}, "outbox": []})
    assert left == 10


async def test_a_publication_near_its_lease_end_renews_it_first(
    bus: Bus, orders_db: Any, publisher: Publisher
) -> None:
    slow_broker = asyncio.Event()

    async def slow(entry: Document) -> None:
        await asyncio.sleep(0.4)  # the broker confirms late: the lease is nearly over
        await publisher.publish_entry(entry)
        slow_broker.set()

    writer = relay(orders_db, slow, "writer", lease=0.6)
    other = relay(orders_db, publisher.publish_entry, "replica", lease=0.6)
    await writer.start()
    try:
        order = await submitted_order(AggregateStore(orders_db.orders, Order, writer))
        for _ in range(12):
            await other.drain()
            await asyncio.sleep(0.1)
        await bus.wait_for("order.submitted", lambda b: b["order_id"] == order.id)
        await bus.settle(0.3)
    finally:
        await writer.stop()

    about = [m for m in bus.events if m.body.get("order_id") == order.id]
    assert sorted(m.routing_key for m in about) == ["order.created", "order.submitted"]


async def test_one_query_finds_work_across_collections_and_an_idle_poll_costs_one(
    bus: Bus, env: Environment, mongo_client: Any, publisher: Publisher
) -> None:
    db = database(mongo_client, env.database("outbox-many"))
    names = ["carts", "orders", "quotations"]
    for name in names:
        await create_outbox_index(db, name)
    dead = relay(db, publisher.publish_entry, "dead", lease=0.2)
    # A writer that died after saving: its entries wait in two of the three collections.
    for name in ("orders", "quotations"):
        await submitted_order(AggregateStore(db[name], Order, dead))
    await asyncio.sleep(0.3)  # its lease runs out
    sent: Counter[str] = Counter()

    class Count(monitoring.CommandListener):
        def started(self, event: monitoring.CommandStartedEvent) -> None:
            sent[event.command_name] += 1

        def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

        def failed(self, event: monitoring.CommandFailedEvent) -> None: ...

    client: AsyncMongoClient[Document] = AsyncMongoClient(
        env.mongodb_url, event_listeners=[Count()]
    )
    try:
        poller = OutboxRelay(client[db.name], names, publisher.publish_entry, owner="poller")
        assert await poller.drain() == 4
        await bus.wait_for("order.submitted", count=2)
        await poller.stop()
        sent.clear()
        assert await poller.drain() == 0
        assert sent == {"aggregate": 1}
    finally:
        await client.close()


async def test_a_poll_loop_holding_no_document_ends_at_once_at_stop(
    orders_db: Any, publisher: Publisher
) -> None:
    """Stopping while the poll loop asks where work is (a query a busy database answers late):
    it holds no document, so it ends at once instead of after the answer."""
    stopping = relay(orders_db, publisher.publish_entry, "stopping")
    asked = asyncio.Event()

    async def slow_query() -> list[str]:
        asked.set()
        await asyncio.sleep(30)  # the database's answer, late
        return []

    stopping._with_work = slow_query  # type: ignore[method-assign]
    await stopping.start()
    await asyncio.wait_for(asked.wait(), 5)
    began = asyncio.get_running_loop().time()
    await stopping.stop(timeout=10)
    assert asyncio.get_running_loop().time() - began < 1.0

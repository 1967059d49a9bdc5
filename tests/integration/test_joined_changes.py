"""Changes of one aggregate that arrive while one of it is being written are written together,
over a real MongoDB-wire server: fewer writes, the same outcome as one after another.

Each change keeps its own outcome: its events (the first answering its own command), its
applied message id, its refusal or error (the others written as if it had never come), and a
repeat among them is recognised as one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.order.orders.domain.order import Order
from shared.concurrency import KeyedLocks, on_ordering_turn
from shared.contracts.approval import ApprovalPending, Person
from shared.domain import DomainError, applied_key
from shared.storage.aggregates import AggregateStore
from shared.storage.bodies import unpacked
from shared.storage.mongo import Document
from shared.storage.outbox import OutboxRelay
from shared.storage.recent import RecentDocuments
from tests.integration.test_outbox import draft_order, submitted_order
from tests.support.commands import Sent, counted
from tests.support.factories import purchase_order
from tests.support.services import Environment


class Refused(DomainError):
    reason = "refused"


@pytest.fixture
async def commands() -> Sent:
    return Sent()


@pytest.fixture
async def db(env: Environment, mongo: Any, commands: Sent) -> AsyncIterator[Any]:
    async with counted(mongo.url, env.database("joined"), commands) as joined_db:
        yield joined_db


async def _publish(_entry: Document) -> None:
    return None


def _store(db: Any, *, remembered: bool = True) -> AggregateStore[Order]:
    relay = OutboxRelay(db, ["orders"], _publish, owner="test")
    return AggregateStore(db.orders, Order, relay, recent=RecentDocuments() if remembered else None)


def _pending(order: Order, n: int) -> ApprovalPending:
    return ApprovalPending(
        request_id=f"{order.id}:{order.attempt}",
        order_id=order.id,
        order_kind=order.kind,
        party_id=order.party_id,
        attempt=max(order.attempt, 1),
        creator=Person(user_id="alice"),
        level=1,
        levels=1,
        approver=Person(user_id=f"approver-{n}"),
    )


def _seen(event: ApprovalPending) -> Any:
    def mutate(order: Order) -> None:
        order.saw(event)

    return mutate


async def _stored(db: Any, order_id: str) -> Document:
    doc: Document | None = await db.orders.find_one({"_id": order_id})
    assert doc is not None
    return doc


@pytest.mark.parametrize("remembered", [True, False])
async def test_changes_that_come_during_a_write_are_written_together(
    db: Any, commands: Sent, remembered: bool
) -> None:
    store = _store(db, remembered=remembered)
    order = await submitted_order(store)
    events = [_pending(order, n) for n in range(6)]
    before = commands.writes().count("update")

    results = await asyncio.gather(
        *(store.change(order.id, e, _seen(e), missing=LookupError) for e in events)
    )

    assert all(result is not None for result in results)
    updates = commands.writes().count("update") - before
    assert updates == 2  # the first alone; the five that came while it was written, together
    doc = await _stored(db, order.id)
    assert doc["version"] == 1 + updates
    ids = [str(e.message_id) for e in events]
    assert doc["applied_messages"][-6:] == ids  # in the order they came
    assert [t["message_id"] for t in doc["timeline"][-6:]] == ids


async def test_a_refused_change_leaves_the_others_written_as_if_it_never_came(
    db: Any, commands: Sent
) -> None:
    store = _store(db)
    order = await submitted_order(store)
    events = [_pending(order, n) for n in range(4)]

    def refuse(order: Order) -> None:
        order.saw(events[2])  # changed, then refused: this must not be written
        raise Refused("no")

    mutations = [_seen(events[0]), _seen(events[1]), refuse, _seen(events[3])]
    results = await asyncio.gather(
        *(
            store.change(order.id, e, mutate, missing=LookupError)
            for e, mutate in zip(events, mutations, strict=True)
        ),
        return_exceptions=True,
    )

    assert isinstance(results[2], Refused)
    assert [isinstance(r, Order) for r in results] == [True, True, False, True]
    doc = await _stored(db, order.id)
    kept = [str(events[n].message_id) for n in (0, 1, 3)]
    assert doc["applied_messages"][-3:] == kept
    assert [t["message_id"] for t in doc["timeline"][-3:]] == kept


async def test_a_change_that_fails_gives_its_own_caller_the_error(db: Any) -> None:
    store = _store(db)
    order = await submitted_order(store)
    events = [_pending(order, n) for n in range(3)]

    def broken(order: Order) -> None:
        raise RuntimeError("a bug in one handler")

    mutations = [_seen(events[0]), broken, _seen(events[2])]
    results = await asyncio.gather(
        *(
            store.change(order.id, e, mutate, missing=LookupError)
            for e, mutate in zip(events, mutations, strict=True)
        ),
        return_exceptions=True,
    )

    assert isinstance(results[1], RuntimeError)
    doc = await _stored(db, order.id)
    assert doc["applied_messages"][-2:] == [str(events[0].message_id), str(events[2].message_id)]


async def test_a_repeat_among_them_is_applied_once(db: Any, commands: Sent) -> None:
    store = _store(db)
    order = await submitted_order(store)
    event, other = _pending(order, 1), _pending(order, 2)

    results = await asyncio.gather(
        store.change(order.id, other, _seen(other), missing=LookupError),
        store.change(order.id, event, _seen(event), missing=LookupError),
        store.change(order.id, event, _seen(event), missing=LookupError),
    )

    assert results[0] is not None
    assert results[1] is not None
    assert results[2] is None  # recognised as already applied
    doc = await _stored(db, order.id)
    assert [t["message_id"] for t in doc["timeline"]].count(str(event.message_id)) == 1


async def test_a_write_from_elsewhere_meanwhile_makes_the_group_apply_again(db: Any) -> None:
    store, elsewhere = _store(db), _store(db)  # another replica: its own remembered copies
    order = await submitted_order(store)
    first, *rest = [_pending(order, n) for n in range(4)]
    outside = _pending(order, 9)

    async def first_change() -> Order | None:
        async def mutate(order: Order) -> None:
            order.saw(first)
            await asyncio.sleep(0.05)  # the rest arrive meanwhile

        return await store.change(order.id, first, mutate, missing=LookupError)

    async def others() -> list[Order | None]:
        await asyncio.sleep(0.01)
        await elsewhere.change(order.id, outside, _seen(outside), missing=LookupError)
        return await asyncio.gather(
            *(store.change(order.id, e, _seen(e), missing=LookupError) for e in rest)
        )

    await asyncio.gather(first_change(), others())

    doc = await _stored(db, order.id)
    seen = [t["message_id"] for t in doc["timeline"]]
    for event in (first, outside, *rest):
        assert seen.count(str(event.message_id)) == 1


async def test_each_event_written_in_a_group_names_its_own_cause(db: Any) -> None:
    store = _store(db)
    order = await submitted_order(store)
    events = [_pending(order, n) for n in range(3)]

    def recorded(n: int) -> Any:
        def mutate(order: Order) -> None:
            order.record(_pending(order, 100 + n))

        return mutate

    await asyncio.gather(
        *(store.change(order.id, e, recorded(n), missing=LookupError) for n, e in enumerate(events))
    )

    doc = await _stored(db, order.id)
    causes = [json.loads(unpacked(entry)["body"])["causation_id"] for entry in doc["outbox"][-3:]]
    assert causes == [str(e.message_id) for e in events]


@pytest.mark.parametrize("when", ["waiting", "told_to_write"])
async def test_a_change_stopped_while_waiting_leaves_the_rest_to_be_written(
    db: Any, when: str
) -> None:
    store = _store(db)
    order = await submitted_order(store)
    first, stopped, last = [_pending(order, n) for n in range(3)]
    tasks: list[asyncio.Task[Order | None]] = []

    async def slow(order: Order) -> None:
        order.saw(first)
        await asyncio.sleep(0.05)
        if when == "waiting":
            tasks[1].cancel()

    pass_turn = store._pass_turn

    def cancelling(aggregate_id: str) -> None:
        pass_turn(aggregate_id)
        if when == "told_to_write" and not tasks[1].done():
            tasks[1].cancel()  # after it was told to write, before it could

    store._pass_turn = cancelling  # type: ignore[method-assign]
    tasks.append(asyncio.create_task(store.change(order.id, first, slow, missing=LookupError)))
    await asyncio.sleep(0.01)
    for event in (stopped, last):
        tasks.append(
            asyncio.create_task(store.change(order.id, event, _seen(event), missing=LookupError))
        )
    done = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)

    assert isinstance(done[1], asyncio.CancelledError)
    assert isinstance(done[2], Order)
    doc = await _stored(db, order.id)
    assert doc["applied_messages"][-2:] == [str(first.message_id), str(last.message_id)]
    assert store._waiting == {}


async def _created_then_changed(
    store: AggregateStore[Order], mutate: Any, *, taken: bool = False
) -> tuple[Any, Any, ApprovalPending]:
    """A create and the next delivery of its flow, as the consumers run them: each takes its
    turn; the create's insert is its last step."""
    locks = KeyedLocks()
    order, create = draft_order()
    event = _pending(order, 1)
    if taken:  # by another message's order
        await store.add(order.model_copy(deep=True), cause=purchase_order(order_id=order.id))

    async def delivery(step: Any) -> Any:
        async with locks.hold(order.id) as held:
            undo = on_ordering_turn(held)
            try:
                await asyncio.sleep(0)  # decoded before its handler runs
                return await step()
            finally:
                undo()

    results = await asyncio.gather(
        delivery(lambda: store.add_once(order, cause=create, last_step=True)),
        delivery(lambda: store.change(order.id, event, mutate, missing=LookupError)),
        return_exceptions=True,
    )
    return results[0], results[1], event


async def test_the_change_after_a_create_is_inserted_with_it(db: Any, commands: Sent) -> None:
    store = _store(db)

    def submit(order: Order) -> None:
        order.submit(by="alice")

    created, submitted, event = await _created_then_changed(store, submit)

    assert created is True
    assert isinstance(submitted, Order)
    assert commands.writes() == ["insert"]  # one write for both
    doc = await db.orders.find_one({"_id": submitted.id})
    assert doc["status"] == "pending_approval"
    assert doc["version"] == 1
    assert doc["applied_messages"][-1] == str(event.message_id)
    sent = [unpacked(entry)["routing_key"] for entry in doc["outbox"]]
    assert sent == ["order.created", "order.submitted"]  # in the flow's order


async def test_a_change_refused_on_the_new_aggregate_leaves_the_insert_without_it(
    db: Any, commands: Sent
) -> None:
    store = _store(db)

    def refuse(order: Order) -> None:
        order.notes = "changed, then refused"
        raise Refused("no")

    created, refused, _ = await _created_then_changed(store, refuse)

    assert created is True
    assert isinstance(refused, Refused)  # as it would be after the insert
    assert commands.writes() == ["insert"]
    [doc] = await db.orders.find({}).to_list()
    assert doc["notes"] is None
    assert doc["status"] == "draft"


async def test_a_create_meeting_a_taken_id_leaves_the_change_to_the_stored_one(db: Any) -> None:
    store = _store(db)

    def seen(order: Order) -> None:
        order.notes = "seen"

    # The id is taken by another message's order: the create is refused, the change applies.
    created, changed, _ = await _created_then_changed(store, seen, taken=True)

    assert created is False
    assert isinstance(changed, Order)
    doc = await db.orders.find_one({"_id": changed.id})
    assert doc["notes"] == "seen"


async def test_a_step_is_remembered_by_a_digest_of_its_key_even_where_stored_whole(
    db: Any,
) -> None:
    """A key longer than a message id (one step of a message) is remembered as a digest of it,
    and recognised when it comes again; so is one an earlier version stored whole."""
    store = _store(db, remembered=False)
    order = await submitted_order(store)
    event = _pending(order, 1)
    step = f"reserve:{order.id}:1:{event.message_id}"

    assert await store.change(order.id, event, _seen(event), missing=LookupError, key=step)
    again = await store.change(order.id, event, _seen(event), missing=LookupError, key=step)

    assert again is None  # applied once
    doc = await _stored(db, order.id)
    assert doc["applied_messages"][-1] == applied_key(step)
    assert len(applied_key(step)) == 17
    assert step not in doc["applied_messages"]
    assert len(doc["timeline"]) == len(order.timeline) + 1
    # Stored whole by an earlier version: recognised all the same.
    earlier = f"reserve:{order.id}:2:{event.message_id}"
    await db.orders.update_one({"_id": order.id}, {"$push": {"applied_messages": earlier}})
    assert (
        await store.change(order.id, event, _seen(event), missing=LookupError, key=earlier) is None
    )
    assert len((await _stored(db, order.id))["timeline"]) == len(order.timeline) + 1

"""The back office on the real broker and database: it learns the approval directory from
``approval.user_upserted`` (once, the newest word winning; bad events set aside with the reason)
and sends commands as ``backoffice`` for the person signed in, showing refusals in words."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aio_pika
import pytest

from services.backoffice.app import (
    APPROVALS_QUEUE,
    DIRECTORY_QUEUE,
    ORDER_EVENTS_QUEUE,
    RETIRED_QUEUES,
    subscriptions,
)
from services.backoffice.approvals_view import ApprovalLevels
from services.backoffice.bus import Broker
from services.backoffice.orders_view import PAGE_SIZE, Filters, OrderList
from services.backoffice.sales_view import SalesView
from services.backoffice.store import People, Sessions, SignInGuard
from shared import names
from shared.contracts import (
    ApprovalPending,
    ApproveRequest,
    Event,
    OrderCreated,
    OrderKind,
    OrderRejected,
    OrderSubmitted,
    Person,
    UpsertUser,
    UserUpserted,
)
from shared.storage.mongo import database
from tests.support.bus import Bus
from tests.support.factories import lines, unique
from tests.support.services import Environment

pytestmark = pytest.mark.integration


@pytest.fixture
async def office(
    env: Environment, mongo_client: Any, bus: Bus
) -> AsyncIterator[tuple[Broker, People, OrderList]]:
    """Once the operator's bus declared the exchanges (as the broker's definitions do)."""
    db = database(mongo_client, env.database("backoffice"))
    people, orders = People(db), OrderList(db)
    broker = Broker(
        env.settings("backoffice")["amqp_url"],
        subscriptions(people, orders, ApprovalLevels(db), SalesView(orders)),
        answer_timeout=10,
    )
    await broker.start()
    yield broker, people, orders
    await broker.stop()


async def until_known(people: People, user_id: str, **expected: Any) -> dict[str, Any]:
    for _ in range(100):
        found = await people.get(user_id)
        if found and all(found.get(k) == v for k, v in expected.items()):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"the back office never learnt {user_id} {expected}: {found}")


async def test_the_directory_is_learnt_and_bad_events_are_set_aside(
    office: tuple[Broker, People, OrderList], bus: Bus
) -> None:
    _broker, people, _orders = office
    user_id = unique("u")
    newer = UserUpserted(
        user_id=user_id, name="Mona", email=None, admin=False, manager_id="ada", active=True
    )
    older = newer.model_copy(
        update={
            "message_id": uuid.uuid4(),
            "name": "Old",
            "occurred_at": newer.occurred_at - timedelta(minutes=1),
        }
    )
    bad_id = str(uuid.uuid4())
    await bus.send_raw(names.EVENTS, UserUpserted.routing_key, b"{not json", message_id=bad_id)
    await bus.send(newer)
    await until_known(people, user_id, name="Mona", manager_id="ada")
    await bus.send(older)
    await bus.send(newer)  # delivered twice
    await bus.settle()
    assert (await until_known(people, user_id))["name"] == "Mona"

    [dead] = await bus.dead_letters(DIRECTORY_QUEUE)
    assert dead.message_id == bad_id
    assert dead.headers["x-oms-reason"] == "invalid_message"
    assert dead.headers["x-oms-queue"] == DIRECTORY_QUEUE
    assert "json" in str(dead.headers["x-oms-detail"]).lower()


async def test_a_command_is_sent_for_the_person_and_its_refusal_reads_as_words(
    office: tuple[Broker, People, OrderList], approval_service: Any
) -> None:
    broker, _people, _orders = office
    made = await broker.send(
        UpsertUser(user_id=unique("u"), name="Ada", admin=True, changed_by="ada"), "ada"
    )
    assert not made.refused
    assert made.kind == "UserUpserted"

    refused = await broker.send(
        ApproveRequest(request_id="PO-none:1", level=1, approver_id="ada"), "ada"
    )
    assert refused.refused
    assert refused.body["reason"] == "unknown_request"
    assert refused.words.startswith("There is no such approval request.")

    someone_else = await broker.send(
        ApproveRequest(request_id="PO-none:1", level=1, approver_id="bob"), "ada"
    )
    assert someone_else.body["reason"] == "not_the_acting_user"
    assert json.dumps(someone_else.body)  # the whole answer is there to show


async def test_the_order_list_follows_the_order_events_with_filters_and_pages(
    office: tuple[Broker, People, OrderList], bus: Bus
) -> None:
    _broker, _people, orders = office
    branch = unique("BR")
    created = [purchase_created(branch) for _ in range(PAGE_SIZE + 2)]
    for event in created:
        await bus.send(event)
    first = created[0]
    later = first.occurred_at + timedelta(seconds=5)
    rejected = OrderRejected(
        order_id=first.order_id,
        kind=first.kind,
        party_id=first.party_id,
        attempt=1,
        occurred_at=later,
    )
    submitted = OrderSubmitted(
        **first.model_dump(exclude={"message_id", "occurred_at"}),
        attempt=1,
        submitted_by="carl",
        occurred_at=later - timedelta(seconds=1),
    )
    await bus.send(rejected)
    await bus.send(submitted)  # arrives after the rejection it came before
    await bus.send(submitted)
    mine = Filters(branch_id=branch)
    # Up to 15 s on a loaded machine, done as soon as everything is learnt. Both pages are
    # read again until they agree: a page read while an event updates one of its orders can
    # miss that order on the embedded server (seen once in a few full-suite runs).
    for _ in range(300):
        page, more = await orders.page(mine)
        rest, _ = await orders.page(Filters(branch_id=branch, page=2))
        learnt = len(page) + len(rest) == len(created) and more
        if learnt and any(o["status"] == "rejected" for o in page + rest):
            break
        await asyncio.sleep(0.05)
    assert len(page) == PAGE_SIZE
    assert more
    assert len(rest) == 2
    everything = {o["order_id"]: o for o in page + rest}
    assert everything[first.order_id]["status"] == "rejected"
    assert everything[first.order_id]["total"] == "60.00"
    [only] = (await orders.page(Filters(branch_id=branch, status="rejected")))[0]
    assert only["order_id"] == first.order_id
    assert (await orders.page(Filters(branch_id=branch, kind="sales")))[0] == []
    day = first.occurred_at.date().isoformat()
    assert (
        len((await orders.page(Filters(branch_id=branch, created_from=day, created_to=day)))[0])
        == PAGE_SIZE
    )
    assert (await orders.page(Filters(branch_id=branch, created_to="2000-01-01")))[0] == []
    assert await bus.dead_letter_count(ORDER_EVENTS_QUEUE) == 0


def purchase_created(branch: str) -> OrderCreated:
    return OrderCreated(
        order_id=unique("PO"),
        kind=OrderKind.PURCHASE,
        party_id="ACME",
        branch_id=branch,
        created_by="carl",
        currency="USD",
        lines=lines(("BOLT", "500", "0.12")),
        total=Decimal("60.00"),
    )


@pytest.mark.parametrize(
    ("queue", "routing_key", "view"),
    [
        (DIRECTORY_QUEUE, "approval.user_upserted", "people"),
        (ORDER_EVENTS_QUEUE, "order.submitted", "orders"),
        (APPROVALS_QUEUE, "approval.pending", "approval_levels"),
        (ORDER_EVENTS_QUEUE, "inventory.goods_issued", "sales"),
    ],
)
async def test_every_view_sets_bad_events_aside_and_goes_on(
    office: tuple[Broker, People, OrderList],
    bus: Bus,
    mongo_client: Any,
    env: Environment,
    queue: str,
    routing_key: str,
    view: str,
) -> None:
    not_json, invalid = str(uuid.uuid4()), str(uuid.uuid4())
    await bus.send_raw(names.EVENTS, routing_key, b"{not json", message_id=not_json)
    body = json.dumps({"message_id": invalid, "order_id": 42, "lines": "many"}).encode()
    await bus.send_raw(names.EVENTS, routing_key, body, message_id=invalid)
    valid, collection, key = sample(view)
    await bus.send(valid)
    dead = await bus.dead_letters(queue, count=2)
    assert {d.message_id for d in dead} == {not_json, invalid}
    assert {d.headers["x-oms-reason"] for d in dead} == {"invalid_message"}
    assert {d.headers["x-oms-queue"] for d in dead} == {queue}
    db = database(mongo_client, env.database("backoffice"))
    for _ in range(100):  # the next, valid event is processed
        if await db[collection].find_one({"_id": key}):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"the valid event after the bad ones was not learnt: {valid}")


def sample(view: str) -> tuple[Event, str, str]:
    """A valid event for the view, where it lands and under which id."""
    if view == "people":
        user = unique("u")
        upserted = UserUpserted(
            user_id=user, name="U", email=None, admin=False, manager_id=None, active=True
        )
        return upserted, "people", user
    if view == "orders":
        created = purchase_created(unique("BR"))
        return created, "orders", created.order_id
    if view == "sales":
        created = purchase_created(unique("BR")).model_copy(update={"kind": OrderKind.SALES})
        return created, "orders", created.order_id  # the sales view's fields on the list's
    request_id = f"{unique('PO')}:1"
    pending = ApprovalPending(
        request_id=request_id,
        order_id=request_id[:-2],
        order_kind=OrderKind.PURCHASE,
        party_id="ACME",
        attempt=1,
        creator=Person(user_id="carl"),
        cycle_id="CYC",
        level=1,
        levels=2,
        approver=Person(user_id="mona"),
    )
    return pending, "approval_levels", f"{request_id}:1"


async def test_passwords_and_sessions(mongo_client: Any, env: Environment) -> None:
    db = database(mongo_client, env.database("backoffice"))
    people = People(db)
    sessions = Sessions(db, lasts=timedelta(hours=8), idle=timedelta(minutes=30))
    user = unique("u")
    assert not await people.set_password(user, "a long passphrase")  # not in the directory yet
    await people.learn(
        UserUpserted(user_id=user, name="U", email=None, admin=False, manager_id=None, active=True)
    )
    assert await people.check(user, "a long passphrase") is None  # no password yet
    assert await people.set_password(user, "a long passphrase")
    stored = await people.get(user)
    assert stored is not None
    assert stored["password_hash"].startswith("$argon2id$")
    assert (await people.check(user, "a long passphrase") or {}).get("_id") == user
    assert await people.check(user, "a long passphrase!") is None
    assert await people.check(unique("nobody"), "a long passphrase") is None

    now = datetime.now(UTC)
    token, csrf = await sessions.open(user, now)
    assert await db["sessions"].find_one({"_id": token}) is None  # only its digest is kept
    assert (await sessions.find(token, now + timedelta(minutes=29)) or {}).get("csrf") == csrf
    assert await sessions.find(token, now + timedelta(minutes=58)) is not None  # idle renewed
    assert await sessions.find(token, now + timedelta(minutes=89)) is None  # idle 31 minutes
    token, _ = await sessions.open(user, now)
    for minutes in range(25, 8 * 60, 25):  # used every 25 minutes, still over after 8 hours
        assert await sessions.find(token, now + timedelta(minutes=minutes)) is not None
    assert await sessions.find(token, now + timedelta(hours=8)) is None
    await sessions.close(token)
    assert await sessions.find(token, now) is None

    await people.learn(
        UserUpserted(user_id=user, name="U", email=None, admin=False, manager_id=None, active=False)
    )
    assert await people.check(user, "a long passphrase") is None  # inactive: no sign-in


@pytest.fixture
def guard(mongo_client: Any, env: Environment) -> SignInGuard:
    """The back office's settings: 5 failures per user id, 20 per address, 30 s to 15 min."""
    return SignInGuard(
        database(mongo_client, env.database("backoffice")),
        attempts=5,
        address_attempts=20,
        lock=timedelta(seconds=30),
        longest=timedelta(minutes=15),
    )


def stored_now() -> datetime:
    """Now, to the millisecond (as the database keeps times)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def test_failed_sign_ins_hold_further_attempts_back(guard: SignInGuard) -> None:
    user, here, there = unique("mona"), unique("10.0.0."), unique("10.0.1.")
    now = stored_now()
    for second in range(4):
        await guard.failed(user, here, now + timedelta(seconds=second))
        assert await guard.locked_for(user, here, now + timedelta(seconds=second)) is None
    await guard.failed(f" {user.upper()}", here, now + timedelta(seconds=4))  # the same id
    held = await guard.locked_for(user, there, now + timedelta(seconds=4))  # from anywhere
    assert held == timedelta(seconds=30)

    await guard.failed(user, here, now + timedelta(seconds=40))  # once more: twice as long
    assert await guard.locked_for(user, here, now + timedelta(seconds=40)) == timedelta(minutes=1)
    for minutes in range(2, 40, 2):  # it never holds longer than the longest
        await guard.failed(user, here, now + timedelta(minutes=minutes))
    longest = await guard.locked_for(user, here, now + timedelta(minutes=38))
    assert longest == timedelta(minutes=15)
    assert await guard.locked_for(user, here, now + timedelta(minutes=53, seconds=1)) is None

    await guard.succeeded(user)  # a success clears the user id's count
    await guard.failed(user, there, now + timedelta(minutes=60))
    assert await guard.locked_for(user, there, now + timedelta(minutes=60)) is None


async def test_failures_from_one_address_hold_back_every_user_id_from_it(
    guard: SignInGuard,
) -> None:
    here, there = unique("10.0.2."), unique("10.0.3.")
    now = stored_now()
    for i in range(20):  # twenty ids, one guess each
        await guard.failed(unique(f"guess{i}-"), here, now)

    assert await guard.locked_for(unique("anyone"), here, now) == timedelta(seconds=30)
    assert await guard.locked_for(unique("anyone"), there, now) is None


async def _gone(bus: Bus, queue: str) -> bool:
    async with await aio_pika.connect(bus.amqp_url) as connection:
        channel = await connection.channel()  # a failed look closes it
        try:
            await channel.declare_queue(queue, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return True
        return False


async def test_the_earlier_queues_are_learnt_from_and_then_deleted(
    env: Environment, mongo_client: Any, bus: Bus
) -> None:
    """An earlier version took the order list's and the sales view's events on one queue each:
    what they still hold when this one starts is learnt, and they are deleted (their dead
    letters kept); every event then comes on the one queue."""
    for name in RETIRED_QUEUES:
        old = await bus.channel.declare_queue(name, durable=True)
        await bus.channel.declare_queue(names.dead_letter_queue(name), durable=True)
        await old.bind(bus.exchanges[names.EVENTS], routing_key="order.created")
    branch = unique("BR")
    left = [
        purchase_created(branch).model_copy(update={"kind": OrderKind.SALES}) for _ in range(40)
    ]  # more than are learnt at once
    for event in left:
        await bus.send(event)
    db = database(mongo_client, env.database("backoffice"))
    orders = OrderList(db)
    office = Broker(
        env.settings("backoffice")["amqp_url"],
        subscriptions(People(db), orders, ApprovalLevels(db), SalesView(orders)),
        answer_timeout=10,
    )
    await office.start()
    try:
        for _ in range(600):  # up to 30 s on a busy machine
            if not office.retiring:
                break
            await asyncio.sleep(0.05)
        assert not office.retiring
        ids = {"_id": {"$in": [event.order_id for event in left]}}
        assert await db["orders"].count_documents(ids) == len(left)
        both = ids | {"status": "draft", "ordered_at": {"$exists": True}}  # each view's field
        assert await db["orders"].count_documents(both) == len(left)
        for name in RETIRED_QUEUES:
            assert await _gone(bus, name)
            assert await bus.dead_letter_count(name) == 0  # the dead letters' queue stays
        later = purchase_created(unique("BR")).model_copy(update={"kind": OrderKind.SALES})
        await bus.send(later)
        for _ in range(100):
            if await db["orders"].find_one({"_id": later.order_id, "ordered_at": {"$ne": None}}):
                break
            await asyncio.sleep(0.05)
        learnt = await db["orders"].find_one({"_id": later.order_id})
        assert learnt is not None
        assert learnt["status"] == "draft"
        assert learnt["ordered_at"] is not None
    finally:
        await office.stop()

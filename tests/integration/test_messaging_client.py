"""The shared AMQP client on the real broker: a caller's commands each get their own answer,
say who sends them, and come back as None when nobody answers; dead letters a service set
aside are read from its headers, replayed and gone."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from shared import names
from shared.contracts import ApproveRequest, SubmitOrder, UpsertUser
from shared.messaging.client import Caller, Unreachable, calling
from shared.messaging.deadletters import DeadLetters, NoSuchQueue
from tests.integration.test_bad_input import order_submitted
from tests.support.bus import Bus, having
from tests.support.factories import unique
from tests.support.servers import as_user
from tests.support.services import Environment

pytestmark = pytest.mark.integration

QUEUE = "approval.order-submitted"


async def test_each_command_gets_its_own_answer_for_the_person_named(
    env: Environment, bus: Bus, approval_service: Any
) -> None:
    caller = Caller(as_user(env.amqp_url, "backoffice"), name="test-caller")
    await caller.open(10)
    try:
        assert caller.connected
        made, unknown, someone_else = await asyncio.gather(
            caller.send(
                UpsertUser(user_id=unique("u"), name="Ada", admin=True, changed_by="ada"),
                person="ada",
                timeout=10,
            ),
            caller.send(
                ApproveRequest(request_id="PO-none:1", level=1, approver_id="ada"),
                person="ada",
                timeout=10,
            ),
            caller.send(
                ApproveRequest(request_id="PO-none:1", level=1, approver_id="bob"),
                person="ada",
                timeout=10,
            ),
        )
        assert made is not None
        assert unknown is not None
        assert someone_else is not None
        assert (made.type, made.refused) == ("UserUpserted", False)
        assert (unknown.refused, unknown.body["reason"]) == (True, "unknown_request")
        assert someone_else.body["reason"] == "not_the_acting_user"

        # A gateway acting for people that names nobody is refused: the header is the caller's.
        nobody = await caller.send(
            ApproveRequest(request_id="PO-none:1", level=1, approver_id="ada"),
            person=None,
            timeout=10,
        )
        assert nobody is not None
        assert nobody.body["reason"] == "unauthenticated"
    finally:
        await caller.close()
    assert not caller.connected


async def test_no_answer_in_time_is_none_and_no_broker_is_unreachable(
    env: Environment, bus: Bus
) -> None:
    async with calling(as_user(env.amqp_url, "operator"), "test-caller", 10) as caller:
        command = SubmitOrder(order_id=unique("PO"), submitted_by="operator")
        assert await caller.send(command, person=None, timeout=0.3) is None  # no order service

    with pytest.raises(Unreachable, match=r"RabbitMQ at 127\.0\.0\.1:1/oms as nobody"):
        async with calling("amqp://nobody:x@127.0.0.1:1/oms", "test-caller", 5):
            pass


async def test_dead_letters_are_read_from_the_service_headers_and_replayed(
    env: Environment, bus: Bus, approval_service: Any
) -> None:
    letters = DeadLetters(as_user(env.amqp_url, "operator"), name="test-caller", timeout=10)
    event = order_submitted()
    good = json.loads(event.model_dump_json())
    broken = json.dumps({**good, "total": 1}).encode()  # decimals travel as strings
    await bus.send_raw(names.EVENTS, "order.submitted", broken, message_id=str(event.message_id))

    for _ in range(100):
        counts = await letters.counts([QUEUE, "nobody.queue"])
        if counts == [{"queue": QUEUE, "dead_letters": 1}]:
            break
        await asyncio.sleep(0.1)
    assert counts == [{"queue": QUEUE, "dead_letters": 1}]  # no .dlq of nobody.queue: left out
    [letter] = await letters.peek(QUEUE, 10)
    assert letter.message_id == str(event.message_id)
    assert (letter.exchange, letter.routing_key) == (names.EVENTS, "order.submitted")
    assert (letter.reason, letter.headers["x-oms-service"]) == ("invalid_message", "approval")
    assert "total" in letter.detail
    assert len(await letters.peek(QUEUE, 10)) == 1  # peeking leaves it where it is

    [replayed] = await letters.replay(QUEUE, {letter.message_id or ""}, json.dumps(good))
    assert replayed["replay_of"] == str(event.message_id)
    await bus.wait_for("approval.approved", having(order_id=event.order_id))
    assert await letters.peek(QUEUE, 10) == []
    assert await letters.purge(QUEUE, None) == []
    with pytest.raises(NoSuchQueue):
        await letters.peek("nobody.queue", 10)

"""The back office on the real broker and database: it learns the approval directory from
``approval.user_upserted`` (once, the newest word winning; bad events set aside with the reason)
and sends commands as ``backoffice`` for the person signed in, showing refusals in words."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from services.backoffice.bus import DIRECTORY_QUEUE, Broker
from services.backoffice.store import People
from shared import names
from shared.contracts import ApproveRequest, UpsertUser, UserUpserted
from shared.storage.mongo import database
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.services import Environment

pytestmark = pytest.mark.integration


@pytest.fixture
async def office(
    env: Environment, mongo_client: Any, bus: Bus
) -> AsyncIterator[tuple[Broker, People]]:
    """Once the operator's bus declared the exchanges (as the broker's definitions do)."""
    people = People(database(mongo_client, env.database("backoffice")))
    broker = Broker(env.settings("backoffice")["amqp_url"], people, answer_timeout=10)
    await broker.start()
    yield broker, people
    await broker.stop()


async def until_known(people: People, user_id: str, **expected: Any) -> dict[str, Any]:
    for _ in range(100):
        found = await people.get(user_id)
        if found and all(found.get(k) == v for k, v in expected.items()):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"the back office never learnt {user_id} {expected}: {found}")


async def test_the_directory_is_learnt_and_bad_events_are_set_aside(
    office: tuple[Broker, People], bus: Bus
) -> None:
    _broker, people = office
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
    office: tuple[Broker, People], approval_service: Any
) -> None:
    broker, _people = office
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

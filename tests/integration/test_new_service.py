"""The example service (``tests/example/parcels``: contracts, handlers, registry entry) runs over
the real broker.

This is the "adding a service" path of the README: the table in ``Service`` is all the wiring
it needs. It gets its queues and bindings, dead-lettering with reasons, answers on
``reply_to``, refusals that name the rule, per-entity ordering and an AsyncAPI document.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from shared.asyncapi import document
from shared.contracts import OrderCancelled, OrderKind
from shared.names import COMMANDS
from shared.runtime import build_app
from shared.settings import ServiceSettings
from shared.storage.mongo import Document, database
from tests.example.parcels.app import SERVICE as PARCELS
from tests.example.parcels.contracts import RegisterParcel
from tests.support.bus import Bus, having
from tests.support.servers import RabbitServer, as_user
from tests.support.services import Environment, ServiceProcess, running


async def test_a_service_defined_as_a_table_is_answered_refused_and_dead_lettered(
    bus: Bus, env: Environment, mongo_client: Any, rabbit: RabbitServer, vhost: str
) -> None:
    # A service not yet in the registry has no RabbitMQ user: it runs as an operator here.
    settings = env.settings("parcels", amqp_url=as_user(env.amqp_url, "operator"))
    async with running(build_app(PARCELS, ServiceSettings(**settings))):
        register = RegisterParcel(parcel_id="P-1", order_id="SO-1", correlation_id="flow-7")
        await bus.send(register, reply=True)
        answer = await bus.reply_for(register)
        assert answer.type == "ParcelRegistered"
        assert answer.body["causation_id"] == str(register.message_id)
        assert answer.correlation_id == "flow-7"

        again = RegisterParcel(parcel_id="P-1", order_id="SO-2")
        await bus.send(again, reply=True)
        refused = await bus.reply_for(again)
        assert (refused.type, refused.body["reason"]) == ("CommandRejected", "parcel_exists")

        bad = str(uuid.uuid4())
        body = json.dumps({"message_id": bad, "parcel_id": "no spaces allowed"}).encode()
        await bus.send_raw(COMMANDS, "parcels.register", body, message_id=bad, reply=True)
        [invalid] = await bus.wait_for("parcels.command_rejected", having(command_message_id=bad))
        assert invalid.body["reason"] == "invalid_message"
        assert "order_id" in invalid.body["detail"]

        typo = str(uuid.uuid4())
        await bus.send_raw(COMMANDS, "parcels.regster", b"{}", message_id=typo, reply=True)
        [unknown] = await bus.wait_for("parcels.command_rejected", having(command_message_id=typo))
        assert unknown.body["reason"] == "unknown_message_type"

        cancelled = OrderCancelled(
            order_id="SO-1", kind=OrderKind.SALES, party_id="C-1", cancelled_by="alice"
        )
        await bus.send(cancelled)
        db: AsyncDatabase[Document] = database(mongo_client, env.database("parcels"))
        for _ in range(100):
            if (doc := await db.parcels.find_one({"_id": "P-1"})) and doc["cancelled"]:
                break
            await bus.settle(0.05)
        else:
            raise AssertionError("the parcels service did not consume order.cancelled")

    for queue in ("parcels.commands", "parcels.order-cancelled"):  # each with its .dlq
        assert rabbit.queue_info(vhost, queue)["arguments"] == {
            "x-dead-letter-exchange": "oms.dlx",
            "x-dead-letter-routing-key": queue,
            "x-queue-type": "classic",
        }
        assert rabbit.queue_info(vhost, f"{queue}.dlq")["durable"] is True


def test_the_new_service_has_an_asyncapi_document_naming_each_command() -> None:
    doc = document(PARCELS)
    register = doc["operations"]["parcels.register:receive"]
    assert register["channel"] == {"$ref": "#/channels/parcels.register"}
    assert doc["channels"]["parcels.register"]["bindings"]["amqp"]["exchange"]["name"] == COMMANDS
    replies = {m["$ref"].rsplit("/", 1)[1] for m in register["reply"]["messages"]}
    assert replies == {"ParcelRegistered", "CommandRejected"}
    rejected = doc["operations"]["parcels.command_rejected:send"]["description"]
    assert "`parcel_exists`" in rejected
    assert "`invalid_message`" in rejected
    assert "parcels.order-cancelled" in doc["operations"]["order.cancelled:receive"]["description"]
    assert doc["servers"]["oms"]["pathname"] == "/oms"


async def test_the_example_starts_from_its_registry_entry_as_a_process_and_answers(
    bus: Bus, env: Environment, tmp_path: Path
) -> None:
    """``python -m tests.example.parcels``, as ``python -m services.<name>`` starts a real one."""
    entry = PARCELS.entry
    assert entry.module == "tests.example.parcels"
    settings = env.env("parcels", amqp_url=as_user(env.amqp_url, "operator"))
    process = ServiceProcess(entry.name, settings, tmp_path, module=entry.module).start()
    try:
        await process.wait_ready()
        register = RegisterParcel(parcel_id="P-9", order_id="SO-9")
        await bus.send(register, reply=True)
        answer = await bus.reply_for(register)
        assert (answer.type, answer.body["parcel_id"]) == ("ParcelRegistered", "P-9")
    finally:
        process.terminate()
        assert await process.wait_exit() == 0, process.log()

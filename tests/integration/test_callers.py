"""Who may send what: RabbitMQ vouches for the caller, the services check what it may do.

Each caller logs in as its own RabbitMQ user with the permissions a deployment gives it
(deploy/rabbitmq/definitions.json, applied to each test's vhost): topic permissions stop a
caller from publishing routing keys that are not its own at the broker; the AMQP ``user_id``
(which the broker checks against the login) and the ``x-oms-user`` header say who acts.
"""

from __future__ import annotations

import uuid
from typing import Any

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from shared.contracts import (
    ApprovalRejected,
    ApproveRequest,
    AssignParty,
    DefineCycle,
    LevelRule,
    OrderKind,
    Person,
    SubmitOrder,
    UpdateOrder,
    UpsertUser,
    UserUpserted,
)
from shared.names import COMMANDS, EVENTS
from tests.support.bus import Bus, having
from tests.support.factories import purchase_order, sales_order, unique
from tests.support.servers import as_user
from tests.support.services import Environment
from tests.support.storefront import configure_storefront


async def _publish_as(
    env: Environment, user: str, exchange: str, routing_key: str, body: bytes
) -> None:
    connection = await aio_pika.connect(as_user(env.amqp_url, user))
    try:
        channel = await connection.channel(publisher_confirms=True)
        target = await channel.get_exchange(exchange, ensure=False)
        await target.publish(
            aio_pika.Message(body, user_id=user, content_type="application/json"),
            routing_key=routing_key,
        )
        await channel.close()
    finally:
        await connection.close()


@pytest.mark.parametrize(
    ("user", "exchange", "routing_key"),
    [
        ("storefront", COMMANDS, "approval.approve"),
        ("storefront", COMMANDS, "order.create_purchase_order"),
        ("backoffice", EVENTS, "approval.approved"),
        ("order", EVENTS, "approval.approved"),  # a service publishes only its own events
        ("order", COMMANDS, "order.cancel"),  # and sends no commands
    ],
)
async def test_the_broker_refuses_routing_keys_a_caller_may_not_publish(
    env: Environment, order_service: Any, user: str, exchange: str, routing_key: str
) -> None:
    with pytest.raises(ChannelAccessRefused, match="ACCESS_REFUSED"):
        await _publish_as(env, user, exchange, routing_key, b"{}")


async def test_a_storefront_creates_and_submits_sales_orders_as_itself(
    env: Environment, order_service: Any
) -> None:
    await configure_storefront(
        env.amqp_url, (("SKU-9", "100.00"),), storefront_id="storefront", currency="EUR"
    )
    async with Bus(env.amqp_url, user="storefront") as storefront:
        create = sales_order(created_by="storefront")
        await storefront.send(create, reply=True)
        assert (await storefront.reply_for(create)).type == "OrderCreated"

        other = sales_order(created_by="alice")  # it may not speak for a person
        await storefront.send(other, reply=True)
        refusal = await storefront.reply_for(other)
        assert refusal.body["reason"] == "not_the_acting_user"


async def test_a_forged_approver_is_refused(
    bus: Bus, env: Environment, order_service: Any, approval_service: Any
) -> None:
    cycle, vendor = unique("CYC"), unique("V")
    for command in (
        UpsertUser(user_id="adam", name="Adam", admin=True, changed_by="root"),
        DefineCycle(
            cycle_id=cycle,
            name="one level",
            order_kind=OrderKind.PURCHASE,
            levels=[LevelRule(approver="named_user", user_id="adam")],
            defined_by="root",
        ),
        AssignParty(cycle_id=cycle, party_id=vendor, assigned_by="root"),
        create := purchase_order(vendor_id=vendor),
    ):
        await bus.send(command, reply=True)
        assert (await bus.reply_for(command)).type != "CommandRejected"
    await bus.send(SubmitOrder(order_id=create.order_id, submitted_by="alice"))
    [pending] = await bus.wait_for("approval.pending", having(order_id=create.order_id))

    # The back office authenticated clerk Carl, who claims to be Adam in the body.
    async with Bus(env.amqp_url, user="backoffice") as backoffice:
        approve = ApproveRequest(request_id=pending.body["request_id"], level=1, approver_id="adam")
        mid = str(approve.message_id)
        await backoffice.exchanges[COMMANDS].publish(
            aio_pika.Message(
                approve.model_dump_json().encode(),
                message_id=mid,
                user_id="backoffice",
                headers={"x-oms-user": "carl"},
                reply_to=backoffice.reply_queue,
                content_type="application/json",
            ),
            routing_key=approve.routing_key,
        )
        refusal = await backoffice.reply_for(approve)
        assert refusal.body["reason"] == "not_the_acting_user"
        assert "'carl'" in refusal.body["detail"]
    await bus.settle()
    assert not bus.matching("approval.approved", having(order_id=create.order_id))


@pytest.mark.parametrize(
    ("user_id", "headers", "reason"),
    [
        (None, {"x-oms-user": "alice"}, "unauthenticated"),  # no user_id at all
        ("operator", {}, "unauthenticated"),  # a gateway that does not say for whom
    ],
)
async def test_a_command_that_does_not_say_who_sends_it_is_refused(
    bus: Bus, order_service: Any, user_id: str | None, headers: dict[str, Any], reason: str
) -> None:
    create = purchase_order()
    await bus.exchanges[COMMANDS].publish(
        aio_pika.Message(
            create.model_dump_json().encode(),
            message_id=str(create.message_id),
            user_id=user_id,
            headers=dict(headers),
            reply_to=bus.reply_queue,
            content_type="application/json",
        ),
        routing_key=create.routing_key,
    )
    refusal = await bus.reply_for(create)
    assert (refusal.type, refusal.body["reason"]) == ("CommandRejected", reason)


def _rejected(order_id: str) -> ApprovalRejected:
    return ApprovalRejected(
        request_id=f"{order_id}:1",
        order_id=order_id,
        order_kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        creator=Person(user_id="alice"),
        level=1,
        approver=Person(user_id="adam"),
        notes="too dear",
    )


async def test_only_the_creator_or_an_admin_reworks_a_rejected_order(
    bus: Bus, order_service: Any
) -> None:
    create = purchase_order(created_by="alice")
    await bus.send(create, reply=True)
    await bus.reply_for(create)
    await bus.send(SubmitOrder(order_id=create.order_id, submitted_by="alice"))
    await bus.wait_for("order.submitted", having(order_id=create.order_id))
    await bus.send(_rejected(create.order_id))  # the approval service's verdict
    await bus.wait_for("order.rejected", having(order_id=create.order_id))

    mallory = UpdateOrder(order_id=create.order_id, updated_by="mallory", notes="mine")
    await bus.send(mallory, reply=True)
    assert (await bus.reply_for(mallory)).body["reason"] == "not_the_creator"
    resubmit = SubmitOrder(order_id=create.order_id, submitted_by="mallory")
    await bus.send(resubmit, reply=True)
    assert (await bus.reply_for(resubmit)).body["reason"] == "not_the_creator"

    # root is an admin in the approval service's directory: the order service learns it.
    await bus.send(_admin_upserted("root"))
    fix = UpdateOrder(order_id=create.order_id, updated_by="root", notes="fixed by an admin")
    for _ in range(50):
        fix = fix.model_copy(update={"message_id": uuid.uuid4()})
        await bus.send(fix, reply=True)
        if (await bus.reply_for(fix)).type == "OrderUpdated":
            break
        await bus.settle(0.1)
    else:
        raise AssertionError("the admin was never allowed to rework the rejected order")
    again = SubmitOrder(order_id=create.order_id, submitted_by="alice")
    await bus.send(again, reply=True)
    assert (await bus.reply_for(again)).type == "OrderSubmitted"


def _admin_upserted(user_id: str) -> UserUpserted:
    return UserUpserted(
        user_id=user_id, name="Root", email=None, admin=True, manager_id=None, active=True
    )

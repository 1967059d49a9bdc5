"""Production runs quorum queues with a delivery limit; the kind of queue is a setting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.order.app import SERVICE as ORDER
from services.order.settings import OrderSettings
from shared.runtime import build_app
from tests.support.bus import Bus, having
from tests.support.factories import purchase_order
from tests.support.servers import RabbitServer
from tests.support.services import Environment, running


@pytest.fixture
async def quorum_order_service(env: Environment) -> AsyncIterator[Any]:
    settings = OrderSettings(**env.settings("order"), queue_type="quorum", delivery_limit=3)
    async with running(build_app(ORDER, settings)) as app:
        yield app


async def test_quorum_queues_with_a_delivery_limit_carry_the_flow(
    quorum_order_service: Any, bus: Bus, rabbit: RabbitServer, vhost: str
) -> None:
    create = purchase_order()
    await bus.send(create)
    await bus.wait_for("order.created", having(order_id=create.order_id))

    for queue in ("order.commands", "order.approval-approved"):
        info = rabbit.queue_info(vhost, queue)
        arguments = info["arguments"]
        assert isinstance(arguments, dict)
        assert arguments["x-queue-type"] == "quorum"
        assert arguments["x-delivery-limit"] == 3
        assert arguments["x-dead-letter-exchange"] == "oms.dlx"
    dlq = rabbit.queue_info(vhost, f"{'order.commands'}.dlq")
    assert isinstance(dlq["arguments"], dict)
    assert dlq["arguments"]["x-queue-type"] == "quorum"

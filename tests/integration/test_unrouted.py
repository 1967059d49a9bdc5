"""A command whose routing key matches no binding is answered and kept, never dropped."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from shared import names
from tests.support.bus import Bus, having
from tests.support.services import asgi_text


async def unrouted_count(app: Any) -> float:
    """``oms_unrouted_commands_total`` in the service's /metrics."""
    _, metrics = await asgi_text(app, "/metrics")
    found = re.search(r"^oms_unrouted_commands_total (\S+)$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_a_misrouted_command_is_answered_unknown_command_and_kept_for_operators(
    order_service: Any, bus: Bus
) -> None:
    before = await unrouted_count(order_service)
    mid, flow = str(uuid.uuid4()), f"PO-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"message_id": mid, "order_id": flow, "submitted_by": "alice"}).encode()

    await bus.send_raw(
        names.COMMANDS, "ordr.submit", body, message_id=mid, correlation_id=flow, reply=True
    )

    answer = await bus.reply_for_id(mid)
    assert answer.type == "CommandRejected"
    assert answer.correlation_id == flow
    assert answer.body["reason"] == "unknown_command"
    assert answer.body["command_message_id"] == mid
    assert "ordr.submit" in answer.body["detail"]
    assert answer.body["service"] == names.SYSTEM
    [event] = await bus.wait_for("oms.command_rejected", having(command_message_id=mid))
    assert event.correlation_id == flow

    [kept] = await bus.dead_letters(names.UNROUTED_COMMANDS)
    assert kept.message_id == mid
    assert kept.body == json.loads(body)  # kept as it was sent
    assert kept.headers["x-oms-reason"] == "unknown_command"
    assert kept.headers["x-oms-original-routing-key"] == "ordr.submit"
    assert kept.headers["x-oms-queue"] == names.UNROUTED_COMMANDS
    assert "ordr.submit" in kept.headers["x-oms-detail"]
    assert await unrouted_count(order_service) == before + 1


async def test_a_command_naming_a_service_but_no_binding_is_answered_for_that_service(
    order_service: Any, bus: Bus
) -> None:
    """``order.submit.now`` names the order service, but its queue takes ``order.*`` only."""
    mid = str(uuid.uuid4())
    await bus.send_raw(names.COMMANDS, "order.submit.now", b"{}", message_id=mid, reply=True)

    answer = await bus.reply_for_id(mid)
    assert (answer.body["reason"], answer.body["service"]) == ("unknown_command", "order")
    await bus.wait_for("order.command_rejected", having(command_message_id=mid))
    [kept] = await bus.dead_letters(names.UNROUTED_COMMANDS)
    assert kept.headers["x-oms-original-routing-key"] == "order.submit.now"


async def test_a_well_routed_command_is_not_taken_for_a_misrouted_one(
    order_service: Any, bus: Bus
) -> None:
    """The order service's own unknown verb stays on its own queue (``unknown_message_type``)."""
    mid = str(uuid.uuid4())
    await bus.send_raw(names.COMMANDS, "order.frobnicate", b"{}", message_id=mid, reply=True)

    answer = await bus.reply_for_id(mid)
    assert answer.body["reason"] == "unknown_message_type"
    [kept] = await bus.dead_letters("order.commands")
    assert kept.headers["x-oms-queue"] == "order.commands"

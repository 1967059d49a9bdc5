"""Dead letters through omsctl: a bad event is listed, fixed, replayed and applied; a replay
that fails again comes back with its history. omsctl runs as a subprocess, as operators run it."""

from __future__ import annotations

import json
from typing import Any

from omsctl.outcome import Exit
from shared import names
from tests.integration.test_bad_input import order_submitted
from tests.support.bus import Bus, having
from tests.support.omsctl import omsctl, until
from tests.support.servers import as_user
from tests.support.services import Environment

QUEUE = "approval.order-submitted"


def broken(body: dict[str, Any]) -> bytes:
    """The event with its total as a JSON number: decimals travel as strings."""
    return json.dumps({**body, "total": 1}).encode()


async def test_a_bad_event_is_listed_fixed_replayed_and_applied(
    env: Environment, bus: Bus, approval_service: Any
) -> None:
    operator = {"OMSCTL_AMQP_URL": as_user(env.amqp_url, "operator")}
    event = order_submitted()
    good = json.loads(event.model_dump_json())
    await bus.send_raw(
        names.EVENTS, "order.submitted", broken(good), message_id=str(event.message_id)
    )

    counts = await until(
        operator, lambda rows: rows == [{"queue": QUEUE, "dead_letters": 1}], "dlq", "list"
    )
    assert counts.code == Exit.DONE
    listed = await omsctl(operator, "--json", "dlq", "list", QUEUE)
    [letter] = listed.json
    assert letter["message_id"] == str(event.message_id)
    assert letter["routing_key"] == "order.submitted"
    assert letter["reason"] == "invalid_message"
    assert "total" in letter["detail"]
    assert letter["failures"] == 1
    assert letter["first_failed_at"] == letter["last_failed_at"]
    table = await omsctl(operator, "dlq", "list", QUEUE)
    assert "invalid_message" in table.out
    assert "order.submitted" in table.out

    # Replayed as it is, it fails again and comes back with its history.
    again = await omsctl(operator, "--json", "dlq", "replay", QUEUE, str(event.message_id))
    assert again.code == Exit.DONE, again
    [replayed] = again.json
    assert replayed["replay_of"] == str(event.message_id)
    assert replayed["message_id"] != str(event.message_id)
    back = await until(
        operator, lambda rows: len(rows) == 1 and rows[0]["failures"] == 2, "dlq", "list", QUEUE
    )
    [second] = back.json
    assert second["message_id"] == replayed["message_id"]
    assert second["replay_of"] == str(event.message_id)
    assert second["first_failed_at"] == letter["first_failed_at"]
    assert second["last_failed_at"] > letter["last_failed_at"]
    shown = await omsctl(operator, "--json", "dlq", "show", QUEUE, second["message_id"])
    assert [h["message_id"] for h in shown.json["history"]] == [str(event.message_id)]
    assert shown.json["history"][0]["reason"] == "invalid_message"
    body = await omsctl(operator, "dlq", "show", QUEUE, second["message_id"], "--body-only")
    assert json.loads(body.out)["total"] == 1

    # Fixed and replayed: applied (no cycle for the vendor, so approved at once).
    fixed = await omsctl(
        operator, "--json", "dlq", "replay", QUEUE, second["message_id"], "--body", json.dumps(good)
    )
    assert fixed.code == Exit.DONE, fixed
    await bus.wait_for("approval.approved", having(order_id=event.order_id))
    assert (await omsctl(operator, "--json", "dlq", "list", QUEUE)).json == []


async def test_purge_and_who_may_touch_dead_letters(
    env: Environment, bus: Bus, approval_service: Any
) -> None:
    operator = {"OMSCTL_AMQP_URL": as_user(env.amqp_url, "operator")}
    for _ in range(2):
        event = order_submitted()
        await bus.send_raw(
            names.EVENTS,
            "order.submitted",
            broken(json.loads(event.model_dump_json())),
            message_id=str(event.message_id),
        )
    await until(operator, lambda rows: len(rows) == 2, "dlq", "list", QUEUE)

    backoffice = {"OMSCTL_AMQP_URL": as_user(env.amqp_url, "backoffice")}
    refused = await omsctl(backoffice, "dlq", "list", QUEUE)
    assert refused.code == Exit.REFUSED
    assert "operators" in refused.err
    missing = await omsctl(operator, "dlq", "replay", QUEUE, "no-such-id")
    assert missing.code == Exit.NOT_FOUND
    assert (await omsctl(operator, "dlq", "list", "nobody.queue")).code == Exit.NOT_FOUND
    assert (await omsctl(operator, "dlq", "purge", QUEUE)).code == Exit.USAGE

    purged = await omsctl(operator, "--json", "dlq", "purge", QUEUE, "--all", "--yes")
    assert purged.code == Exit.DONE
    assert len(purged.json) == 2
    assert (await omsctl(operator, "--json", "dlq", "list", QUEUE)).json == []

"""Business figures in /metrics after a run: approvals waiting and decided, refusals, dead
letters, the outbox, failed e-mails — each with the value the run implies."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from shared import names
from shared.contracts import Person
from shared.contracts.base import utcnow
from tests.integration.approval.conftest import MANAGER, World
from tests.integration.approval.test_notifications import pending_for
from tests.integration.test_bad_input import order_submitted
from tests.support.factories import unique
from tests.support.services import asgi_text
from tests.support.smtp import SmtpServer


async def scrape(app: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    status, text = await asgi_text(app, "/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_approval_figures_refusals_and_dead_letters(
    world: World, approval_service: Any, order_service: Any
) -> None:
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    request = await world.pending(order_id, 1)
    await asyncio.sleep(0.2)

    waiting = await scrape(approval_service)
    assert value(waiting, "oms_approval_requests_waiting") == 1
    assert 0.2 <= (value(waiting, "oms_approval_oldest_request_age_seconds") or 0) < 30

    refused = await world.approve(request, by="alice")  # the creator may not decide
    assert refused.body["reason"] == "self_approval"
    assert (await world.approve(request, by="mary")).type == "ApprovalApproved"

    decided = await scrape(approval_service)
    for _ in range(10):  # the scrape's own reads are not round trips
        again = await scrape(approval_service)
    for name in ("find", "aggregate"):
        counted = value(decided, "oms_db_commands_total", command=name, collection="requests")
        recounted = value(again, "oms_db_commands_total", command=name, collection="requests")
        # Ten scrapes, each reading requests twice, would add 10 of each; what may come
        # meanwhile is the relay's idle poll of its outboxes (one aggregate, a few a second).
        assert (recounted or 0) - (counted or 0) < 5, name
    assert value(decided, "oms_approval_requests_waiting") == 0
    assert value(decided, "oms_approval_oldest_request_age_seconds") == 0
    kind = {"order_kind": "purchase", "outcome": "approved"}
    assert value(decided, "oms_approval_turnaround_seconds_count", **kind) == 1
    assert value(decided, "oms_approval_turnaround_seconds_bucket", le="60.0", **kind) == 1
    refusals = "oms_commands_refused_total"
    assert value(decided, refusals, command="approval.approve", reason="self_approval") == 1

    broken = json.loads(order_submitted().model_dump_json()) | {"total": 1}
    await world.bus.send_raw(names.EVENTS, "order.submitted", json.dumps(broken).encode())
    await world.bus.dead_letters("approval.order-submitted")
    dead = await scrape(approval_service)
    letters = "oms_messages_dead_lettered_total"
    assert value(dead, letters, queue="approval.order-submitted", reason="invalid_message") == 1

    for _ in range(50):  # published entries are forgotten a second or so later
        figures = await scrape(order_service)
        if value(figures, "oms_outbox_entries_waiting", collection="orders") == 0:
            break
        await asyncio.sleep(0.1)
    assert value(figures, "oms_outbox_entries_waiting", collection="orders") == 0
    assert value(figures, "oms_outbox_oldest_entry_age_seconds", collection="orders") == 0
    assert value(figures, "oms_db_commands_total", command="insert", collection="orders")


async def test_outbox_entries_waiting_while_nothing_publishes(approval_service: Any) -> None:
    """An entry the relay has not published (its writer went away) shows, with its age."""
    db = approval_service.runtime.database
    stuck = {"message_id": "m", "created_at": utcnow(), "routing_key": "approval.nothing"}
    lease = {"owner": "elsewhere", "until": utcnow().replace(year=2100)}
    await db["cycles"].insert_one(
        {"_id": unique("STUCK"), "outbox": [stuck], "outbox_pending": True, "outbox_lease": lease}
    )
    await asyncio.sleep(0.3)
    figures = await scrape(approval_service)
    assert value(figures, "oms_outbox_entries_waiting", collection="cycles") == 1
    assert (value(figures, "oms_outbox_oldest_entry_age_seconds", collection="cycles") or 0) >= 0.3


async def test_emails_failed_for_good_are_counted(
    world: World, notification_service: Any, smtp: SmtpServer
) -> None:
    smtp.fail_next(1, "550 5.1.1 Mailbox unavailable")
    await world.bus.send(pending_for(Person(user_id="gone", email="gone@example.com")))
    await world.bus.wait_for("notification.email_failed")
    figures = await scrape(notification_service)
    assert value(figures, "oms_emails_failed_total", kind="approval_pending") == 1

"""What approvers are e-mailed: each kind of e-mail has its own switch, the pending e-mail says
how to decide, and a request that no longer waits for its approver is withdrawn by e-mail."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from shared.contracts import CancelOrder, OrderKind, OrderSubmitted
from shared.names import COMMANDS
from tests.integration.approval.conftest import MANAGER, World, named
from tests.support.bus import Bus
from tests.support.factories import lines, unique
from tests.support.services import asgi_get
from tests.support.smtp import Received, SmtpServer


def for_order(order_id: str) -> Any:
    return lambda body: body["order_id"] == order_id


def text(mail: Received) -> str:
    """The body as written (SMTP carries lines ended by CRLF)."""
    return mail.body.replace("\r\n", "\n")


async def test_the_pending_email_says_which_request_and_the_command_in_it_decides_it(
    world: World, smtp: SmtpServer, approval_service: Any
) -> None:
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    pending = await world.pending(order_id, 1)

    [mail] = await smtp.wait_for("mary@example.com")
    assert mail.subject == f"Approval needed: Purchase order {order_id} (level 1 of 2)"
    assert f"request {pending['request_id']},\nlevel 1 of 2" in text(mail)
    assert "on the exchange oms.commands" in mail.body
    assert "approval.approve to approve or approval.reject to reject" in mail.body
    [inbox] = [line for line in mail.body.splitlines() if "GET " in line]
    url = urlsplit(inbox.split("GET ", 1)[1])
    assert (url.path, url.query) == ("/requests", "approver_id=mary&status=pending")
    status, waiting = await asgi_get(approval_service, url.path, url.query)
    assert status == 200
    assert pending["request_id"] in [request["id"] for request in waiting]

    # a plain client publishes the body the e-mail shows, with notes added
    [shown] = [line.strip() for line in mail.body.splitlines() if line.strip().startswith("{")]
    decision = {**json.loads(shown), "notes": "as agreed"}
    # ... through the back office, for the approver, as the e-mail says
    await world.bus.send_raw(
        COMMANDS, "approval.approve", json.dumps(decision).encode(), person=decision["approver_id"]
    )

    await world.pending(order_id, 2)
    [to_ann] = await smtp.wait_for("ann@example.com")
    assert "level 2 of 2" in to_ann.subject


async def test_each_email_has_its_own_switch(world: World, smtp: SmtpServer) -> None:
    only_pending, no_pending = unique("V"), unique("V")
    await world.assign(await world.cycle(MANAGER, notify=False, notify_pending=True), only_pending)
    await world.assign(await world.cycle(MANAGER, notify_pending=False), no_pending)

    first = await world.submitted_order(party_id=only_pending)
    [to_mary] = await smtp.wait_for("mary@example.com")
    assert first in to_mary.subject
    await world.approve(await world.pending(first, 1), by="mary")
    await world.order_status(first, "approved")

    second = await world.submitted_order(party_id=no_pending)
    await world.approve(await world.pending(second, 1), by="mary")
    await world.order_status(second, "approved")
    [to_alice] = await smtp.wait_for("alice@example.com")
    assert to_alice.subject == f"Approved: Purchase order {second}"

    await world.bus.settle(0.8)
    assert [m.subject for m in smtp.received] == [to_mary.subject, to_alice.subject]


async def test_rejections_have_their_own_switch(world: World, smtp: SmtpServer) -> None:
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER, notify_rejected=False), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await smtp.wait_for("mary@example.com")

    await world.reject(await world.pending(order_id, 1), by="mary", notes="too dear")
    await world.order_status(order_id, "rejected")

    await world.bus.settle(0.8)
    assert smtp.to("alice@example.com") == []


async def test_cancelling_an_order_tells_its_approver_it_no_longer_waits(
    world: World, smtp: SmtpServer
) -> None:
    told, quiet = unique("V"), unique("V")
    await world.assign(await world.cycle(MANAGER), told)
    await world.assign(await world.cycle(MANAGER, notify_pending=False), quiet)
    order_id = await world.submitted_order(party_id=told)
    silent_id = await world.submitted_order(party_id=quiet)
    pending = await world.pending(order_id, 1)
    await world.pending(silent_id, 1)
    await smtp.wait_for("mary@example.com")

    for cancelled in (order_id, silent_id):
        reply = await world.command(
            CancelOrder(order_id=cancelled, cancelled_by="alice", reason="ordered twice")
        )
        assert reply.type == "OrderCancelled"

    [withdrawn] = await world.bus.wait_for("approval.withdrawn", for_order(order_id))
    assert withdrawn.body["request_id"] == pending["request_id"]
    assert (withdrawn.body["reason"], withdrawn.body["notify"]) == ("order_cancelled", True)
    assert (withdrawn.body["level"], withdrawn.body["approver"]["user_id"]) == (1, "mary")
    [_, mail] = await smtp.wait_for("mary@example.com", count=2)
    assert mail.subject == f"No longer needed: approval of Purchase order {order_id}"
    assert pending["request_id"] in mail.body
    assert "the order was cancelled" in mail.body
    [unmailed] = await world.bus.wait_for("approval.withdrawn", for_order(silent_id))
    assert unmailed.body["notify"] is False
    await world.bus.settle(0.8)
    assert len(smtp.to("mary@example.com")) == 2
    assert not [m for m in smtp.received if silent_id in m.subject]


async def test_a_new_attempt_withdraws_the_request_that_waited(
    bus: Bus, approval_service: Any, notification_service: Any, smtp: SmtpServer, approval_db: Any
) -> None:
    world = World(bus, None, approval_db)  # approval alone: the test plays the order service
    await world.users()
    vendor = unique("V")
    await world.assign(await world.cycle(named("ann")), vendor)
    order_id = unique("PO")

    for attempt in (1, 2):  # the second overtook the first one's decision
        await bus.send(
            OrderSubmitted(
                order_id=order_id,
                kind=OrderKind.PURCHASE,
                party_id=vendor,
                branch_id="B1",
                created_by="alice",
                currency="USD",
                lines=lines(("S", "1", "1")),
                total=1,
                attempt=attempt,
                submitted_by="alice",
            )
        )
        await world.pending(order_id, 1, attempt=attempt)

    [withdrawn] = await bus.wait_for("approval.withdrawn", for_order(order_id))
    assert (withdrawn.body["attempt"], withdrawn.body["reason"]) == (1, "new_attempt")
    mails = await smtp.wait_for("ann@example.com", count=3)
    assert [m.subject for m in mails].count(
        f"No longer needed: approval of Purchase order {order_id}"
    ) == 1
    [mail] = [m for m in mails if m.subject.startswith("No longer needed")]
    assert f"request {order_id}:1\n(level 1 of 1) was withdrawn" in text(mail)
    assert "submitted again" in mail.body

"""E-mail: once per event, retried with backoff on temporary failures, failures kept visible."""

from __future__ import annotations

from typing import Any

from shared.contracts import ApprovalPending, ApprovalRejected, OrderKind, OrderRejected, Person
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.services import asgi_get
from tests.support.smtp import SmtpServer

CREATOR = Person(user_id="alice", name="Alice", email="alice@example.com")


def pending_for(approver: Person, **overrides: Any) -> ApprovalPending:
    order_id = unique("PO")
    values: dict[str, Any] = {
        "request_id": f"{order_id}:1",
        "order_id": order_id,
        "order_kind": OrderKind.PURCHASE,
        "party_id": "V-1",
        "attempt": 1,
        "creator": CREATOR,
        "cycle_id": "CYC-1",
        "notify": True,
        "level": 1,
        "levels": 2,
        "approver": approver,
        "via": "manager",
    }
    return ApprovalPending(**{**values, **overrides})


async def test_an_event_delivered_twice_sends_one_email(
    bus: Bus, notification_service: Any, smtp: SmtpServer
) -> None:
    event = pending_for(Person(user_id="mary", name="Mary", email="mary@example.com"))
    await bus.send(event)
    await bus.send(event)
    rejected = ApprovalRejected(
        request_id=event.request_id,
        order_id=event.order_id,
        order_kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        creator=CREATOR,
        notify=True,
        level=1,
        approver=event.approver,
        notes="Use the framework agreement",
    )
    # the creator hears of it from the order's rejection, which carries the decision
    order_rejected = OrderRejected(
        order_id=event.order_id,
        kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        level=1,
        approver_id="mary",
        notes=rejected.notes,
        decision=rejected,
    )
    for _ in range(3):
        await bus.send(order_rejected)

    await smtp.wait_for("mary@example.com")
    [to_alice] = await smtp.wait_for("alice@example.com")
    assert "Use the framework agreement" in to_alice.body
    await bus.wait_for("notification.email_sent", count=2)
    await bus.settle(1.0)
    assert len(smtp.to("mary@example.com")) == 1
    assert len(smtp.to("alice@example.com")) == 1
    assert len(bus.matching("notification.email_sent")) == 2


async def test_a_temporary_smtp_failure_is_retried_until_it_is_sent(
    bus: Bus, notification_service: Any, smtp: SmtpServer
) -> None:
    smtp.fail_next(2)  # 451: try again later
    event = pending_for(Person(user_id="mary", email="mary@example.com"))
    await bus.send(event)

    [mail] = await smtp.wait_for("mary@example.com")
    assert event.order_id in mail.subject
    [sent] = await bus.wait_for("notification.email_sent")
    assert sent.body["attempts"] == 3


async def test_a_permanent_failure_is_recorded_and_visible(
    bus: Bus, notification_service: Any, smtp: SmtpServer
) -> None:
    smtp.fail_next(1, "550 5.1.1 Mailbox unavailable")
    event = pending_for(Person(user_id="gone", email="gone@example.com"))
    await bus.send(event)

    [failed] = await bus.wait_for("notification.email_failed")
    assert failed.body["order_id"] == event.order_id
    assert "550" in failed.body["error"]
    assert failed.body["attempts"] == 1
    listed = await _emails(notification_service, f"status=failed&order_id={event.order_id}")
    assert [e["to"] for e in listed] == ["gone@example.com"]
    assert "550" in listed[0]["last_error"]
    assert smtp.received == []


async def test_retries_that_never_succeed_end_as_failed(
    bus: Bus, notification_service: Any, smtp: SmtpServer
) -> None:
    smtp.fail_next(10)
    event = pending_for(Person(user_id="mary", email="mary@example.com"))
    await bus.send(event)

    [failed] = await bus.wait_for("notification.email_failed", timeout=15)
    assert failed.body["attempts"] == 4  # send_max_attempts in the fixture
    assert "451" in failed.body["error"]


async def test_a_recipient_without_an_address_is_a_visible_failure(
    bus: Bus, notification_service: Any, smtp: SmtpServer
) -> None:
    event = pending_for(Person(user_id="nomail", name="No Mail"))
    await bus.send(event)

    [failed] = await bus.wait_for("notification.email_failed")
    assert "no e-mail address" in failed.body["error"]
    assert smtp.received == []


async def _emails(app: Any, query: str) -> list[dict[str, Any]]:
    status, body = await asgi_get(app, "/emails", query)
    assert status == 200
    assert isinstance(body, list)
    return body

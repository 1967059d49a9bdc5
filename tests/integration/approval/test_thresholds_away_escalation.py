"""Issue 25's approval rules over the broker and the database, with order and notification
running: amount thresholds (at, below and above the boundary, per currency, no level applying),
away with a delegate (new and waiting requests, e-mails, history), reminders and escalation on
the approval service's schedule with a clock the test moves; bad input refused, nothing
stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.approval.app import SERVICE as APPROVAL
from services.approval.handlers import ApprovalHandlers
from services.approval.settings import ApprovalSettings
from shared import names
from shared.contracts import (
    ApproverRule,
    ClearAway,
    DefineCycle,
    LevelRule,
    OrderKind,
    SetAway,
    UpsertUser,
    utcnow,
)
from shared.runtime import build_app
from tests.integration.approval.conftest import World, named
from tests.support.billing import MovedClock
from tests.support.factories import purchase_order, unique
from tests.support.services import Environment, running
from tests.support.smtp import SmtpServer

SECONDS = 20.0


@pytest.fixture
def clock() -> MovedClock:
    return MovedClock(utcnow())


@pytest.fixture
async def approval_service(env: Environment, clock: MovedClock) -> AsyncIterator[Any]:
    """The approval service with its schedule looking often, on the test's clock, with a
    rate for EUR (1 EUR = 1.10 USD) and none for CHF."""
    settings = ApprovalSettings(
        **env.settings("approval"),
        approval_schedule_interval_seconds=0.1,
        approval_rates={"EUR": Decimal("1.10")},
    )
    async with running(build_app(APPROVAL, settings)) as app:
        handlers = app.lifecycle.handlers[0]
        assert isinstance(handlers, ApprovalHandlers)
        handlers.clock = clock
        yield app


async def define(world: World, cycle_id: str, *levels: LevelRule, **fields: Any) -> Any:
    return await world.command(
        DefineCycle(
            cycle_id=cycle_id,
            name=cycle_id,
            order_kind=OrderKind.PURCHASE,
            levels=list(levels),
            fallback_approver_id="ann",
            defined_by="root",
            **fields,
        )
    )


async def created(world: World, vendor: str, **fields: Any) -> tuple[str, Decimal]:
    """A purchase order for ``vendor`` (not yet submitted): its id and total."""
    create = purchase_order(vendor_id=vendor, **fields)
    reply = await world.command(create)
    assert reply.type == "OrderCreated", reply.body
    return str(create.order_id), Decimal(reply.body["total"])


async def thresholded(world: World, *levels: LevelRule, **order: Any) -> tuple[str, Decimal]:
    """An order of a vendor in a cycle of ``levels`` (``above``: added to the order's total,
    so 0 puts the threshold at the total), submitted."""
    vendor, cycle_id = unique("V"), unique("CYC")
    order_id, total = await created(world, vendor, **order)
    moved = [
        rule.model_copy(update={"above": total + rule.above}) if rule.above is not None else rule
        for rule in levels
    ]
    assert (await define(world, cycle_id, *moved)).type == "CycleDefined"
    await world.assign(cycle_id, vendor)
    await world.submit(order_id)
    return order_id, total


def above(user_id: str, delta: str) -> LevelRule:
    """A level whose threshold is the order's total plus ``delta`` (see ``thresholded``)."""
    return LevelRule.model_construct(
        approver=ApproverRule.NAMED_USER, user_id=user_id, above=Decimal(delta), above_in={}
    )


async def test_level_two_applies_only_above_its_threshold(world: World) -> None:
    at, _ = await thresholded(world, named("adam"), above("ann", "0"))
    pending = await world.pending(at, 1)
    assert pending["levels"] == 1
    routing = pending["routing"]
    assert [r["applies"] for r in routing] == [True, False]
    assert "not above the threshold" in routing[1]["why"]
    assert (await world.approve(pending, by="adam")).type == "ApprovalApproved"
    await world.order_status(at, "approved")

    over, _ = await thresholded(world, named("adam"), above("ann", "-0.01"))
    first = await world.pending(over, 1)
    assert first["levels"] == 2
    await world.approve(first, by="adam")
    second = await world.pending(over, 2)
    assert second["approver"]["user_id"] == "ann"


async def test_an_order_below_every_threshold_is_approved_saying_why(world: World) -> None:
    order_id, _ = await thresholded(world, above("adam", "0.01"))
    [approved] = await world.bus.wait_for(
        "approval.approved", lambda b: b["order_id"] == order_id, timeout=SECONDS
    )
    assert approved.body["basis"] == "below_thresholds"
    [routed] = approved.body["routing"]
    assert routed["applies"] is False
    await world.order_status(order_id, "approved")


async def test_other_currencies_convert_or_enter_the_level(world: World) -> None:
    vendor, cycle_id = unique("V"), unique("CYC")
    euro, total = await created(world, vendor, currency="EUR")
    converted = (total * Decimal("1.10")).quantize(Decimal("0.01"))  # the threshold: not above
    rule = named("adam").model_copy(update={"above": converted})
    assert (await define(world, cycle_id, rule)).type == "CycleDefined"
    await world.assign(cycle_id, vendor)
    await world.submit(euro)
    [approved] = await world.bus.wait_for("approval.approved", lambda b: b["order_id"] == euro)
    [routed] = approved.body["routing"]
    assert (routed["applies"], routed["threshold_currency"]) == (False, "USD")
    assert Decimal(routed["rate"]) == Decimal("1.10")
    assert Decimal(routed["amount"]) == converted

    franc, _ = await thresholded(world, above("adam", "100000"), currency="CHF")
    pending = await world.pending(franc, 1)  # no rate for CHF: never let through silently
    assert "no rate from CHF to USD" in pending["routing"][0]["why"]


async def test_a_threshold_change_applies_to_orders_submitted_afterwards(world: World) -> None:
    vendor, cycle_id = unique("V"), unique("CYC")
    first, total = await created(world, vendor)
    second, _ = await created(world, vendor)
    rule = named("adam").model_copy(update={"above": total})
    assert (await define(world, cycle_id, rule)).type == "CycleDefined"
    await world.assign(cycle_id, vendor)
    await world.submit(first)
    await world.order_status(first, "approved")
    lower = rule.model_copy(update={"above": total - Decimal("0.01")})
    assert (await define(world, cycle_id, lower)).body["revision"] == 2
    await world.submit(second)
    assert (await world.pending(second, 1))["approver"]["user_id"] == "adam"


async def raw_define(world: World, cycle_id: str, **fields: Any) -> Any:
    """approval.define_cycle as a caller's JSON, which no client-side model checked."""
    message_id = str(uuid4())
    body = {
        "message_id": message_id,
        "cycle_id": cycle_id,
        "name": cycle_id,
        "order_kind": "purchase",
        "levels": [{"approver": "named_user", "user_id": "adam"}],
        "fallback_approver_id": "ann",
        "defined_by": "root",
        **fields,
    }
    await world.bus.send_raw(
        names.COMMANDS,
        DefineCycle.routing_key,
        json.dumps(body).encode(),
        reply=True,
        message_id=message_id,
        person="root",
    )
    return await world.bus.reply_for_id(message_id)


async def test_bad_cycles_are_refused_and_change_nothing(world: World) -> None:
    cycle_id = unique("CYC")
    assert (await define(world, cycle_id, named("adam"))).type == "CycleDefined"
    for fields, detail in (
        ({"levels": [{"approver": "named_user", "user_id": "adam", "above": "-0.01"}]}, "above"),
        (
            {"levels": [{"approver": "named_user", "user_id": "adam", "above_in": {"EUR": "-1"}}]},
            "above_in",
        ),
        ({"remind_after": "PT0S"}, "remind_after must be above zero"),
        ({"escalate_after": -60}, "escalate_after must be above zero"),
        ({"remind_after": "PT2H", "escalate_after": "PT2H"}, "longer than remind_after"),
        ({"remind_after": "PT2H", "escalate_after": "PT1H"}, "longer than remind_after"),
    ):
        refused = await raw_define(world, cycle_id, **fields)
        assert refused.body["reason"] == "invalid_message", refused.body
        assert detail in refused.body["detail"]
    no_fallback = await raw_define(
        world, cycle_id, fallback_approver_id=None, escalate_after="PT1H"
    )
    assert no_fallback.body["reason"] == "fallback_approver_required"
    cycle = await world.approval_db.cycles.find_one({"_id": cycle_id})
    assert (cycle["revision"], cycle["remind_after"], cycle["levels"][0]["above"]) == (
        1,
        None,
        None,
    )


async def test_an_away_approvers_requests_go_to_their_delegate(
    world: World, smtp: SmtpServer, clock: MovedClock
) -> None:
    vendor, cycle_id = unique("V"), unique("CYC")
    assert (await define(world, cycle_id, named("adam"))).type == "CycleDefined"
    await world.assign(cycle_id, vendor)
    waiting = await world.submitted_order(party_id=vendor)
    pending = await world.pending(waiting, 1)
    assert pending["approver"]["user_id"] == "adam"

    away = SetAway(
        user_id="adam",
        delegate_id="ann",
        starts_at=clock.now - timedelta(minutes=1),
        ends_at=clock.now + timedelta(days=3),
        set_by="adam",
    )
    reply = await world.command(away)
    assert reply.type == "AwaySet", reply.body
    assert reply.body["moved_requests"] == [pending["request_id"]]
    [moved] = await world.bus.wait_for("approval.reassigned", lambda b: b["order_id"] == waiting)
    assert (moved.body["reason"], moved.body["approver"]["user_id"]) == ("delegated", "ann")
    assert moved.body["on_behalf_of"]["user_id"] == "adam"
    mails = await smtp.wait_for("ann@example.com")
    assert any("Adam Admin is away, and you decide it for them" in m.body for m in mails)

    arriving = await world.submitted_order(party_id=vendor)
    new = await world.pending(arriving, 1)
    assert (new["approver"]["user_id"], new["on_behalf_of"]["user_id"]) == ("ann", "adam")
    assert (await world.approve(new, by="ann")).type == "ApprovalApproved"
    request = await world.approval_db.requests.find_one({"_id": new["request_id"]})
    [decision] = request["decisions"]
    assert (decision["approver"]["user_id"], decision["on_behalf_of"]["user_id"]) == (
        "ann",
        "adam",
    )
    cleared = await world.command(ClearAway(user_id="adam", cleared_by="ann"))
    assert cleared.type == "AwayCleared", cleared.body
    again = await world.submitted_order(party_id=vendor)
    assert (await world.pending(again, 1))["approver"]["user_id"] == "adam"


@pytest.mark.parametrize(
    ("delegate", "by", "reason"),
    [
        ("adam", "adam", "invalid_delegate"),
        ("nobody", "adam", "invalid_delegate"),
        ("ann", "bob", "not_permitted"),
    ],
)
async def test_a_bad_away_is_refused_and_changes_nothing(
    world: World, clock: MovedClock, delegate: str, by: str, reason: str
) -> None:
    refused = await world.command(
        SetAway(
            user_id="adam",
            delegate_id=delegate,
            starts_at=clock.now,
            ends_at=clock.now + timedelta(days=1),
            set_by=by,
        )
    )
    assert refused.body["reason"] == reason, refused.body
    adam = await world.approval_db.users.find_one({"_id": "adam"})
    assert adam.get("away") is None


async def test_an_inactive_delegate_is_refused(world: World, clock: MovedClock) -> None:
    assert (await world.command(_deactivate("bob"))).type == "UserUpserted"
    refused = await world.command(
        SetAway(
            user_id="adam",
            delegate_id="bob",
            starts_at=clock.now,
            ends_at=clock.now + timedelta(days=1),
            set_by="adam",
        )
    )
    assert refused.body["reason"] == "invalid_delegate"
    assert "inactive" in refused.body["detail"]


def _deactivate(user_id: str) -> UpsertUser:
    return UpsertUser(user_id=user_id, name=user_id, active=False, changed_by="root")


async def test_a_waiting_request_is_reminded_then_escalated_on_the_schedule(
    world: World, smtp: SmtpServer, clock: MovedClock
) -> None:
    vendor, cycle_id = unique("V"), unique("CYC")
    reply = await define(
        world,
        cycle_id,
        named("adam"),
        remind_after=timedelta(hours=4),
        escalate_after=timedelta(hours=24),
    )
    assert reply.type == "CycleDefined", reply.body
    await world.assign(cycle_id, vendor)
    order_id = await world.submitted_order(party_id=vendor)
    await world.pending(order_id, 1)
    await world.order_waiting_at(order_id, 1)

    clock.move(hours=4)
    [reminder] = await world.bus.wait_for(
        "approval.reminder_due", lambda b: b["order_id"] == order_id, timeout=SECONDS
    )
    assert (reminder.body["reminder"], reminder.body["approver"]["user_id"]) == (1, "adam")
    mails = await smtp.wait_for("adam@example.com", count=2, timeout=SECONDS)
    subjects = [" ".join(m.subject.split()) for m in mails]  # a long subject is folded
    assert any(s.startswith("Reminder 1: Approval needed") for s in subjects), subjects

    clock.move(hours=20)
    [escalated] = await world.bus.wait_for(
        "approval.reassigned", lambda b: b["order_id"] == order_id, timeout=SECONDS
    )
    assert (escalated.body["reason"], escalated.body["approver"]["user_id"]) == (
        "escalated",
        "ann",
    )
    mails = await smtp.wait_for("ann@example.com", timeout=SECONDS)
    assert any("has been escalated to you" in m.body for m in mails)
    request = await world.approval_db.requests.find_one({"_id": escalated.body["request_id"]})
    assert request["reassignments"][0]["reason"] == "escalated"
    for _ in range(100):
        order = await world.order(order_id)
        if (order.get("pending") or {}).get("approver_id") == "ann":
            break
        await world.bus.settle(0.05)
    assert order["pending"]["approver_id"] == "ann"
    pending = {"request_id": escalated.body["request_id"], "level": 1}
    assert (await world.approve(pending, by="ann")).type == "ApprovalApproved"
    await world.order_status(order_id, "approved")


async def test_two_replicas_remind_and_escalate_once(
    world: World, env: Environment, clock: MovedClock
) -> None:
    settings = ApprovalSettings(**env.settings("approval"), approval_schedule_interval_seconds=0.05)
    async with running(build_app(APPROVAL, settings)) as second:
        replica = second.lifecycle.handlers[0]
        assert isinstance(replica, ApprovalHandlers)
        replica.clock = clock
        vendor, cycle_id = unique("V"), unique("CYC")
        reply = await define(
            world,
            cycle_id,
            named("adam"),
            remind_after=timedelta(hours=1),
            escalate_after=timedelta(hours=2),
        )
        assert reply.type == "CycleDefined", reply.body
        await world.assign(cycle_id, vendor)
        order_id = await world.submitted_order(party_id=vendor)
        await world.pending(order_id, 1)
        clock.move(hours=1)
        await world.bus.wait_for(
            "approval.reminder_due", lambda b: b["order_id"] == order_id, timeout=SECONDS
        )
        clock.move(hours=1)
        await world.bus.wait_for(
            "approval.reassigned", lambda b: b["order_id"] == order_id, timeout=SECONDS
        )
        await world.bus.settle(1.0)  # both replicas have looked several times since
    for key in ("approval.reminder_due", "approval.reassigned"):
        assert len(world.bus.matching(key, lambda b: b["order_id"] == order_id)) == 1

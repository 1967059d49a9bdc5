"""Approval's ``GET /routing-preview`` over the real broker and database: who would approve
an order before it is submitted (levels at, below and above a threshold, the manager, the
named admin, an away approver's delegate, a party in no cycle), the same approver a submission
then waits for, bad parameters named; nothing stored changes by asking."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from shared.contracts import LevelRule, SetAway, utcnow
from shared.runtime import OmsApp
from shared.storage.aggregates import HIDE_BOOKKEEPING
from tests.integration.approval.conftest import MANAGER, World
from tests.support.factories import purchase_order, unique
from tests.support.services import asgi_get


def over(user_id: str, threshold: Decimal) -> LevelRule:
    return LevelRule(approver="named_user", user_id=user_id, above=threshold)


async def previewed(app: OmsApp, **params: str) -> tuple[int, Any]:
    facts = {"kind": "purchase", "created_by": "alice", "currency": "USD"} | params
    return await asgi_get(app, "/routing-preview", urlencode(facts))


async def stored(world: World) -> list[Any]:
    """Everything the approval service stores (without the relay's bookkeeping, which moves
    on its own while events are published)."""
    return [
        [doc async for doc in world.approval_db[name].find({}, HIDE_BOOKKEEPING, sort=[("_id", 1)])]
        for name in ("requests", "cycles", "assignments", "users")
    ]


def levels(answer: dict[str, Any]) -> list[tuple[bool, str | None, str | None]]:
    return [(lv["applies"], lv["approver_id"], lv["delegated_from"]) for lv in answer["levels"]]


async def test_the_preview_names_who_would_approve_and_changes_nothing(
    world: World, approval_service: OmsApp
) -> None:
    vendor = unique("V")
    create = purchase_order(vendor_id=vendor)
    reply = await world.command(create)
    total = Decimal(reply.body["total"])
    cycle_id = await world.cycle(MANAGER, over("adam", total), fallback="ann")
    await world.assign(cycle_id, vendor)
    before = await stored(world)

    status, at = await previewed(approval_service, party_id=vendor, total=str(total))
    assert status == 200, at
    assert (at["cycle_id"], at["auto_approved"], at["credit"]) == (cycle_id, False, None)
    assert (at["kind"], at["party_id"], at["total"], at["currency"]) == (
        "purchase",
        vendor,
        str(total),
        "USD",
    )
    assert levels(at) == [(True, "mary", None), (False, None, None)]
    assert at["levels"][0]["approver_name"] == "Mary Manager"
    assert at["levels"][1]["routing"]["why"] == f"{total} USD, not above the threshold {total} USD"
    below = await previewed(approval_service, party_id=vendor, total=str(total - Decimal("0.01")))
    assert levels(below[1]) == [(True, "mary", None), (False, None, None)]
    _, above = await previewed(
        approval_service, party_id=vendor, total=str(total + Decimal("0.01"))
    )
    assert levels(above) == [(True, "mary", None), (True, "adam", None)]
    assert above["levels"][1]["rule"] == "named_user"

    alone = await previewed(approval_service, party_id=unique("V"), total="5000000")
    assert (alone[1]["cycle_id"], alone[1]["levels"], alone[1]["auto_approved"]) == (
        None,
        [],
        True,
    )
    assert await stored(world) == before

    # A submission waits for the approver the preview named.
    await world.submit(str(create.order_id))
    assert (await world.pending(str(create.order_id), 1))["approver"]["user_id"] == "mary"


async def test_an_away_approver_is_previewed_as_their_delegate(
    world: World, approval_service: OmsApp
) -> None:
    vendor = unique("V")
    await world.assign(await world.cycle(over("adam", Decimal(0))), vendor)
    now = utcnow()
    away = SetAway(
        user_id="adam",
        delegate_id="ann",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        set_by="adam",
    )
    assert (await world.command(away)).type == "AwaySet"
    _, answer = await previewed(approval_service, party_id=vendor, total="10")
    assert levels(answer) == [(True, "ann", "adam")]
    assert answer["levels"][0]["approver_name"] == "Ann Admin"


async def test_bad_parameters_are_named(world: World, approval_service: OmsApp) -> None:
    before = await stored(world)
    status, body = await asgi_get(approval_service, "/routing-preview", "kind=loan&total=1e3")
    assert status == 400
    for name in ("kind", "party_id", "total", "currency"):
        assert f"{name}:" in body["error"], body
    status, body = await previewed(approval_service, party_id="V", total="-1")
    assert (status, body["error"].startswith("total:")) == (400, True), body
    assert await stored(world) == before

"""The back office's cycle form against the real approval service: a cycle stored with every
field (amount thresholds, per-currency thresholds, reminder and escalation intervals, e-mail
switches), opened in the form and saved untouched, is stored exactly as it was; an away set
from the away form is read back into it as typed."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.backoffice.away_form import away_command, away_values
from services.backoffice.cycle_form import cycle_command, cycle_values
from services.backoffice.formats import Formats
from shared.contracts import ClearAway, DefineCycle, LevelRule, OrderKind, UpsertUser
from tests.support.bus import Bus
from tests.support.credentials import headers
from tests.support.factories import unique
from tests.support.forms import configuration_page as page
from tests.support.forms import submitted

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
CHANGES = {"revision", "updated_by", "updated_at", "version"}
"""What every save changes (who saved it, when, the how-many-th definition)."""


async def answered(bus: Bus, command: Any) -> dict[str, Any]:
    await bus.send(command, reply=True)
    reply = await bus.reply_for(command)
    assert reply.type != "CommandRejected", reply.body
    return dict(reply.body)


async def stored_cycle(approval_service: Any, cycle_id: str) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=approval_service)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://approval", headers=headers("approval")
    ) as http:
        found = (await http.get("/cycles", params={"cycle_id": cycle_id})).json()
    [cycle] = found
    return dict(cycle)


async def test_a_cycle_saved_untouched_from_the_form_is_stored_identical(
    approval_service: Any, bus: Bus
) -> None:
    cfo, adam = unique("cfo"), unique("adam")
    for user in (cfo, adam):
        await answered(bus, UpsertUser(user_id=user, name=user, admin=True, changed_by="root"))
    cycle_id = unique("CYC")
    await answered(
        bus,
        DefineCycle.model_validate(
            {
                "cycle_id": cycle_id,
                "name": "Big sales",
                "order_kind": OrderKind.SALES,
                "levels": [
                    LevelRule(approver="creator_manager", above="100"),
                    {
                        "approver": "named_user",
                        "user_id": cfo,
                        "above": "10000.50",
                        "above_in": {"EUR": "9000", "JPY": "1500000"},
                    },
                ],
                "notify": False,
                "notify_pending": True,
                "fallback_approver_id": adam,
                "credit_approver_id": cfo,
                "remind_after": "PT8H",
                "escalate_after": "P2DT4H30M",
                "defined_by": "root",
            }
        ),
    )
    before = await stored_cycle(approval_service, cycle_id)
    assert before["levels"][1]["above_in"] == {"EUR": "9000", "JPY": "1500000"}
    assert (before["remind_after"], before["escalate_after"]) == ("PT8H", "P2DT4H30M")

    sent = submitted(page(cycle_values(before), [cycle_values(before)]), "define-cycle")
    await answered(bus, cycle_command(sent, "root"))

    after = await stored_cycle(approval_service, cycle_id)
    assert after["revision"] == before["revision"] + 1
    assert {k: v for k, v in after.items() if k not in CHANGES} == {
        k: v for k, v in before.items() if k not in CHANGES
    }


async def test_an_away_set_from_the_form_is_shown_on_the_user_and_cleared(
    approval_service: Any, bus: Bus
) -> None:
    adam, ann = unique("adam"), unique("ann")
    for user in (adam, ann):
        await answered(bus, UpsertUser(user_id=user, name=user, admin=True, changed_by="root"))
    sent = {"delegate_id": ann, "starts_at": "2099-07-01T09:00", "ends_at": "2099-07-15T18:00"}
    await answered(bus, away_command(adam, sent, adam, BERLIN))

    transport = httpx.ASGITransport(app=approval_service)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://approval", headers=headers("approval")
    ) as http:
        [user] = (await http.get("/users", params={"user_id": adam})).json()
        assert away_values(user["away"], Formats(zone=BERLIN)) == sent
        await answered(bus, ClearAway(user_id=adam, cleared_by=adam))
        [user] = (await http.get("/users", params={"user_id": adam})).json()
        assert user.get("away") is None

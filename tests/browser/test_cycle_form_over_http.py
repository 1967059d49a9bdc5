"""The cycle and away forms through the running back office, over HTTP as a browser sends them
(no Chromium needed): an administrator signs in, opens a cycle stored with every field
(thresholds, per-currency thresholds, reminder and escalation intervals, e-mail switches),
saves the form untouched, and the approval service stores the cycle identical; then sets a user
away and back from the user's page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from shared.contracts import DefineCycle, UpsertUser
from tests.browser.conftest import System
from tests.support.bus import Bus
from tests.support.credentials import headers
from tests.support.factories import unique
from tests.support.flows import accepted
from tests.support.forms import submitted

PASSWORD = "correct horse battery"
CHANGES = {"revision", "updated_by", "updated_at", "version"}


@asynccontextmanager
async def signed_in(system: System, user_id: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=system.url, timeout=10) as client:
        yield await _login(client, user_id)


async def _login(client: httpx.AsyncClient, user_id: str) -> httpx.AsyncClient:
    login = await client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
    assert csrf, login.text
    sent = {"user_id": user_id, "password": PASSWORD, "csrf": csrf.group(1), "next": "/inbox"}
    answer = await client.post("/login", data=sent)
    assert answer.status_code == 303, answer.text
    return client


async def stored(system: System, path: str, **params: str) -> Any:
    url = f"http://127.0.0.1:{system.processes['approval'].port}{path}"
    async with httpx.AsyncClient(timeout=10) as http:
        found = await http.get(url, params=params, headers=headers("approval"))
    assert found.status_code == 200, found.text
    return found.json()


async def test_a_cycle_saved_untouched_in_the_back_office_is_stored_identical(
    system: System, operator: Bus
) -> None:
    admin, cfo, ann = unique("root"), unique("cfo"), unique("ann")
    for user in (admin, cfo, ann):
        await accepted(operator, UpsertUser(user_id=user, name=user, admin=True, changed_by="root"))
    cycle_id = unique("CYC")
    await accepted(
        operator,
        DefineCycle.model_validate(
            {
                "cycle_id": cycle_id,
                "name": "Big sales",
                "order_kind": "sales",
                "levels": [
                    {"approver": "creator_manager", "above": "100"},
                    {
                        "approver": "named_user",
                        "user_id": cfo,
                        "above": "10000.50",
                        "above_in": {"EUR": "9000", "JPY": "1500000"},
                    },
                ],
                "notify": False,
                "notify_rejected": True,
                "fallback_approver_id": cfo,
                "remind_after": "PT8H",
                "escalate_after": "P2DT4H30M",
                "defined_by": "root",
            }
        ),
    )
    await system.until_password_set(admin, PASSWORD)
    [before] = await stored(system, "/cycles", cycle_id=cycle_id)

    async with signed_in(system, admin) as client:
        page = await client.get("/configuration", params={"cycle": cycle_id})
        assert page.status_code == 200, page.text
        assert "EUR 9000, JPY 1500000" in page.text
        saved = await client.post(
            "/configuration/cycles", data=submitted(page.text, "define-cycle")
        )
        assert saved.status_code == 303, saved.text
        [after] = await stored(system, "/cycles", cycle_id=cycle_id)
        assert after["revision"] == before["revision"] + 1
        assert {k: v for k, v in after.items() if k not in CHANGES} == {
            k: v for k, v in before.items() if k not in CHANGES
        }

        # A threshold below zero is refused, naming the field, and the form keeps what was typed.
        form = submitted(page.text, "define-cycle") | {"level2_above": "-1"}
        refused = await client.post("/configuration/cycles", data=form)
        assert refused.status_code == 422
        assert "levels.1.above" in refused.text
        assert submitted(refused.text, "define-cycle")["level2_above"] == "-1"

        # Away from the user's page, shown in the users table, then back.
        user_page = await client.get(f"/configuration/users/{cfo}")
        away = submitted(user_page.text, "away-form") | {
            "delegate_id": ann,
            "starts_at": "2026-01-01T09:00",
            "ends_at": "2099-01-01T18:00",
        }
        set_away = await client.post(f"/configuration/users/{cfo}/away", data=away)
        assert set_away.status_code == 303, set_away.text
        [user] = await stored(system, "/users", user_id=cfo)
        assert user["away"]["delegate_id"] == ann
        shown = await client.get(f"/configuration/users/{cfo}")
        assert f"{ann}</strong> decides for {cfo}" in shown.text
        assert "delegate " + ann in (await client.get("/configuration")).text
        csrf = submitted(shown.text, "away-form")["csrf"]
        back = await client.post(f"/configuration/users/{cfo}/back", data={"csrf": csrf})
        assert back.status_code == 303, back.text
        [user] = await stored(system, "/users", user_id=cfo)
        assert user.get("away") is None

        # A delegate who is the approver themself is refused in words.
        own = away | {"delegate_id": cfo}
        refused = await client.post(f"/configuration/users/{cfo}/away", data=own)
        assert refused.status_code == 409, refused.text


async def test_anyone_sets_their_own_away_on_the_preferences_page(
    system: System, operator: Bus
) -> None:
    mona, ann = unique("mona"), unique("ann")
    for user in (mona, ann):
        await accepted(operator, UpsertUser(user_id=user, name=user, changed_by="root"))
    await system.until_password_set(mona, PASSWORD)
    async with signed_in(system, mona) as client:
        page = await client.get("/preferences")
        assert "Not away: approval requests go to you." in page.text
        away = submitted(page.text, "away-form") | {
            "delegate_id": ann,
            "starts_at": "2099-01-01T09:00",
            "ends_at": "2099-01-02T18:00",
        }
        saved = await client.post("/preferences/away", data=away)
        assert saved.status_code == 303, saved.text
        page = await client.get("/preferences")
        assert "Will be away from" in page.text
        assert submitted(page.text, "away-form")["starts_at"] == "2099-01-01T09:00"
        wrong = await client.post("/preferences/away", data=away | {"ends_at": "2098-01-01T00:00"})
        assert wrong.status_code == 422
        assert "ends_at must be after starts_at" in wrong.text
        csrf = submitted(page.text, "away-form")["csrf"]
        assert (await client.post("/preferences/back", data={"csrf": csrf})).status_code == 303
        [user] = await stored(system, "/users", user_id=mona)
        assert user.get("away") is None

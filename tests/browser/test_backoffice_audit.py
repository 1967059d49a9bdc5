"""The back office over HTTP (no browser needed) against the running system: its pages read the
services' queries with its own credential, and every page a person reads or form they send is
in the audit trail, which administrators query on /audit and download as CSV."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from shared.contracts import UpsertUser
from tests.browser.conftest import System
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.flows import accepted

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


async def sign_in(http: httpx.AsyncClient, user_id: str) -> None:
    form = await http.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found, form.text
    sent = {"csrf": found.group(1), "user_id": user_id, "password": PASSWORD}
    answer = await http.post("/login", data=sent)
    assert answer.status_code == 200, answer.text


async def test_what_people_read_is_in_the_audit_trail_for_admins_only(
    system: System, operator: Bus
) -> None:
    admin, clerk = unique("ada"), unique("clerk")
    for user_id, is_admin in ((admin, True), (clerk, False)):
        await accepted(
            operator,
            UpsertUser(user_id=user_id, name=user_id, admin=is_admin, changed_by="root"),
        )
        await system.until_password_set(user_id, PASSWORD)
    order_id = unique("PO")
    async with httpx.AsyncClient(base_url=system.url, follow_redirects=True) as http:
        await sign_in(http, clerk)
        missing = await http.get(f"/orders/{order_id}")  # read through the order service
        assert missing.status_code == 404, missing.text
        stock = await http.get("/stock", params={"sku": "NOTHING"})
        assert stock.status_code == 200  # inventory answered the back office's credential
        assert (await http.get("/audit")).status_code == 403
    async with httpx.AsyncClient(base_url=system.url, follow_redirects=True) as http:
        await sign_in(http, admin)
        form = await http.get("/configuration")
        found = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert found, form.text
        sent = {"csrf": found.group(1), "user_id": clerk, "password": PASSWORD}
        assert (await http.post("/configuration/password", data=sent)).status_code == 200
        changes = await http.get("/audit.csv", params={"person": admin, "action": "change"})
        page = await http.get("/audit", params={"person": clerk})
        assert page.status_code == 200
        assert f"/orders/{order_id}" in page.text
        assert "/stock" in page.text
        download = await http.get("/audit.csv", params={"person": clerk})
    rows = list(csv.DictReader(io.StringIO(download.text)))
    paths = [(row["person"], row["action"], row["path"], row["status"]) for row in rows]
    assert (clerk, "read", f"/orders/{order_id}", "404") in paths
    assert (clerk, "read", "/audit", "403") in paths
    assert {row["person"] for row in rows} == {clerk}
    # A form names what it changed (the user whose password was set), never the password.
    [changed] = list(csv.DictReader(io.StringIO(changes.text)))
    assert (changed["path"], changed["about"]) == ("/configuration/password", f"user_id={clerk}")
    assert PASSWORD not in changes.text

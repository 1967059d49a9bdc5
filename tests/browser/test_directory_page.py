"""The back office's user page in Chromium: an administrator deactivates a user and sees them
inactive; the approval service's refusals (the last active admin, requests still waiting) are
shown on the page instead of "saved", and nothing changes; naming who takes the waiting
requests over deactivates the user and moves them. Screenshots go to .run/screenshots/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from shared.contracts import AssignParty, DefineCycle, LevelRule, SubmitOrder, UpsertUser
from tests.browser.conftest import System
from tests.support.bus import Bus
from tests.support.factories import purchase_order, unique
from tests.support.flows import accepted

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as driver:
        launched = await driver.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def open_user(page: Page, system: System, user_id: str) -> None:
    await page.goto(f"{system.url}/configuration")
    await page.get_by_role("link", name=user_id, exact=True).click()
    await expect(page.get_by_role("heading", name=f"User {user_id}")).to_be_visible()


async def untick_active_and_save(page: Page) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="Save user"))
    await form.get_by_label("Active").uncheck()
    await form.get_by_role("button", name="Save user").click()


async def test_an_admin_deactivates_users_on_their_page(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("d")[-6:]
    root, mgr, carl, dora = (f"{name}-{tag}" for name in ("root", "mgr", "carl", "dora"))
    for user in (
        UpsertUser(user_id=root, name="Root Admin", admin=True, changed_by="root"),
        UpsertUser(user_id=mgr, name="Mia Manager", email=f"{mgr}@example.com", changed_by="root"),
        UpsertUser(user_id=carl, name="Carl Creator", manager_id=mgr, changed_by="root"),
        UpsertUser(
            user_id=dora, name="Dora Deputy", email=f"{dora}@example.com", changed_by="root"
        ),
    ):
        await accepted(operator, user)
    await system.until_password_set(root, PASSWORD)
    page = await (await browser.new_context(viewport={"width": 1200, "height": 900})).new_page()
    await page.goto(f"{system.url}/configuration")
    await page.get_by_label("User id").fill(root)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    # Unticking "Active" deactivates, and the page shows it (e-mail and manager kept).
    await open_user(page, system, carl)
    await untick_active_and_save(page)
    await expect(page.get_by_role("status")).to_have_text("The user was saved.")
    await expect(page.get_by_test_id("user-status")).to_have_text("inactive")
    await expect(page.get_by_label("Manager (user id)")).to_have_value(mgr)
    await page.goto(f"{system.url}/configuration")
    await expect(page.get_by_role("row").filter(has_text=carl)).to_contain_text("no")
    await shot(page, screenshots, "20-user-deactivated")

    # The last active admin cannot be deactivated: said on the page, nothing saved.
    await open_user(page, system, root)
    await untick_active_and_save(page)
    await expect(page.get_by_role("alert")).to_contain_text(
        "The directory needs at least one active administrator."
    )
    await expect(page.get_by_role("status")).to_have_count(0)
    await expect(page.get_by_test_id("user-status")).to_have_text("active")
    await shot(page, screenshots, "21-last-admin-refused")

    # A manager with a request waiting leaves only naming who takes it over.
    await accepted(
        operator, UpsertUser(user_id=carl, name="Carl Creator", manager_id=mgr, changed_by="root")
    )
    cycle = DefineCycle(
        cycle_id=unique("CYC"),
        name="Purchases",
        order_kind="purchase",
        levels=[LevelRule(approver="creator_manager")],
        fallback_approver_id=root,
        defined_by="root",
    )
    await accepted(operator, cycle)
    vendor = unique("V")
    await accepted(
        operator, AssignParty(cycle_id=cycle.cycle_id, party_id=vendor, assigned_by="root")
    )
    order = purchase_order(vendor_id=vendor, created_by=carl)
    await accepted(operator, order)
    await accepted(operator, SubmitOrder(order_id=order.order_id, submitted_by=carl))
    await operator.wait_for("approval.pending", lambda b: b["order_id"] == order.order_id)

    await open_user(page, system, mgr)
    await expect(page.get_by_role("row").filter(has_text=order.order_id)).to_be_visible()
    await untick_active_and_save(page)
    await expect(page.get_by_role("alert")).to_contain_text(
        f"Approval requests wait for this user. 1 approval request(s) wait for {mgr}"
    )
    await expect(page.get_by_test_id("user-status")).to_have_text("active")
    await shot(page, screenshots, "22-requests-waiting-refused")

    form = page.locator("form", has=page.get_by_role("button", name="Save user"))
    await expect(form.get_by_label("Active")).not_to_be_checked()  # what was typed is kept
    await form.get_by_label("hand waiting requests to").fill(dora)
    await form.get_by_role("button", name="Save user").click()
    await expect(page.get_by_role("status")).to_have_text(
        f"The user was saved. 1 approval request(s) now wait for {dora}."
    )
    await expect(page.get_by_test_id("user-status")).to_have_text("inactive")
    await shot(page, screenshots, "23-requests-reassigned")
    await open_user(page, system, dora)
    await expect(page.get_by_role("row").filter(has_text=order.order_id)).to_be_visible()
    await page.goto(f"{system.url}/requests/{order.order_id}:1")
    await expect(
        page.get_by_text(f"Level 1 moved from Mia Manager to Dora Deputy by {root}")
    ).to_be_visible()
    await expect(page.get_by_text("Level 1 waits for Dora Deputy")).to_be_visible()
    await shot(page, screenshots, "24-request-moved")
    [mail] = await system.smtp.wait_for(f"{dora}@example.com", timeout=20)
    assert mail.subject.startswith("Reassigned to you")


async def shot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=folder / f"{name}.png", full_page=True)

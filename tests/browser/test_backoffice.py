"""The back office in Chromium against the running system: an approver opens the e-mailed link
and rejects with notes, the creator edits and resubmits, both levels approve, the order shows
approved and goods are received, and goods are issued against a sales order; forged and stale
links are refused; an approver cannot open the configuration; repeated failed sign-ins are
held back. Every page is saved as a screenshot under .run/screenshots/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from shared.contracts import AssignParty, DefineCycle, LevelRule, SubmitOrder, UpsertUser
from tests.browser.conftest import System
from tests.support.bus import Bus
from tests.support.factories import lines, sales_order, unique
from tests.support.flows import accepted
from tests.support.inventory import define_item, define_location

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


async def person(browser: Browser, *, phone: bool = False) -> Page:
    """A browser of one's own (cookies are not shared between people)."""
    size: ViewportSize = {"width": 390, "height": 844} if phone else {"width": 1200, "height": 900}
    return await (await browser.new_context(viewport=size)).new_page()


async def sign_in(page: Page, user_id: str) -> None:
    await page.get_by_label("User id").fill(user_id)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def fulfilled(page: Page, location_id: str, button: str, done: str) -> None:
    """Receive or issue from the order's page as a clerk does: the stockroom learns of an
    approval a moment after the order shows it, and until then says to try again shortly."""
    for _ in range(20):
        await page.get_by_label("Location").fill(location_id)
        await page.get_by_role("button", name=button).click()
        answer = page.get_by_text(done).or_(page.get_by_role("alert"))
        await expect(answer.first).to_be_visible()
        if await page.get_by_text(done).count():
            return
        await expect(page.get_by_role("alert")).to_contain_text("try again in a few seconds")
        await page.wait_for_timeout(500)
    raise AssertionError(f"{button} never went through")


async def shot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=folder / f"{name}.png", full_page=True)


async def directory(bus: Bus, system: System, tag: str) -> dict[str, str]:
    """Ada (admin, level 2), Mona (manager, level 1), Carl (creates orders), a vendor in a
    two-level purchase cycle, each with a back-office password."""
    people = {name: f"{name}-{tag}" for name in ("ada", "mona", "carl")}
    await accepted(
        bus,
        UpsertUser(
            user_id=people["ada"],
            name="Ada Admin",
            email=f"ada-{tag}@example.com",
            admin=True,
            changed_by="root",
        ),
    )
    await accepted(
        bus,
        UpsertUser(
            user_id=people["mona"],
            name="Mona Manager",
            email=f"mona-{tag}@example.com",
            changed_by="root",
        ),
    )
    await accepted(
        bus,
        UpsertUser(
            user_id=people["carl"],
            name="Carl Creator",
            email=f"carl-{tag}@example.com",
            manager_id=people["mona"],
            changed_by="root",
        ),
    )
    cycle = DefineCycle(
        cycle_id=unique("CYC"),
        name="Purchases",
        order_kind="purchase",
        levels=[
            LevelRule(approver="creator_manager"),
            LevelRule(approver="named_user", user_id=people["ada"]),
        ],
        fallback_approver_id=people["ada"],
        defined_by="root",
    )
    await accepted(bus, cycle)
    people["vendor"] = unique("ACME")
    await accepted(
        bus, AssignParty(cycle_id=cycle.cycle_id, party_id=people["vendor"], assigned_by="root")
    )
    for name in ("ada", "mona", "carl"):
        await system.until_password_set(people[name], PASSWORD)
    return people


async def test_an_order_through_both_levels_in_the_browser(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("t")[-6:]
    people = await directory(operator, system, tag)
    branch = unique("BR")
    location = define_location(branch)
    sku = unique("BOLT")
    await accepted(operator, define_item(sku))
    await accepted(operator, location)
    order_id = unique("PO")
    sold = sales_order(branch_id=branch, customer_id=unique("SHOP"), created_by=people["carl"])
    await accepted(operator, sold)  # a customer in no cycle: approved when submitted
    await accepted(operator, SubmitOrder(order_id=sold.order_id, submitted_by=people["carl"]))

    # Carl creates the purchase order and submits it.
    carl = await person(browser)
    await carl.goto(f"{system.url}/orders/new")
    await shot(carl, screenshots, "01-sign-in")
    await sign_in(carl, people["carl"])
    await carl.get_by_label("Order id").fill(order_id)
    await carl.get_by_label("Vendor or customer").fill(people["vendor"])
    await carl.get_by_label("Branch").fill(branch)
    await carl.get_by_label("Line 1 item").fill(sku)
    await carl.get_by_label("Line 1 quantity").fill("500")
    await carl.get_by_label("Line 1 unit price").fill("0.12")
    await shot(carl, screenshots, "02-new-order")
    await carl.get_by_role("button", name="Save").click()
    await expect(carl.get_by_text("The order was created as a draft.")).to_be_visible()
    await carl.get_by_role("button", name="Submit for approval").click()
    await expect(carl.get_by_text("The order was submitted for approval.")).to_be_visible()

    # A refusal reads as words: the same order id again.
    await carl.goto(f"{system.url}/orders/new")
    await carl.get_by_label("Order id").fill(order_id)
    await carl.get_by_label("Vendor or customer").fill(people["vendor"])
    await carl.get_by_label("Branch").fill(branch)
    await carl.get_by_label("Line 1 item").fill(sku)
    await carl.get_by_label("Line 1 quantity").fill("1")
    await carl.get_by_label("Line 1 unit price").fill("1")
    await carl.get_by_role("button", name="Save").click()
    await expect(carl.get_by_role("alert")).to_contain_text("An order with this id exists already")
    await shot(carl, screenshots, "02b-refused-in-words")

    # Mona opens the e-mailed link, signs in, and rejects with notes.
    link = await system.link_in_email(f"mona-{tag}@example.com", 1)
    mona = await person(browser, phone=True)
    await mona.goto(link)
    await sign_in(mona, people["mona"])
    await expect(mona.get_by_role("heading", name=f"Purchase order {order_id}")).to_be_visible()
    await expect(mona.get_by_text("60.00 USD")).to_be_visible()
    await shot(mona, screenshots, "03-request-from-email-phone")
    await mona.get_by_label("Notes").fill("Too many bolts: 400 will do.")
    await mona.get_by_role("button", name="Reject").click()
    await expect(mona.get_by_text("You rejected the request")).to_be_visible()
    await expect(mona.get_by_text("This request was rejected; nothing is left")).to_be_visible()
    await expect(mona.get_by_role("button", name="Approve")).to_have_count(0)
    await shot(mona, screenshots, "04-request-rejected")

    # The link is stale now; a forged one is refused outright.
    response = await mona.goto(link)
    assert response is not None
    assert response.status == 410
    await expect(mona.get_by_text("This link no longer works")).to_be_visible()
    await shot(mona, screenshots, "05-stale-link")
    response = await mona.goto(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert response is not None
    assert response.status == 403
    await expect(mona.get_by_text("This link is not valid")).to_be_visible()
    await shot(mona, screenshots, "06-forged-link")

    # An approver is no administrator: no configuration for her.
    response = await mona.goto(f"{system.url}/configuration")
    assert response is not None
    assert response.status == 403
    await expect(mona.get_by_role("link", name="Configuration")).to_have_count(0)
    await shot(mona, screenshots, "07-configuration-refused")
    response = await mona.goto(f"{system.url}/reports")
    assert response is not None
    assert response.status == 403

    # Carl sees the rejection, edits the order and resubmits it.
    await carl.goto(f"{system.url}/orders/{order_id}")
    await expect(carl.get_by_text("Too many bolts: 400 will do.").first).to_be_visible()
    await carl.get_by_role("link", name="Edit").click()
    await carl.get_by_label("Line 1 quantity").fill("400")
    await carl.get_by_role("button", name="Save").click()
    await expect(carl.get_by_text("Your changes were saved.")).to_be_visible()
    await carl.get_by_role("button", name="Resubmit for approval").click()
    await expect(carl.get_by_text("The order was submitted for approval.")).to_be_visible()
    await shot(carl, screenshots, "08-order-resubmitted")

    # Mona approves level 1 from her inbox; Ada approves level 2 from her e-mail.
    await system.link_in_email(f"mona-{tag}@example.com", 2)
    await mona.goto(f"{system.url}/inbox")
    await expect(mona.get_by_role("link", name=order_id)).to_be_visible()
    await shot(mona, screenshots, "09-inbox")
    await mona.get_by_role("link", name=order_id).click()
    await expect(mona.get_by_text("48.00 USD")).to_be_visible()
    await mona.get_by_role("button", name="Approve").click()
    await expect(mona.get_by_text("You approved the request.")).to_be_visible()

    # Ada signs in with the keyboard alone and approves level 2 from her e-mail.
    ada = await person(browser)
    await ada.goto(await system.link_in_email(f"ada-{tag}@example.com", 1))
    # the user id field has the focus once the page has loaded: wait for it, or keys are lost
    await expect(ada.get_by_label("User id")).to_be_focused()
    await ada.keyboard.type(people["ada"])
    await ada.keyboard.press("Tab")
    await ada.keyboard.type(PASSWORD)
    await ada.keyboard.press("Enter")
    await expect(ada.get_by_role("heading", name="Your decision (level 2)")).to_be_visible()
    await expect(ada.get_by_text("Level 1 approved by Mona Manager")).to_be_visible()
    await shot(ada, screenshots, "10-level-two")
    await ada.get_by_role("button", name="Approve").click()
    await expect(ada.get_by_text("You approved the request.")).to_be_visible()
    await ada.goto(f"{system.url}/configuration")
    await expect(ada.get_by_role("heading", name="Approval configuration")).to_be_visible()
    await shot(ada, screenshots, "11-configuration")

    # The order shows approved, and the goods are received against it.
    await carl.goto(f"{system.url}/orders/{order_id}")
    await expect(carl.locator(".facts .status")).to_have_text("approved", timeout=10_000)
    await shot(carl, screenshots, "12-order-approved")
    await fulfilled(carl, location.location_id, "Receive", "The goods were received into stock.")
    await carl.goto(f"{system.url}/stock?sku={sku}")
    row = carl.get_by_role("row").filter(has_text=location.location_id)
    await expect(row.get_by_role("cell", name="400", exact=True)).to_have_count(2)  # on hand, free
    await shot(carl, screenshots, "13-stock")

    # A sales order of 150 of them (a customer in no cycle: approved when submitted), issued.
    shipped = sales_order(
        branch_id=branch,
        customer_id=unique("SHOP"),
        created_by=people["carl"],
        lines=lines((sku, "150", "0.30")),
    )
    await accepted(operator, shipped)
    await accepted(operator, SubmitOrder(order_id=shipped.order_id, submitted_by=people["carl"]))
    # On a loaded machine approval may take a while: wait for it on the bus, then look.
    await operator.wait_for(
        "order.approved", lambda b: b["order_id"] == shipped.order_id, timeout=30
    )
    await carl.goto(f"{system.url}/orders/{shipped.order_id}")
    await expect(carl.locator(".facts .status")).to_have_text("approved", timeout=10_000)
    await fulfilled(carl, location.location_id, "Issue", "The goods were issued from stock.")
    await shot(carl, screenshots, "13b-goods-issued")
    await carl.goto(f"{system.url}/stock?sku={sku}")
    row = carl.get_by_role("row").filter(has_text=location.location_id)
    await expect(row.get_by_role("cell", name="250", exact=True)).to_have_count(2)

    # The list of orders, filtered by branch: the order, completed by the receipt.
    await carl.goto(f"{system.url}/orders")
    await carl.get_by_label("Branch").fill(branch)
    await carl.get_by_role("button", name="Filter").click()
    row = carl.get_by_role("row").filter(has_text=order_id)
    await expect(row).to_contain_text("completed", timeout=10_000)
    await shot(carl, screenshots, "14-orders")

    # Reports: charts from the real data, each with its table and CSV.
    ada_reports = f"{system.url}/reports?branch_id={branch}"
    await ada.goto(ada_reports)
    sales = ada.locator("section", has=ada.get_by_role("heading", name="Sales by branch"))
    await expect(sales.locator("svg rect").first).to_be_visible()
    await sales.get_by_text("Table").click()
    # the first sales order (200.00) and the one issued above (45.00)
    await expect(sales.get_by_role("row").filter(has_text=branch)).to_contain_text("245.00")
    rejected = ada.locator("section", has=ada.get_by_role("heading", name="Rejections with notes"))
    await expect(rejected).to_contain_text("Too many bolts: 400 will do.")
    turnaround = ada.locator("section", has=ada.get_by_role("heading", name="Approval turnaround"))
    await expect(turnaround.locator("svg")).to_be_visible()
    stock = ada.locator("section", has=ada.get_by_role("heading", name="Stock on hand"))
    await expect(stock.locator("svg")).to_be_visible()
    await shot(ada, screenshots, "15-reports")
    csv = await ada.request.get(f"{system.url}/reports/rejections.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Too many bolts: 400 will do." in await csv.text()


async def test_an_admin_configures_users_cycles_and_parties(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("c")[-6:]
    admin, newcomer = f"root-{tag}", f"nina-{tag}"
    await accepted(operator, UpsertUser(user_id=admin, name="Root", admin=True, changed_by="root"))
    await system.until_password_set(admin, PASSWORD)
    page = await person(browser)
    await page.goto(f"{system.url}/configuration")
    await sign_in(page, admin)

    users = page.locator("form", has=page.get_by_role("heading", name="Add or change a user"))
    await users.get_by_label("User id", exact=True).fill(newcomer)
    await users.get_by_label("Name", exact=True).fill("Nina Newcomer")
    await users.get_by_label("E-mail").fill(f"nina-{tag}@example.com")
    await users.get_by_label("Manager (user id)").fill(admin)
    await users.get_by_role("button", name="Save user").click()
    await expect(page.get_by_text("The user was saved.")).to_be_visible()

    cycle_id = unique("CYC")
    cycles = page.locator("form", has=page.get_by_role("heading", name="Define a cycle"))
    await cycles.get_by_label("Cycle id", exact=True).fill(cycle_id)
    await cycles.get_by_label("Name", exact=True).fill("Big customers")
    await cycles.get_by_label("Orders").select_option("sales")
    await cycles.get_by_label("Level 1", exact=True).select_option("named_user")
    await cycles.get_by_label("Level 1 admin (when named)").fill(admin)
    await cycles.get_by_label("E-mail the creator on approval").uncheck()
    await cycles.get_by_role("button", name="Save cycle").click()
    await expect(page.get_by_text("The cycle was saved.")).to_be_visible()

    # A refusal in words: a named approver who is no admin.
    await cycles.get_by_label("Cycle id", exact=True).fill(unique("CYC"))
    await cycles.get_by_label("Name", exact=True).fill("Wrong")
    await cycles.get_by_label("Level 1", exact=True).select_option("named_user")
    await cycles.get_by_label("Level 1 admin (when named)").fill(newcomer)
    await cycles.get_by_role("button", name="Save cycle").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "A named approver must be an administrator."
    )

    customer = unique("BIG")
    parties = page.locator("form", has=page.get_by_role("heading", name="Put a vendor or customer"))
    await parties.get_by_label("Vendor or customer id").fill(customer)
    await parties.get_by_label("Cycle id", exact=True).fill(cycle_id)
    await parties.get_by_role("button", name="Assign").click()
    await expect(page.get_by_text("The party was assigned.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=cycle_id)
    await expect(row).to_contain_text(customer)
    await expect(row).to_contain_text("pending, rejected")  # approval e-mails switched off

    passwords = page.locator("form", has=page.get_by_role("heading", name="Set a password"))
    await passwords.get_by_label("User id", exact=True).fill(newcomer)
    await passwords.get_by_label("New password").fill(PASSWORD)
    for _ in range(50):  # once the back office has learnt the new user
        await passwords.get_by_role("button", name="Set password").click()
        if await page.get_by_text("The password was set.").count():
            break
        await passwords.get_by_label("User id", exact=True).fill(newcomer)
        await passwords.get_by_label("New password").fill(PASSWORD)
    await expect(page.get_by_text("The password was set.")).to_be_visible()
    await shot(page, screenshots, "16-configured")

    nina = await person(browser)
    await nina.goto(f"{system.url}/inbox")
    await sign_in(nina, newcomer)
    await expect(nina.get_by_text("Nothing waits for your approval.")).to_be_visible()
    await expect(nina.get_by_role("link", name="Configuration")).to_have_count(0)


async def test_no_page_can_be_framed_or_run_a_script(system: System) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=system.url) as http:
        page = await http.get("/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "oms_login_csrf" in page.headers["set-cookie"]
    assert "httponly" in page.headers["set-cookie"].lower()


async def test_repeated_failed_sign_ins_are_held_back(system: System) -> None:
    import httpx

    user = unique("guesser")

    async def attempt(http: httpx.AsyncClient) -> httpx.Response:
        form = await http.get("/login")
        found = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert found, form.text
        sent = {"csrf": found.group(1), "user_id": user, "password": "not the password"}
        return await http.post("/login", data=sent)

    async with httpx.AsyncClient(base_url=system.url) as http:
        refused = [await attempt(http) for _ in range(5)]
        held = await attempt(http)

    assert [answer.status_code for answer in refused] == [401] * 5
    assert "That user id and password do not match." in refused[0].text
    assert held.status_code == 429
    assert "Too many failed sign-ins. Try again in 1 minute." in held.text
    assert 0 < int(held.headers["retry-after"]) <= 30

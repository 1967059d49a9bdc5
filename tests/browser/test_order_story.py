"""An order's page in Chromium tells its story as it happened: the quotation it came from, a
two-level approval with level 1's approval before level 2's wait, and who was behind every
entry of the timeline (a person by name, or the service acting on its own); a storefront's order
shows the prices the storefront sent beside the price list's, and what it holds for a person; a
cycle's form is filled with the cycle, so a change keeps what it does not touch; a submit at a
branch that refuses short orders says it waits for stock, then shows what was short."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from playwright.async_api import Browser, async_playwright, expect

from shared.contracts import (
    AcceptQuotation,
    ApproveRequest,
    AssignParty,
    ConfigureBranch,
    ConvertQuotation,
    CreateQuotation,
    CreateSalesOrder,
    DefineCycle,
    DefinePriceList,
    ItemPrice,
    LevelRule,
    OrderLineInput,
    SendQuotation,
    SubmitOrder,
    WhenStockShort,
)
from tests.browser.conftest import System
from tests.browser.test_order_forms import person, shot, signed_in, stored
from tests.support.bus import Bus
from tests.support.credentials import headers
from tests.support.factories import lines, sales_order, unique
from tests.support.flows import accepted, stockroom

pytestmark = pytest.mark.e2e


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as driver:
        launched = await driver.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def approve(operator: Bus, order_id: str, level: int, approver: str) -> None:
    [pending] = await operator.wait_for(
        "approval.pending",
        lambda b: b["order_id"] == order_id and b["level"] == level,
        timeout=30,
    )
    await accepted(
        operator,
        ApproveRequest(
            request_id=pending.body["request_id"], level=level, approver_id=approver, notes="ok"
        ),
    )


async def test_the_order_page_shows_the_quotation_the_approvals_in_order_and_who_did_each(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("s")[-6:]
    carl = await person(operator, system, f"carl-{tag}", name="Carl Creator")
    mia = await person(operator, system, f"mia-{tag}", name="Mia First", admin=True)
    max_ = await person(operator, system, f"max-{tag}", name="Max Second", admin=True)
    customer = unique("SHOP")
    cycle = DefineCycle(
        cycle_id=unique("CYC"),
        name="Two levels",
        order_kind="sales",
        levels=[
            LevelRule(approver="named_user", user_id=mia),
            LevelRule(approver="named_user", user_id=max_),
        ],
        fallback_approver_id=mia,
        defined_by="root",
    )
    await accepted(operator, cycle)
    await accepted(
        operator, AssignParty(cycle_id=cycle.cycle_id, party_id=customer, assigned_by="root")
    )

    # A quotation, sent, accepted and converted by Carl; the order goes through two levels.
    quotation_id = unique("Q")
    await accepted(
        operator,
        CreateQuotation(
            quotation_id=quotation_id,
            customer_id=customer,
            branch_id=unique("BR"),
            created_by=carl,
            currency="EUR",
            valid_until=datetime.now(UTC) + timedelta(days=30),
            lines=[OrderLineInput(sku="CHAIR", quantity=Decimal(4), unit_price=Decimal("79.00"))],
        ),
    )
    for step in (
        SendQuotation(quotation_id=quotation_id, sent_by=carl),
        AcceptQuotation(quotation_id=quotation_id, accepted_by=carl),
        ConvertQuotation(quotation_id=quotation_id, converted_by=carl),
    ):
        await accepted(operator, step)
    order_id = f"SO-{quotation_id}"
    await accepted(operator, SubmitOrder(order_id=order_id, submitted_by=carl))
    await approve(operator, order_id, 1, mia)
    await approve(operator, order_id, 2, max_)
    await operator.wait_for("order.approved", lambda b: b["order_id"] == order_id, timeout=30)

    page = await signed_in(browser, system, carl, f"/orders/{order_id}")
    await expect(page.locator(".facts")).to_contain_text(f"quotation {quotation_id}")

    # The history in the order things happened: level 1 approved, then level 2 waited.
    history = page.get_by_role("table").filter(has_text="Attempt")
    notes = [
        text.strip() for text in await history.locator("tbody tr td:nth-child(6)").all_inner_texts()
    ]
    assert [n for n in notes if n.startswith(("waiting", "level"))] == [
        "waiting for approval at level 1 of 2",
        "level 1 approved: ok",
        "waiting for approval at level 2 of 2",
        "level 2 approved: ok",
    ], notes

    # The timeline starts with the quotation and names who was behind each entry.
    timeline = page.get_by_role("table").filter(has_text="About")
    for _ in range(40):  # approval's events reach the order's timeline a moment later
        if await timeline.get_by_role("row").filter(has_text="approval.approved").count():
            break
        await page.wait_for_timeout(250)
        await page.reload()
    rows = timeline.locator("tbody tr")
    await expect(rows.first).to_contain_text(f"quotation {quotation_id}")
    await expect(rows.first).to_contain_text(carl)
    approved = timeline.get_by_role("row").filter(has_text="approval.approved")
    await expect(approved).to_contain_text(f"Max Second ({max_})")
    opened = timeline.get_by_role("row").filter(has_text="approval.pending").first
    await expect(opened).to_contain_text("approval (service)")
    converted = timeline.get_by_role("row").filter(has_text="order.quotation_converted")
    await expect(converted).to_contain_text(carl)
    for cell in await rows.locator("td:nth-child(6)").all_inner_texts():
        assert cell.strip(), "every timeline entry names who was behind it"
    await shot(page, screenshots, "25-order-story")


async def test_a_storefronts_held_order_shows_its_prices_and_is_priced_by_a_person(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("h")[-6:]
    ada = await person(operator, system, f"ada-{tag}", name="Ada Admin", admin=True)
    web = unique("WEB")
    await accepted(
        operator,
        DefinePriceList(
            price_list_id=web,
            name="Web shop",
            currency="USD",
            prices=[ItemPrice(sku="A", unit_price=Decimal("12.50"))],
            defined_by="root",
        ),
    )

    # Ada prices the storefront caller's orders from that list, holding unknown items.
    page = await signed_in(browser, system, ada, "/configuration")
    await page.get_by_label("Storefront id").fill("storefront")
    await page.get_by_label("Price list", exact=True).select_option(web)
    await page.get_by_label("An item the list does not know").select_option("hold")
    await page.get_by_role("button", name="Save storefront").click()
    await expect(page.get_by_text("The storefront's pricing was saved.")).to_be_visible()
    priced = page.get_by_role("row").filter(has_text=web)
    await expect(priced).to_contain_text("hold the order for a person")
    await shot(page, screenshots, "26a-storefront-priced")

    order_id = unique("SO")
    async with Bus(system.env.amqp_url, user="storefront") as storefront:
        await accepted(
            storefront,
            CreateSalesOrder(
                order_id=order_id,
                customer_id=unique("C"),
                branch_id=unique("BR"),
                created_by="storefront",
                currency="USD",
                lines=lines(("A", "2", "0.01"), ("GHOST", "1", "7.00")),
            ),
        )

    await page.goto(f"{system.url}/orders/{order_id}")
    await expect(page.locator(".facts")).to_contain_text("GHOST: not in the storefront's price")
    mug = page.get_by_role("row").filter(has_text="storefront sent")
    await expect(mug).to_contain_text("12.50")  # the price list's, not the 0.01 it sent
    await expect(mug).to_contain_text("storefront sent 0.01")
    await shot(page, screenshots, "26-storefront-order-held")

    # A person gives the held item's price; the storefront's prices stay beside the lines.
    await page.get_by_role("link", name="Edit").click()
    await page.get_by_label("Line 2 unit price").fill("9.00")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Your changes were saved.")).to_be_visible()
    await expect(page.locator(".facts")).not_to_contain_text("Held")
    saved = await stored(system, order_id)
    assert saved["held_items"] == []
    assert [(x["unit_price"], x["storefront_unit_price"]) for x in saved["lines"]] == [
        ("12.50", "0.01"),
        ("9.00", "7.00"),
    ]


async def test_changing_a_cycle_keeps_what_the_form_does_not_change(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("c")[-6:]
    ada = await person(operator, system, f"ada-{tag}", name="Ada Admin", admin=True)
    cycle = DefineCycle(
        cycle_id=unique("CYC"),
        name="Large purchases",
        order_kind="purchase",
        levels=[
            LevelRule(approver="creator_manager"),
            LevelRule(approver="named_user", user_id=ada),
        ],
        notify_pending=False,
        notify_approved=True,
        notify_rejected=False,
        fallback_approver_id=ada,
        defined_by="root",
    )
    await accepted(operator, cycle)

    page = await signed_in(browser, system, ada, "/configuration")
    await page.get_by_role("link", name=f"Change cycle {cycle.cycle_id}").click()
    form = page.locator("#define-cycle")
    await expect(form.get_by_label("Name", exact=True)).to_have_value("Large purchases")
    await expect(form.get_by_label("Level 2", exact=True)).to_have_value("named_user")
    await expect(form.get_by_label("E-mail approvers when a request waits")).not_to_be_checked()
    await form.get_by_label("Name", exact=True).fill("Purchases over 10,000")
    await shot(page, screenshots, "27-cycle-change-form")
    await form.get_by_role("button", name="Save cycle").click()
    await expect(page.get_by_text("The cycle was saved.")).to_be_visible()

    url = f"http://127.0.0.1:{system.processes['approval'].port}/cycles"
    async with httpx.AsyncClient(headers=headers("approval")) as http:
        cycles = (await http.get(url)).json()
    [saved] = [c for c in cycles if c["id"] == cycle.cycle_id]
    assert saved["name"] == "Purchases over 10,000"
    assert saved["order_kind"] == "purchase"
    assert [(lv["approver"], lv.get("user_id")) for lv in saved["levels"]] == [
        ("creator_manager", None),
        ("named_user", ada),
    ]
    assert saved["emails"] == {"pending": False, "approved": True, "rejected": False}
    assert saved["fallback_approver_id"] == ada


async def created_once_stock_is_known(operator: Bus, order: CreateSalesOrder) -> None:
    """The order service learns the opening stock a moment after inventory records it; until
    then a refusing branch sees none free (``insufficient_stock``): send again, as a clerk would."""
    for _ in range(40):
        attempt = order.model_copy(update={"message_id": uuid4()})
        await operator.send(attempt, reply=True)
        answer = await operator.reply_for(attempt, timeout=30)
        if answer.type != "CommandRejected":
            return
        assert answer.body["reason"] == "insufficient_stock", answer.body
        await asyncio.sleep(0.25)
    raise AssertionError(f"{order.order_id} was never created")


async def test_a_submit_at_a_refusing_branch_says_it_waits_for_stock_then_what_is_short(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("r")[-6:]
    carl = await person(operator, system, f"carl-{tag}", name="Carl Creator")
    room = await stockroom(operator, quantity="5")
    await accepted(
        operator,
        ConfigureBranch(
            branch_id=room.branch_id, when_stock_short=WhenStockShort.REFUSE, configured_by="root"
        ),
    )
    first, mine = (
        sales_order(branch_id=room.branch_id, created_by=carl, lines=lines((room.sku, "4", "1")))
        for _ in range(2)
    )
    for order in (first, mine):
        await created_once_stock_is_known(operator, order)
    await accepted(operator, SubmitOrder(order_id=first.order_id, submitted_by=carl))
    await operator.wait_for("order.submitted", lambda b: b["order_id"] == first.order_id)

    page = await signed_in(browser, system, carl, f"/orders/{mine.order_id}")
    await page.get_by_role("button", name="Submit for approval").click()
    # Either it still waits for inventory, or inventory's answer came before the page did.
    waits = page.get_by_role("status").filter(has_text="Its branch holds stock")
    short = page.locator(".facts dd.held").filter(has_text="could not hold")
    await expect(waits.or_(short).first).to_be_visible()
    for _ in range(40):  # inventory answers a moment later
        if await short.count():
            break
        await page.wait_for_timeout(250)
        await page.reload()
    await expect(short).to_contain_text(f"{room.sku} (4 requested, 1 available)")
    await expect(page.locator(".facts .status")).to_have_text("draft")
    await expect(waits).to_have_count(0)
    refused = page.get_by_role("row").filter(has_text="order.stock_hold_refused")
    await expect(refused).to_contain_text(f"stock short: {room.sku} 4 requested, 1 available")
    await shot(page, screenshots, "28-stock-short-at-submit")

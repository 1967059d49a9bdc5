"""The back office's order forms and order pages in Chromium: an edit keeps the taxes, discounts,
descriptions, price list and notes it does not change, and the form shows the total the order
service then computes; a new order is entered with tax codes, discounts and a price list; the
order page shows tax per rate and line amounts that add up; an order is cancelled from its page;
the order list sorts, pages, counts, filters by the partial statuses and downloads as CSV; the
inbox names each order's creator and counts what waits."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from shared.contracts import (
    AssignParty,
    CreatePurchaseOrder,
    CreateSalesOrder,
    DefineCycle,
    DefinePriceList,
    DefineTaxRate,
    Discount,
    ItemPrice,
    LevelRule,
    OrderLineInput,
    PricingTerms,
    SubmitOrder,
    UpdateOrder,
    UpsertUser,
)
from tests.browser.conftest import System
from tests.support.bus import Bus
from tests.support.credentials import headers
from tests.support.factories import lines, sales_order, unique
from tests.support.flows import accepted, stockroom
from tests.support.inventory import issue

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


async def signed_in(browser: Browser, system: System, user_id: str, path: str) -> Page:
    page = await (await browser.new_context(viewport={"width": 1200, "height": 900})).new_page()
    await page.goto(f"{system.url}{path}")
    await page.get_by_label("User id").fill(user_id)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    return page


async def shot(page: Page, folder: Path, name: str) -> None:
    await page.screenshot(path=folder / f"{name}.png", full_page=True)


async def person(operator: Bus, system: System, user_id: str, **fields: Any) -> str:
    await accepted(
        operator,
        UpsertUser(
            user_id=user_id,
            name=fields.pop("name", user_id.title()),
            email=f"{user_id}@example.com",
            changed_by="root",
            **fields,
        ),
    )
    await system.until_password_set(user_id, PASSWORD)
    return user_id


async def stored(system: System, order_id: str) -> dict[str, Any]:
    """The order as the order service keeps it."""
    url = f"http://127.0.0.1:{system.processes['order'].port}/orders"
    async with httpx.AsyncClient(headers=headers("order")) as http:
        answer = await http.get(url, params={"order_id": order_id})
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


async def pricing_set_up(operator: Bus, tag: str) -> dict[str, str]:
    """Two tax rates (20 % and 5.5 %) and a EUR price list with one item at 12.00."""
    names = {
        "vat": f"VAT-{tag}",
        "eco": f"ECO-{tag}",
        "list": f"RETAIL-{tag}",
        "widget": f"WIDGET-{tag}",
        "gadget": f"GADGET-{tag}",
    }
    for code, name, rate in ((names["vat"], "Standard", "20"), (names["eco"], "Eco levy", "5.5")):
        await accepted(
            operator, DefineTaxRate(code=code, name=name, rate=Decimal(rate), defined_by="root")
        )
    await accepted(
        operator,
        DefinePriceList(
            price_list_id=names["list"],
            name="Retail",
            currency="EUR",
            prices=[ItemPrice(sku=names["widget"], unit_price=Decimal("12.00"))],
            defined_by="root",
        ),
    )
    return names


async def test_an_edit_keeps_the_taxes_discounts_and_price_list_it_does_not_change(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("e")[-6:]
    carl = await person(operator, system, f"carl-{tag}", name="Carl Creator")
    names = await pricing_set_up(operator, tag)
    order = CreateSalesOrder(
        order_id=unique("SO"),
        customer_id=unique("SHOP"),
        branch_id=unique("BR"),
        created_by=carl,
        currency="EUR",
        notes="Deliver to dock 3",
        pricing=PricingTerms(
            price_list_id=names["list"],
            discount=Discount(kind="percent", value=Decimal("5")),
        ),
        lines=[
            OrderLineInput(
                sku=names["widget"],
                quantity=Decimal("2"),
                description="Blue widgets, boxed",
                discount=Discount(kind="percent", value=Decimal("10")),
                tax_codes=[names["vat"]],
            ),
            OrderLineInput(
                sku=names["gadget"],
                quantity=Decimal("1"),
                unit_price=Decimal("19.90"),
                discount=Discount(kind="amount", value=Decimal("1.00")),
                tax_codes=[names["vat"], names["eco"]],
            ),
        ],
    )
    await accepted(operator, order)
    before = await stored(system, order.order_id)
    assert Decimal(before["pricing"]["tax_total"]) > 0

    # The form holds every field, and shows today's total before anything is changed.
    page = await signed_in(browser, system, carl, f"/orders/{order.order_id}/edit")
    await expect(page.get_by_label("Line 1 tax codes")).to_have_value(names["vat"])
    await expect(page.get_by_label("Line 2 tax codes")).to_have_value(
        f"{names['vat']} {names['eco']}"
    )
    await expect(page.get_by_label("Line 1 discount")).to_have_value("10%")
    await expect(page.get_by_label("Line 2 discount")).to_have_value("1.00")
    await expect(page.get_by_label("Line 1 description")).to_have_value("Blue widgets, boxed")
    await expect(page.get_by_label("Price list")).to_have_value(names["list"])
    await expect(page.get_by_label("Discount on the whole order")).to_have_value("5%")
    await expect(page.get_by_label("Notes")).to_have_value("Deliver to dock 3")
    total = page.get_by_role("status").filter(has_text="Total when saved")
    await expect(total).to_contain_text(f"{before['pricing']['grand_total']} EUR")

    # One quantity changes; the form shows what the order service will compute.
    await page.get_by_label("Line 2 quantity").fill("2")
    await page.get_by_role("button", name="Show the total").click()
    # 21.60 + 38.80, 5 % off: 57.38 net; VAT 20 % 11.48, ECO 5.5 % of 36.86 2.03
    await expect(total).to_contain_text("70.89 EUR")
    await expect(total).to_contain_text("tax 13.51")
    await shot(page, screenshots, "20-edit-form-preview")

    # Someone else changes the order meanwhile: the save is refused, nothing is overwritten.
    await accepted(
        operator, UpdateOrder(order_id=order.order_id, updated_by=carl, notes="Deliver to dock 4")
    )
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("Someone changed this order")
    await expect(page.get_by_label("Notes")).to_have_value("Deliver to dock 4")
    assert (await stored(system, order.order_id))["pricing"] == before["pricing"]
    await page.get_by_label("Line 2 quantity").fill("2")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Your changes were saved.")).to_be_visible()

    after = await stored(system, order.order_id)
    assert after["pricing"]["grand_total"] == "70.89"
    assert after["pricing"]["tax_total"] == "13.51"
    assert [line["tax_codes"] for line in after["lines"]] == [
        [names["vat"]],
        [names["vat"], names["eco"]],
    ]
    assert [line["discount"] for line in after["lines"]] == [
        {"kind": "percent", "value": "10"},
        {"kind": "amount", "value": "1.00"},
    ]
    assert after["lines"][0]["description"] == "Blue widgets, boxed"
    assert after["terms"]["price_list_id"] == names["list"]
    assert after["terms"]["discount"] == {"kind": "percent", "value": "5"}
    assert after["notes"] == "Deliver to dock 4"

    # The order page: tax per rate, line net amounts that add up to the net, descriptions.
    lines = page.get_by_role("table").filter(has_text="Subtotal")
    await expect(lines.get_by_role("row").filter(has_text=f"Tax {names['vat']}")).to_contain_text(
        "20 % of 57.38"
    )
    await expect(lines.get_by_role("row").filter(has_text=f"Tax {names['vat']}")).to_contain_text(
        "11.48"
    )
    await expect(lines.get_by_role("row").filter(has_text=f"Tax {names['eco']}")).to_contain_text(
        "2.03"
    )
    await expect(lines.get_by_text("Blue widgets, boxed")).to_be_visible()
    widget = lines.get_by_role("row").filter(has_text=names["widget"])
    gadget = lines.get_by_role("row").filter(has_text=names["gadget"])
    await expect(widget.get_by_role("cell", name="20.52", exact=True)).to_be_visible()
    await expect(gadget.get_by_role("cell", name="36.86", exact=True)).to_be_visible()
    net = lines.get_by_role("row").filter(has_text="Net")
    await expect(net.get_by_role("cell", name="57.38", exact=True)).to_be_visible()
    total_row = lines.get_by_role("row", name=re.compile(r"^Total"))
    await expect(total_row).to_contain_text("70.89 EUR")
    await shot(page, screenshots, "21-order-taxes-per-rate")

    # At phone width the page does not scroll sideways: the lines scroll in their own box.
    await page.set_viewport_size({"width": 390, "height": 844})
    for path in (f"/orders/{order.order_id}", f"/orders/{order.order_id}/edit"):
        await page.goto(f"{system.url}{path}")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await shot(page, screenshots, "21b-edit-form-phone")


async def test_a_purchase_order_edit_keeps_its_tax_basis_rounding_and_discounts(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("p")[-6:]
    pia = await person(operator, system, f"pia-{tag}", name="Pia Purchaser")
    names = await pricing_set_up(operator, tag)
    order = CreatePurchaseOrder(
        order_id=unique("PO"),
        vendor_id=unique("VEND"),
        branch_id=unique("BR"),
        created_by=pia,
        currency="EUR",
        notes="Call before delivery",
        pricing=PricingTerms(
            price_list_id=names["list"],
            discount=Discount(kind="amount", value=Decimal("3.00")),
            prices_include_tax=True,
            tax_rounding="line",
        ),
        lines=[
            OrderLineInput(
                sku=names["widget"],
                quantity=Decimal("5"),
                description="Widgets, pallet of 5",
                tax_codes=[names["vat"]],
            ),
            OrderLineInput(
                sku=names["gadget"],
                quantity=Decimal("2"),
                unit_price=Decimal("25.00"),
                discount=Discount(kind="percent", value=Decimal("4")),
                tax_codes=[names["vat"], names["eco"]],
                description="Gadgets",
            ),
        ],
    )
    await accepted(operator, order)
    before = await stored(system, order.order_id)

    page = await signed_in(browser, system, pia, f"/orders/{order.order_id}/edit")
    await expect(page.get_by_label("Prices include tax")).to_be_checked()
    await expect(page.get_by_label("Taxes rounded")).to_have_value("line")
    await expect(page.get_by_label("Discount on the whole order")).to_have_value("3.00")
    await expect(page.get_by_label("Line 2 discount")).to_have_value("4%")
    await expect(page.get_by_label("Line 1 unit price")).to_have_value("12.00")
    total = page.get_by_role("status").filter(has_text="Total when saved")
    await expect(total).to_contain_text(f"{before['pricing']['grand_total']} EUR")

    # Only the notes change: every price, tax and term is sent back as it was.
    await page.get_by_label("Notes").fill("Call the day before delivery")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Your changes were saved.")).to_be_visible()
    await expect(page.get_by_text("Widgets, pallet of 5")).to_be_visible()
    after = await stored(system, order.order_id)
    assert after["notes"] == "Call the day before delivery"
    assert after["terms"] == before["terms"]
    assert after["pricing"] == before["pricing"]
    assert [
        (
            line["sku"],
            line["quantity"],
            line.get("discount"),
            line["tax_codes"],
            line["description"],
        )
        for line in after["lines"]
    ] == [
        (
            line["sku"],
            line["quantity"],
            line.get("discount"),
            line["tax_codes"],
            line["description"],
        )
        for line in before["lines"]
    ]
    await shot(page, screenshots, "21c-purchase-edit-kept")


async def listed(page: Page, url: str, row_text: str, wanted: str) -> None:
    """Reload the list until the row of ``row_text`` shows ``wanted``: the list follows the
    events, a second or so behind (longer on a loaded machine)."""
    for _ in range(60):
        await page.goto(url)
        row = page.get_by_role("row").filter(has_text=row_text)
        if await row.count() and wanted in (await row.inner_text()):
            return
        await page.wait_for_timeout(250)
    raise AssertionError(f"{row_text} never showed {wanted!r} at {url}")


async def test_a_new_order_with_taxes_then_the_inbox_the_list_and_a_cancellation(
    system: System, operator: Bus, browser: Browser, screenshots: Path
) -> None:
    tag = unique("n")[-6:]
    carl = await person(operator, system, f"carl-{tag}", name="Carl Creator")
    ada = await person(operator, system, f"ada-{tag}", name="Ada Admin", admin=True)
    mona = await person(operator, system, f"mona-{tag}", name="Mona")
    names = await pricing_set_up(operator, tag)
    room = await stockroom(operator)
    big = unique("BIG")
    cycle = DefineCycle(
        cycle_id=unique("CYC"),
        name="Big customers",
        order_kind="sales",
        levels=[LevelRule(approver="named_user", user_id=ada)],
        fallback_approver_id=ada,
        defined_by="root",
    )
    await accepted(operator, cycle)
    await accepted(operator, AssignParty(cycle_id=cycle.cycle_id, party_id=big, assigned_by="root"))

    # Carl enters a sales order with tax codes, discounts, a description and a price list.
    order_id = unique("SO")
    page = await signed_in(browser, system, carl, "/orders/new")
    await page.get_by_label("Kind").select_option("sales")
    await page.get_by_label("Order id").fill(order_id)
    await page.get_by_label("Vendor or customer").fill(big)
    await page.get_by_label("Branch").fill(room.branch_id)
    await page.get_by_label("Currency").fill("EUR")
    await page.get_by_label("Line 1 item").fill(names["widget"])  # priced from the list
    await page.get_by_label("Line 1 quantity").fill("3")
    await page.get_by_label("Line 1 discount").fill("10%")
    await page.get_by_label("Line 1 tax codes").fill(names["vat"])
    await page.get_by_label("Line 1 description").fill("Red widgets")
    await page.get_by_label("Line 2 item").fill(names["gadget"])
    await page.get_by_label("Line 2 quantity").fill("1")
    await page.get_by_label("Line 2 unit price").fill("19.90")
    await page.get_by_label("Line 2 tax codes").fill(f"{names['vat']} {names['eco']}")
    await page.get_by_label("Price list").select_option(names["list"])
    await page.get_by_label("Discount on the whole order").fill("2.00")
    await page.get_by_role("button", name="Show the total").click()
    # 32.40 + 19.90 less 2.00 shared 1.24 / 0.76: 50.30 net; VAT 10.06, ECO 5.5 % of 19.14 1.05
    total = page.get_by_role("status").filter(has_text="Total when saved")
    await expect(total).to_contain_text("61.41 EUR")
    await shot(page, screenshots, "22-new-order-preview")

    # A wrong entry is named by its line, and nothing is sent.
    await page.get_by_label("Line 2 discount").fill("lots")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("Line 2: write a discount as a")
    await page.get_by_label("Line 2 discount").fill("")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("The order was created as a draft.")).to_be_visible()
    saved = await stored(system, order_id)
    assert saved["pricing"]["grand_total"] == "61.41"
    assert saved["lines"][0]["unit_price"] == "12.00"
    await expect(page.get_by_text("Red widgets")).to_be_visible()
    await page.get_by_role("button", name="Submit for approval").click()
    await expect(page.get_by_text("The order was submitted for approval.")).to_be_visible()

    # Ada's inbox counts what waits and names who created it.
    inbox = await signed_in(browser, system, ada, "/inbox")
    for _ in range(60):
        if await inbox.get_by_role("link", name=order_id).count():
            break
        await inbox.wait_for_timeout(250)
        await inbox.reload()
    await expect(inbox.get_by_role("status")).to_contain_text("1 request waits")
    row = inbox.get_by_role("row").filter(has_text=order_id)
    await expect(row).to_contain_text("Carl Creator")
    await expect(row).to_contain_text("61.41 EUR")
    await shot(inbox, screenshots, "23-inbox-creator-count")

    # Carl withdraws it: cancelled from its page, and Ada's inbox is empty again.
    await page.get_by_text("Cancel this order").click()
    await page.get_by_label("Reason").fill("The customer ordered by phone instead.")
    await page.get_by_role("button", name="Cancel order").click()
    await expect(page.get_by_text("The order was cancelled.")).to_be_visible()
    await expect(page.locator(".facts .status")).to_have_text("cancelled")
    await expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    for _ in range(60):
        await inbox.reload()
        if await inbox.get_by_text("Nothing waits for your approval.").count():
            break
        await inbox.wait_for_timeout(250)
    await expect(inbox.get_by_text("Nothing waits for your approval.")).to_be_visible()

    # Two more orders at the branch: one partly issued, one a large draft.
    shop = unique("SHOP")
    part = sales_order(
        branch_id=room.branch_id,
        customer_id=shop,
        created_by=carl,
        lines=lines((room.sku, "10", "5.00")),
    )
    large = sales_order(
        branch_id=room.branch_id,
        customer_id=shop,
        created_by=carl,
        lines=lines((room.sku, "1", "999.00")),
    )
    await accepted(operator, part)
    await accepted(operator, large)
    await accepted(operator, SubmitOrder(order_id=part.order_id, submitted_by=carl))
    await operator.wait_for("order.approved", lambda b: b["order_id"] == part.order_id, timeout=30)
    # Like a clerk, issue once the stockroom knows of the approval: inventory confirms the
    # reservation when it learns it (an issue before that is refused `order_not_approved`).
    await operator.wait_for(
        "inventory.reservation_confirmed", lambda b: b["order_id"] == part.order_id, timeout=30
    )
    await accepted(operator, issue(part.order_id, room.location_id, (room.sku, "4")))

    # The list: the partial status as a filter, a count, sorting by total, CSV of every page.
    at_branch = f"{system.url}/orders?branch_id={room.branch_id}"
    await listed(page, f"{at_branch}&status=partially_issued", part.order_id, "partially issued")
    await expect(page.get_by_label("Status")).to_have_value("partially_issued")
    await expect(page.get_by_role("status")).to_contain_text("1 order matches")
    await listed(page, at_branch, order_id, "cancelled")
    await expect(page.get_by_role("status")).to_contain_text("3 orders match")
    await page.get_by_role("link", name="Total").click()
    body = page.locator("tbody tr")
    await expect(body.first).to_contain_text(large.order_id)
    await expect(page.get_by_role("columnheader", name="Total")).to_have_attribute(
        "aria-sort", "descending"
    )
    await page.get_by_role("link", name="Total").click()
    await expect(body.first).to_contain_text(part.order_id)
    await expect(body.last).to_contain_text(large.order_id)
    await page.get_by_label("Orders a page").select_option("50")
    await page.get_by_role("button", name="Filter").click()
    await expect(body.first).to_contain_text(part.order_id)  # the sort is kept
    await expect(page).to_have_url(re.compile(r"size=50"))
    await shot(page, screenshots, "24-orders-sorted-counted")

    answer = await page.request.get(
        f"{system.url}/orders.csv?branch_id={room.branch_id}&sort=total&direction=desc"
    )
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(await answer.text())))
    assert rows[0] == [
        "order", "kind", "status", "party", "branch", "created by", "currency", "total", "created"
    ]  # fmt: skip
    assert [(r[0], r[2], r[7]) for r in rows[1:]] == [
        (large.order_id, "draft", "999.00"),
        (order_id, "cancelled", "61.41"),
        (part.order_id, "partially_issued", "50.00"),
    ]

    # Someone who neither created the order nor administers gets no button, and is refused.
    nosy = await signed_in(browser, system, mona, f"/orders/{large.order_id}")
    await expect(nosy.get_by_role("button", name="Cancel order")).to_have_count(0)
    token = await nosy.locator("form.signout input[name=csrf]").input_value()
    refused = await nosy.request.post(
        f"{system.url}/orders/{large.order_id}/cancel", form={"csrf": token}
    )
    assert refused.status == 403
    assert "Only its creator (or an administrator) may cancel an order" in await refused.text()
    assert (await stored(system, large.order_id))["status"] == "draft"

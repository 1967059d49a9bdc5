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
    CreateSalesOrder,
    DefinePriceList,
    DefineTaxRate,
    Discount,
    ItemPrice,
    OrderLineInput,
    PricingTerms,
    UpsertUser,
)
from tests.browser.conftest import System
from tests.support.bus import Bus
from tests.support.factories import unique
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
    async with httpx.AsyncClient() as http:
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
    carl = await person(operator, system, f"carl-{tag}")
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
    assert after["notes"] == "Deliver to dock 3"

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

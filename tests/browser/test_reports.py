"""The back office's reports and looks in Chromium against the running system: sales net of tax
with tax and gross beside it, by order or goods-issue date, in a time zone the page names and
the person changes; one chart per currency; every chart equal to its table and its CSV; the
person's own date format and time zone; amounts with their currency's decimals; and every main
page usable 390 px wide without scrolling sideways.

``OMS_README_SCREENSHOTS=1`` (``make screenshots``) saves the order page and the reports for the
README under docs/screenshots/; otherwise they go to .run/screenshots/ like the others."""

from __future__ import annotations

import csv
import html
import io
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from shared.contracts import DefineTaxRate, OrderLine, SubmitOrder, UpsertUser
from tests.browser.conftest import System
from tests.browser.test_backoffice import PASSWORD, person, sign_in
from tests.support.bus import Bus
from tests.support.factories import sales_order, unique
from tests.support.flows import accepted
from tests.support.inventory import define_item, define_location, issue, opening
from tests.support.servers import ROOT

pytestmark = pytest.mark.e2e
README_SHOTS = ROOT / "docs" / "screenshots"


@dataclass(frozen=True)
class Shop:
    admin: str
    branch: str
    euro: str
    """EUR: 4 x 10.00 at 19 % and 2 x 5.00 at 7 %: net 50.00, tax 8.30; half the first issued."""
    dollar: str
    yen: str


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as driver:
        launched = await driver.chromium.launch(
            executable_path=str(chromium), args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


@pytest.fixture(scope="module")
async def shop(system: System) -> Shop:
    """An admin, two tax rates, a branch with stock, three approved sales orders in EUR, USD and
    JPY (customers in no cycle are approved when submitted), half of one item issued."""
    tag = unique("r")[-6:]
    async with Bus(system.env.amqp_url) as bus:
        admin = f"ada-{tag}"
        await accepted(
            bus, UpsertUser(user_id=admin, name="Ada Admin", admin=True, changed_by="root")
        )
        vat, reduced = f"VAT-{tag}", f"RED-{tag}"
        await accepted(
            bus, DefineTaxRate(code=vat, name="VAT", rate=Decimal(19), defined_by="root")
        )
        await accepted(
            bus, DefineTaxRate(code=reduced, name="Reduced", rate=Decimal(7), defined_by="root")
        )
        branch = unique("BR")
        location = define_location(branch, sales_location=True)
        tea, cup = unique("TEA"), unique("CUP")
        await accepted(bus, location)
        for sku in (tea, cup):
            await accepted(bus, define_item(sku))
            await accepted(bus, opening(sku, location.location_id, "100"))

        def line(sku: str, quantity: str, price: str, *codes: str) -> OrderLine:
            return OrderLine(
                sku=sku,
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                tax_codes=list(codes),
            )

        orders = [
            sales_order(
                branch_id=branch,
                created_by=admin,
                currency=currency,
                lines=order_lines,
            )
            for currency, order_lines in (
                ("EUR", [line(tea, "4", "10.00", vat), line(cup, "2", "5.00", reduced)]),
                ("USD", [line(tea, "1", "21.00")]),
                ("JPY", [line(cup, "3", "1000", vat)]),
            )
        ]
        for order in orders:
            await accepted(bus, order)
            await accepted(bus, SubmitOrder(order_id=order.order_id, submitted_by=admin))
        approved = {order.order_id for order in orders}
        await bus.wait_for(
            "order.approved", lambda body: body["order_id"] in approved, count=3, timeout=30
        )
        # Issued once inventory knows of the approval (it confirms the reservation then).
        await bus.wait_for(
            "inventory.reservation_confirmed",
            lambda body: body["order_id"] == orders[0].order_id,
            timeout=30,
        )
        await accepted(bus, issue(orders[0].order_id, location.location_id, (tea, "2")))
    await system.until_password_set(admin, PASSWORD)
    return Shop(admin, branch, *(order.order_id for order in orders))


def shots_folder(screenshots: Path) -> Path:
    if os.environ.get("OMS_README_SCREENSHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        return README_SHOTS
    return screenshots


def section(page: Page, title: str) -> Locator:
    return page.locator("section.report", has=page.get_by_role("heading", name=title, exact=True))


async def until_reported(page: Page, url: str, title: str, text: str) -> None:
    """The reports are computed at most every 30 s: reload until the events are learnt."""
    for _ in range(25):
        await page.goto(url)
        if text in (await section(page, title).text_content() or ""):
            return
        await page.wait_for_timeout(2000)
    raise AssertionError(f"{title} never showed {text}")


async def chart_table_and_csv(page: Page, report: Locator) -> list[list[str]]:
    """The report's rows as its table shows them (thousands separators dropped), after checking
    that every bar of its charts is the same number as its table cell and its CSV cell."""
    await report.get_by_text("Table").click()
    headers = await report.locator("thead th").all_inner_texts()
    table = [
        [cell.replace(",", "") for cell in await row.locator("td").all_inner_texts()]
        for row in await report.locator("tbody tr").all()
    ]
    href = await report.get_by_role("link", name="Download CSV").evaluate("a => a.href")
    answer = await page.request.get(href)
    assert answer.headers["content-type"].startswith("text/csv")
    [csv_headers, *csv_rows] = list(csv.reader(io.StringIO(await answer.text())))
    assert csv_headers == headers
    assert [row[: len(headers)] for row in csv_rows] == table
    bars = await report.locator("svg rect[data-row]").evaluate_all(
        "rects => rects.map(r => [r.dataset.row, r.dataset.column, r.dataset.value])"
    )
    assert bars, "a chart with no bars"
    for row, column, value in bars:
        assert table[int(row)][int(column)] == value == csv_rows[int(row)][int(column)]
    return table


async def test_sales_reconcile_net_of_tax_per_currency_by_date_and_time_zone(
    system: System, shop: Shop, browser: Browser, screenshots: Path
) -> None:
    ada = await person(browser)
    await ada.goto(f"{system.url}/reports")
    await sign_in(ada, shop.admin)
    url = f"{system.url}/reports?branch_id={shop.branch}"
    await until_reported(ada, url, "Sales by branch", "net 3,000 JPY")
    await expect(
        ada.get_by_text("Dates are in UTC; sales are net of tax by order date")
    ).to_be_visible()

    by_branch = section(ada, "Sales by branch")
    # One chart per currency: EUR, JPY and USD never share a scale.
    charts = by_branch.locator("svg.chart")
    await expect(charts).to_have_count(3)
    assert await charts.evaluate_all("cs => cs.map(c => c.dataset.currency)") == [
        "EUR",
        "JPY",
        "USD",
    ]
    # Every number says what it is: no bare "21".
    await expect(by_branch.locator("svg title", has_text="net 50.00 EUR")).to_have_count(1)
    await expect(by_branch.locator("svg title", has_text="net 21.00 USD")).to_have_count(1)
    await expect(by_branch.locator("svg text", has_text=f"{shop.branch} · 1 order")).to_have_count(
        3
    )
    table = await chart_table_and_csv(ada, by_branch)
    assert table == [
        [shop.branch, "EUR", "1", "50.00", "8.30", "58.30"],
        [shop.branch, "JPY", "1", "3000", "570", "3570"],  # no decimals in yen
        [shop.branch, "USD", "1", "21.00", "0.00", "21.00"],
    ]
    await expect(by_branch.locator("td.num").first).to_have_css("text-align", "right")
    for title in ("Sales by month", "Sales by customer", "Stock on hand and reserved"):
        await chart_table_and_csv(ada, section(ada, title))
    await ada.goto(url)
    await section(ada, "Sales by branch").get_by_text("Table").click()
    await ada.evaluate("window.scrollTo(0, 0)")
    await ada.screenshot(
        path=shots_folder(screenshots) / "reports.png",
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1200, "height": 1900},
    )

    # By goods-issue date: half of the 19 % item of the EUR order was issued.
    await ada.get_by_label("Count sales by").select_option(label="goods-issue date")
    await ada.get_by_label("Time zone").select_option("Asia/Tokyo")
    await ada.get_by_role("button", name="Show").click()
    await expect(
        ada.get_by_text("Dates are in Asia/Tokyo; sales are net of tax by goods-issue date")
    ).to_be_visible()
    assert await chart_table_and_csv(ada, section(ada, "Sales by branch")) == [
        [shop.branch, "EUR", "1", "20.00", "3.80", "23.80"]
    ]
    await expect(section(ada, "Sales by month")).to_contain_text("in Asia/Tokyo")

    # Nothing invoiced: the empty report says what to do.
    await ada.get_by_label("Count sales by").select_option(label="invoice date")
    await ada.get_by_role("button", name="Show").click()
    await expect(section(ada, "Sales by branch").locator(".empty")).to_contain_text(
        "No invoices in this period"
    )
    # A time zone that does not exist is refused in words.
    answer = await ada.goto(f"{system.url}/reports?tz=Mars/Base")
    assert answer is not None
    assert answer.status == 400
    await expect(ada.get_by_text("'Mars/Base' is not a time zone name")).to_be_visible()


async def test_a_person_chooses_their_date_format_and_time_zone(
    system: System, shop: Shop, browser: Browser
) -> None:
    ada = await person(browser)
    await ada.goto(f"{system.url}/preferences")
    await sign_in(ada, shop.admin)
    await ada.get_by_label("Dates").select_option(label="31.12.2026")
    await ada.get_by_label("Time zone").select_option("Europe/Berlin")
    await ada.get_by_role("button", name="Save preferences").click()
    await expect(ada.get_by_text("Your preferences were saved.")).to_be_visible()
    # The dates' hint (the away form's labels name the time zone too).
    hint = ada.locator("p.hint", has_text="(Europe/Berlin)")
    await expect(hint).to_be_visible()
    assert (await hint.inner_text()).split("Now it is ")[1][2] == "."  # 06.12.2026
    await ada.goto(f"{system.url}/reports")
    await expect(ada.get_by_text("Dates are in Europe/Berlin")).to_be_visible()

    # What the page does not offer is refused in words, and nothing changes.
    await ada.goto(f"{system.url}/preferences")
    csrf = await ada.locator("main input[name=csrf]").first.get_attribute("value")
    for sent, words in [
        ({"date_style": "klingon"}, "date style: 'klingon' is none of iso, dmy, dmy-dot, mdy."),
        ({"time_zone": "Mars/Base"}, "time zone: 'Mars/Base' is not a time zone name"),
    ]:
        answer = await ada.request.post(
            f"{system.url}/preferences", form={"csrf": csrf or "", **sent}
        )
        assert answer.status == 422
        assert words in html.unescape(await answer.text())
    await ada.reload()
    await expect(ada.get_by_label("Time zone")).to_have_value("Europe/Berlin")


PAGES = ("/inbox", "/orders", "/orders/new", "/orders/{euro}", "/stock?branch_id={branch}",
         "/reports", "/reports?branch_id={branch}", "/preferences", "/configuration")  # fmt: skip


async def test_every_main_page_fits_a_phone_and_shows_amounts_in_their_decimals(
    system: System, shop: Shop, browser: Browser, screenshots: Path
) -> None:
    phone = await person(browser, phone=True)
    await phone.goto(f"{system.url}/inbox")
    await sign_in(phone, shop.admin)
    await expect(phone.get_by_text("Nothing waits for your approval.")).to_be_visible()
    for path in PAGES:
        await phone.goto(system.url + path.format(euro=shop.euro, branch=shop.branch))
        wide = await phone.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert wide[0] <= wide[1] == 390, f"{path} scrolls sideways on a phone: {wide}"
        name = path.split("?")[0].strip("/").replace("/", "-").replace("{euro}", "order")
        await phone.screenshot(path=screenshots / f"phone-{name}.png", full_page=True)
    desk = await person(browser)
    await desk.goto(f"{system.url}/orders/{shop.euro}")
    await sign_in(desk, shop.admin)
    await expect(desk.locator("td.num", has_text="58.30").first).to_be_visible()
    # The goods issue form offers what is left to issue: 2 of the 4 TEA, both CUP.
    left = (await desk.get_by_label("Items, one per line").input_value()).split("\n")
    assert [row.split()[1] for row in left if row.strip()] == ["2", "2"], left
    await desk.screenshot(path=shots_folder(screenshots) / "order.png", full_page=True)

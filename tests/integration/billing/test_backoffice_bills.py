"""A held supplier bill accepted from the back office's page, over the real broker and
billing service: the page reads the held bills from billing's query (with their reasons) and
sends billing.accept_bill as the back office for the person signed in; billing approves it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.backoffice.bus import Broker
from services.backoffice.reads import Reads
from services.backoffice.settings import BackofficeSettings
from shared.runtime import OmsApp
from tests.support.bus import Bus, having
from tests.support.flows import once_known
from tests.support.purchases import approved_purchase, bill, received
from tests.support.services import Environment, asgi_get
from tests.unit.test_backoffice_books import CSRF, Office, _client

SECONDS = 30.0


@pytest.fixture
async def office(env: Environment, billing: OmsApp) -> AsyncIterator[Office]:
    """The back office's pages with its real broker client and its real reads of billing
    (in process: billing's HTTP routes, with the back office's own credential)."""
    reads = Reads(BackofficeSettings(environment="development"))
    await reads.client.aclose()
    reads.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=billing))
    reads.urls["billing"] = "http://billing"
    broker = Broker(env.settings("backoffice")["amqp_url"], [], answer_timeout=SECONDS)
    await broker.start()
    yield Office(reads=reads, broker=broker)  # type: ignore[arg-type]
    await broker.stop()
    await reads.close()


async def test_a_held_bill_is_accepted_from_the_page(
    billing: OmsApp, bus: Bus, office: Office
) -> None:
    po = await approved_purchase(bus)
    await received(bus, po, (po.skus[0], "10"))
    record = bill(po, (0, "10", "4.50", "0"))  # 4.05 ordered: a price variance
    await once_known(bus, record, "unknown_order")
    await bus.wait_for("billing.bill_held", having(bill_id=record.bill_id), timeout=SECONDS)
    async with _client(office, "ada") as ada:
        listed = await ada.get("/bills", params={"vendor_id": po.vendor_id})
        assert listed.status_code == 200, listed.text
        assert f"Line 1 ({po.skus[0]}): unit price billed 4.50, expected 4.05" in listed.text
        accepted = await ada.post(
            f"/bills/{record.bill_id}/accept",
            data={"csrf": CSRF, "notes": "price rise agreed", "back": "list"},
        )
        assert accepted.status_code == 303, accepted.text
    [approved] = await bus.wait_for(
        "billing.bill_approved", having(bill_id=record.bill_id), timeout=SECONDS
    )
    assert (approved.body["approval"], approved.body["approved_by"]) == ("accepted", "ada")
    assert approved.body["notes"] == "price rise agreed"
    _, [found] = await asgi_get(billing, "/bills", f"bill_id={record.bill_id}")
    assert found["status"] == "approved"

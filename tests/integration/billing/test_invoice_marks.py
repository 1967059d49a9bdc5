"""A sales order's invoice costs billing's copy of the order no write of its own: the mark rides
on the copy's next write. A crash before the invoice is stored, or after it and before the copy
says so, is finished by the redelivery (or by another replica) with each bill invoiced once and
the series without gaps, by the real store and its unique indexes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from services.billing.common.dunning import DunningPolicy
from services.billing.receivables import repository
from services.billing.receivables.domain import CustomerInvoice, PolicyRecord
from services.billing.receivables.domain.policies import policy_id
from services.billing.receivables.handlers import ReceivablesHandlers
from services.billing.receivables.repository import (
    CUSTOMER_INVOICES,
    OUTBOX_COLLECTIONS,
    SALES_ORDERS,
    Stores,
    stores,
)
from shared.contracts.base import Message
from shared.contracts.common import OrderKind
from shared.contracts.inventory import GoodsIssued, LineProgress, StockLine
from shared.contracts.orders import OrderCompleted
from shared.contracts.receivables import InvoicingPolicy, SetInvoicingPolicy
from shared.storage.mongo import Document, connect, database
from shared.storage.outbox import OutboxRelay
from tests.support.commands import Sent
from tests.support.factories import unique
from tests.support.services import Environment
from tests.unit.test_receivables import quotation_like

D = Decimal
ORDERED = {"A": 3, "B": 7, "C": 1}


@pytest.fixture
def writes() -> Sent:
    return Sent()


@pytest.fixture
async def db(env: Environment, mongo: Any, writes: Sent) -> AsyncIterator[Any]:
    client = connect(mongo.url, app_name="oms-tests", listeners=[writes])
    db = database(client, env.database("invoice-marks"))
    await repository.create_indexes(db)
    yield db
    await client.close()


async def _publish(_entry: Document) -> None:
    return None


def _process(db: Any) -> tuple[ReceivablesHandlers, Stores]:
    """A billing process (a replica, or one restarted): remembers nothing yet."""
    relay = OutboxRelay(db, list(OUTBOX_COLLECTIONS), _publish, owner=unique("billing"))
    here = stores(db, relay)
    return ReceivablesHandlers(here, dunning=DunningPolicy((1, 3, 7))), here


class Shop:
    """One branch with its own policy and invoice series, and its orders' events."""

    def __init__(self, handle: ReceivablesHandlers, which: InvoicingPolicy) -> None:
        self.handle, self.which = handle, which
        self.branch, self.series = unique("BR"), unique("S")

    async def open(self) -> None:
        cmd = SetInvoicingPolicy(
            branch_id=self.branch, policy=self.which, invoice_series=self.series, set_by="root"
        )
        await self.handle.policies.create_or_change(
            policy_id(self.branch, None),
            cmd,
            create=lambda: PolicyRecord.set(cmd),
            change=lambda record: record.change(cmd),
        )

    async def approved(self) -> str:
        order_id = unique("SO")
        approved = quotation_like(order_id=order_id, branch_id=self.branch, party_id=unique("C"))
        await self.handle.order_approved(approved)
        return order_id

    def issued(self, order_id: str, *skus: str) -> GoodsIssued:
        left = [sku for sku in ORDERED if sku not in skus]
        return GoodsIssued(
            order_id=order_id,
            issue_id=unique("ISS"),
            location_id="LOC-1",
            branch_id=self.branch,
            lines=[StockLine(sku=sku, quantity=D(ORDERED[sku])) for sku in skus],
            issued_by="clerk",
            order_lines=[],
            backorder=[StockLine(sku=sku, quantity=D(ORDERED[sku])) for sku in left],
            completed=not left,
        )

    def completed(self, order_id: str) -> OrderCompleted:
        return OrderCompleted(
            order_id=order_id,
            kind=OrderKind.SALES,
            party_id="C-1",
            branch_id=self.branch,
            lines=[LineProgress(sku=s, ordered=D(q), fulfilled=D(q)) for s, q in ORDERED.items()],
        )


async def _approved(
    db: Any, which: InvoicingPolicy
) -> tuple[ReceivablesHandlers, Stores, Shop, str]:
    """A billing process, a branch invoicing by ``which``, and an order approved there."""
    handle, here = _process(db)
    shop = Shop(handle, which)
    await shop.open()
    return handle, here, shop, await shop.approved()


async def _invoices(here: Stores, order_id: str) -> list[tuple[int, str]]:
    return [(i.number, i.bill) for i in await here.invoices_of(order_id)]


async def _marks(here: Stores, order_id: str) -> list[str | None]:
    order = await here.orders.read(order_id)
    assert order is not None
    return [bill.invoice_id for bill in order.bills]


class LostAnswer(ConnectionError):
    """The write reached the database; its answer did not reach the process."""


async def _stored_then_lost(
    handle: ReceivablesHandlers, here: Stores, issued: GoodsIssued, mp: pytest.MonkeyPatch
) -> None:
    """``issued`` is handled: its invoice is stored and the database's answer is lost, as if
    the process had crashed there."""
    add = here.invoices.add_in_order

    async def stored_then_lost(made: list[tuple[CustomerInvoice, Message]]) -> tuple[int, None]:
        await add(made)
        raise LostAnswer

    mp.setattr(here.invoices, "add_in_order", stored_then_lost)
    with pytest.raises(LostAnswer):
        await handle.goods_issued(issued)
    mp.undo()


async def test_a_completed_order_is_invoiced_with_one_write_of_its_copy(
    db: Any, writes: Sent
) -> None:
    handle, here, shop, order_id = await _approved(db, InvoicingPolicy.ON_COMPLETION)
    await handle.goods_issued(shop.issued(order_id, *ORDERED))
    writes.clear()
    await handle.order_completed(shop.completed(order_id))
    assert writes.written() == {("update", SALES_ORDERS): 1, ("insert", CUSTOMER_INVOICES): 1}
    assert await _invoices(here, order_id) == [(1, "completion")]


async def test_a_crash_before_the_invoice_is_stored_is_finished_by_the_redelivery(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, here, shop, order_id = await _approved(db, InvoicingPolicy.ON_COMPLETION)
    await handle.goods_issued(shop.issued(order_id, *ORDERED))
    done = shop.completed(order_id)

    async def fail(made: list[tuple[CustomerInvoice, Message]]) -> tuple[int, None]:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(here.invoices, "add_in_order", fail)
    with pytest.raises(ConnectionError):
        await handle.order_completed(done)
    assert await _marks(here, order_id) == [None]  # the bill is on the copy, not stored
    monkeypatch.undo()
    await handle.order_completed(done)  # redelivered
    await handle.order_completed(done)  # and again
    assert await _invoices(here, order_id) == [(1, "completion")]


async def test_an_invoice_stored_before_a_crash_is_found_stored_not_issued_again(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, here, shop, order_id = await _approved(db, InvoicingPolicy.PER_ISSUE)
    first = shop.issued(order_id, "A")
    await _stored_then_lost(handle, here, first, monkeypatch)
    await handle.goods_issued(first)  # redelivered to the same process
    restarted, there = _process(db)
    await restarted.goods_issued(first)  # and to one that remembers nothing
    await restarted.goods_issued(shop.issued(order_id, "B", "C"))
    bills = await _invoices(there, order_id)
    assert [number for number, _ in bills] == [1, 2]  # once each, no gap
    first_invoice = f"{shop.series}-000001"
    assert await _marks(there, order_id) == [first_invoice, None]  # rode on the second write
    another = await shop.approved()
    await handle.goods_issued(shop.issued(another, "A"))
    assert [number for number, _ in await _invoices(here, another)] == [3]


async def test_invoices_issued_together_share_one_insert_numbered_in_order(
    db: Any, writes: Sent
) -> None:
    handle, here, shop, first = await _approved(db, InvoicingPolicy.PER_ISSUE)
    orders = [first, *[await shop.approved() for _ in range(5)]]
    writes.clear()
    await asyncio.gather(*(handle.goods_issued(shop.issued(o, *ORDERED)) for o in orders))
    numbers = [[n for n, _ in await _invoices(here, o)] for o in orders]
    assert sorted(n for found in numbers for n in found) == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]  # each order once, no gap
    # The first goes alone at once; those made while it is out share the next round trip.
    assert writes.written()[("insert", CUSTOMER_INVOICES)] <= 2


async def test_a_number_another_replica_took_meanwhile_numbers_the_rest_again(
    db: Any,
) -> None:
    handle, here, shop, first = await _approved(db, InvoicingPolicy.PER_ISSUE)
    await handle.goods_issued(shop.issued(first, *ORDERED))  # this process stores number 1
    other, _ = _process(db)
    taken = await shop.approved()
    await other.goods_issued(shop.issued(taken, *ORDERED))  # another replica takes 2
    orders = [await shop.approved() for _ in range(3)]
    # This process tries 2, 3, 4 in order: 2 is taken, so none is stored, and the round goes
    # again from the highest stored number.
    await asyncio.gather(*(handle.goods_issued(shop.issued(o, *ORDERED)) for o in orders))
    numbers = {o: [n for n, _ in await _invoices(here, o)] for o in [first, taken, *orders]}
    assert sorted(n for found in numbers.values() for n in found) == [1, 2, 3, 4, 5]
    assert all(len(found) == 1 for found in numbers.values())


async def test_a_cause_that_stored_its_invoice_before_gets_it_and_its_round_is_stored(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle, here, shop, first = await _approved(db, InvoicingPolicy.PER_ISSUE)
    issued = shop.issued(first, *ORDERED)
    await _stored_then_lost(handle, here, issued, monkeypatch)
    restarted, there = _process(db)  # remembers nothing: tries the first bill again
    later = [await shop.approved() for _ in range(2)]
    await asyncio.gather(
        restarted.goods_issued(issued),  # redelivered: its number 1 is found stored
        *(restarted.goods_issued(shop.issued(o, *ORDERED)) for o in later),
    )
    numbers = [[n for n, _ in await _invoices(there, o)] for o in [first, *later]]
    assert numbers[0] == [1]
    assert sorted(numbers[1] + numbers[2]) == [2, 3]

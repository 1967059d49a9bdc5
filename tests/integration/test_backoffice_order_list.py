"""The back office's order list on the real database: sorted by total as amounts (not as text),
counted, filtered by the partial statuses inventory's events lead to, exported whole; orders
learnt before totals were sortable get a sortable total when the back office starts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.backoffice.orders_view import ORDERS, Filters, OrderList, create_indexes
from shared.contracts import (
    GoodsIssued,
    LineProgress,
    OrderApproved,
    OrderCreated,
    OrderKind,
    OrderSubmitted,
    StockLine,
)
from shared.storage.mongo import database
from tests.support.factories import lines, unique
from tests.support.metrics import CountedBulkWrites
from tests.support.services import Environment

pytestmark = pytest.mark.integration


def created(branch: str, price: str) -> OrderCreated:
    return OrderCreated(
        order_id=unique("SO"),
        kind=OrderKind.SALES,
        party_id="SHOP",
        branch_id=branch,
        created_by="carl",
        currency="USD",
        lines=lines(("BOLT", "1", price)),
        total=Decimal(price),
    )


async def test_the_list_sorts_totals_as_amounts_counts_and_shows_partial_issues(
    mongo_client: Any, env: Environment
) -> None:
    db = database(mongo_client, env.database("backoffice"))
    await create_indexes(db)
    orders, branch = OrderList(db), unique("BR")
    small, large, middle = (created(branch, p) for p in ("9.00", "100.00", "60.00"))
    for event in (small, large, middle):
        await orders.learn(event)
    await orders.learn(
        GoodsIssued(
            order_id=middle.order_id,
            issue_id="GI-1",
            location_id="L",
            branch_id=branch,
            lines=[StockLine(sku="BOLT", quantity=Decimal("1"))],
            issued_by="clerk",
            order_lines=[LineProgress(sku="BOLT", ordered=Decimal(2), fulfilled=Decimal(1))],
            backorder=[StockLine(sku="BOLT", quantity=Decimal("1"))],
            completed=False,
            occurred_at=middle.occurred_at + timedelta(seconds=1),
        )
    )

    by_total = Filters.read({"branch_id": branch, "sort": "total", "direction": "desc"})
    found, more = await orders.page(by_total)
    assert [o["order_id"] for o in found] == [large.order_id, middle.order_id, small.order_id]
    assert not more
    assert await orders.count(by_total) == (3, False)
    assert [o["total"] for o in await orders.export(by_total)] == ["100.00", "60.00", "9.00"]
    partly = Filters(branch_id=branch, status="partially_issued")
    assert [o["order_id"] for o in (await orders.page(partly))[0]] == [middle.order_id]

    # An order learnt before the sortable total existed gets one at the next start.
    older = unique("SO")
    await db[ORDERS].insert_one({"_id": older, "branch_id": branch, "total": "1000.00"})
    await create_indexes(db)
    found, _ = await orders.page(by_total)
    assert found[0]["order_id"] == older


async def test_older_events_and_repeats_change_nothing_and_no_write_is_sent_again(
    mongo_client: Any, env: Environment
) -> None:
    """The newest status stays whatever order the events come in; an older event still adds
    its facts (the creation day); no write fails, so none is sent twice; one order's writes
    in a round go as one statement."""
    orders = OrderList(database(mongo_client, env.database("backoffice")))
    counted = orders.writes.collection = CountedBulkWrites(orders.orders)  # type: ignore[assignment]
    at = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # stored to the millisecond
    made = created(unique("BR"), "12.00").model_copy(update={"occurred_at": at})
    fields = made.model_dump(exclude={"message_id", "occurred_at"})
    submitted = OrderSubmitted(
        **fields,
        attempt=1,
        submitted_by="carl",
        occurred_at=made.occurred_at + timedelta(seconds=1),
    )
    approved = OrderApproved(
        **fields, attempt=1, occurred_at=made.occurred_at + timedelta(seconds=2)
    )

    await asyncio.gather(*(orders.learn(e) for e in (approved, made, submitted, approved)))
    await orders.learn(submitted)  # a later round: an older event alone
    await orders.learn(made)

    assert counted.sent == [1, 1, 1]
    doc = await orders.orders.find_one({"_id": made.order_id})
    assert doc is not None
    assert (doc["status"], doc["status_at"]) == ("approved", approved.occurred_at)
    assert doc["created_on"] == made.occurred_at.isoformat()
    assert (doc["total"], doc["total_value"]) == ("12.00", Decimal("12.00"))


async def test_facts_this_process_wrote_already_are_not_sent_again_changed_ones_are(
    mongo_client: Any, env: Environment
) -> None:
    """Every order event carries the order's facts; once written, the same values go no more
    (the row is marked by hand in between to show it), a changed total does, and another
    process, which remembers nothing, writes them all."""
    db = database(mongo_client, env.database("backoffice"))
    orders = OrderList(db)
    made = created(unique("BR"), "12.00")
    fields = made.model_dump(exclude={"message_id", "occurred_at"})
    await orders.learn(made)
    await db[ORDERS].update_one({"_id": made.order_id}, {"$set": {"party_id": "MARKED"}})
    submitted = OrderSubmitted(
        **fields, attempt=1, submitted_by="carl", occurred_at=made.occurred_at + timedelta(1)
    )
    await orders.learn(submitted)
    doc = await db[ORDERS].find_one({"_id": made.order_id})
    assert doc is not None
    assert (doc["status"], doc["party_id"]) == ("pending_approval", "MARKED")

    changed = {**fields, "total": Decimal("15.00")}
    approved = OrderApproved(**changed, attempt=1, occurred_at=made.occurred_at + timedelta(2))
    await orders.learn(approved)
    doc = await db[ORDERS].find_one({"_id": made.order_id})
    assert doc is not None
    assert (doc["status"], doc["total"], doc["party_id"]) == ("approved", "15.00", "MARKED")

    await OrderList(db).learn(approved)  # another replica, or this one restarted
    doc = await db[ORDERS].find_one({"_id": made.order_id})
    assert doc is not None
    assert (doc["total"], doc["party_id"]) == ("15.00", "SHOP")

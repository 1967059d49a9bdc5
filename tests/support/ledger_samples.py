"""A valid message per consumer of billing's ledger part, and the evidence that it was
processed, for ``tests/integration/test_bad_input.py``. (Its events that the subscriptions part
consumes too come from the same queues: their samples are in billing_samples.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.contracts.inventory import GoodsIssued, LineCost, StockAdjusted
from shared.contracts.returns import ReturnDestination, ReturnedLine, ReturnReason, ReturnReceived
from shared.contracts.work_orders import ComponentsIssued
from tests.support.consumers import command, event
from tests.support.factories import unique
from tests.support.inventory import eventually
from tests.support.inventory_samples import Sample, SampleContext, _answered
from tests.support.ledger import chart, receipt

COSTS = [LineCost(sku="A", quantity=Decimal(2), unit_cost=Decimal("1.50"), cost=Decimal("3.00"))]


async def s_define_chart(ctx: SampleContext) -> None:
    body = await _answered(ctx, chart())
    assert body["revision"] >= 1, body


async def _recorded(ctx: SampleContext, message: Any, entry_id: str) -> None:
    await ctx.bus.send(message)
    await eventually(
        lambda: ctx.db.journal.find_one({"_id": entry_id}),
        lambda doc: doc is not None,
        what=f"{entry_id} in the journal",
    )


async def s_goods_received(ctx: SampleContext) -> None:
    goods = receipt(("A", "2", "1.50"))
    await _recorded(ctx, goods, f"goods_receipt:{goods.receipt_id}")


async def s_goods_issued(ctx: SampleContext) -> None:
    issue = GoodsIssued(
        order_id=unique("SO"),
        issue_id=unique("GI"),
        location_id="L-1",
        branch_id="BR-1",
        lines=[],
        issued_by="ann",
        order_lines=[],
        backorder=[],
        completed=True,
        costs=COSTS,
        cost_currency="EUR",
    )
    await _recorded(ctx, issue, f"goods_issue:{issue.issue_id}")


async def s_stock_adjusted(ctx: SampleContext) -> None:
    adjusted = StockAdjusted(
        adjustment_id=unique("ADJ"),
        sku="A",
        location_id="L-1",
        branch_id="BR-1",
        quantity=Decimal(-2),
        reason="count",
        adjusted_by="ann",
        on_hand=Decimal(5),
        costs=COSTS,
        cost_currency="EUR",
    )
    await _recorded(ctx, adjusted, f"stock_adjustment:{adjusted.adjustment_id}")


async def s_components_issued(ctx: SampleContext) -> None:
    issued = ComponentsIssued(
        work_order_id=unique("WO"),
        attempt=1,
        location_id="L-1",
        branch_id="BR-1",
        lines=[],
        costs=COSTS,
        cost_currency="EUR",
    )
    await _recorded(ctx, issued, f"components_issue:{issued.work_order_id}#1")


async def s_return_received(ctx: SampleContext) -> None:
    back = ReturnReceived(
        return_id=unique("RMA"),
        order_id=unique("SO"),
        branch_id="BR-1",
        location_id="L-1",
        destination=ReturnDestination.STOCK,
        reason=ReturnReason.UNWANTED,
        lines=[ReturnedLine(sku="A", quantity=Decimal(1), unit_cost=Decimal(2), cost=Decimal(2))],
        currency="EUR",
        received_by="ann",
    )
    await _recorded(ctx, back, f"return_receipt:{back.return_id}")


LEDGER_SAMPLES: dict[tuple[str, str], Sample] = {
    command("billing.define_chart_of_accounts"): s_define_chart,
    event("billing", "inventory.goods_received"): s_goods_received,
    event("billing", "inventory.goods_issued"): s_goods_issued,
    event("billing", "inventory.stock_adjusted"): s_stock_adjusted,
    event("billing", "inventory.components_issued"): s_components_issued,
    event("billing", "inventory.return_received"): s_return_received,
}

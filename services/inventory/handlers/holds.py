"""Trim what a sales order or a work order holds down to what it may hold now (both use it)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from services.inventory.domain.holds import Holder
from services.inventory.repository import StockRecords
from shared.contracts import Message


async def trim_holds(
    stock: StockRecords, holder: Holder, targets: dict[str, Decimal], cause: Message, *, key: str
) -> None:
    """Release whatever ``holder`` holds beyond ``targets`` (per stock id; never adds)."""
    for record_id, target in targets.items():
        if holder.holds_more(await stock.by_id(record_id), target):
            await stock.change_existing(
                record_id, cause, partial(holder.trim, target=target), key=key
            )

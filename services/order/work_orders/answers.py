"""What the work-order query answers.

Each model names the fields a caller reads; what else is stored (the outbox, the ids of the
messages applied, the answers kept for them) is left out. Fields are only ever added.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from services.order.work_orders.domain.parts import WorkOrderStatus
from shared.contracts import (
    ReservedLine,
    StockLine,
    WorkOrderKind,
)
from shared.contracts.common import DecimalText
from shared.http import Answer

ZERO = Decimal(0)

# --- GET /work-orders ---------------------------------------------------------------------


class WorkOrderHistoryEntry(Answer):
    status: WorkOrderStatus
    at: datetime
    by: str | None = None
    attempt: int = 0
    note: str | None = None


class CompletionAnswer(Answer):
    """Units reported done (and scrapped), and whether inventory received them."""

    completion_id: str
    quantity: DecimalText
    scrap: DecimalText
    by: str
    at: datetime
    awaiting_receipt: bool = False
    refused: str | None = None


class WorkOrderReceiptAnswer(Answer):
    """Good units inventory received into stock for one completion."""

    completion_id: str
    location_id: str
    quantity: DecimalText
    at: datetime


class ShortageAnswer(Answer):
    """What inventory could not reserve for the latest release."""

    attempt: int
    location_id: str | None
    lines: list[ReservedLine]
    unknown_skus: list[str] = []


class WorkOrderAnswer(Answer):
    """One work order: its bill of materials, status, issues, completions, receipts and
    history."""

    work_order_id: str
    kind: WorkOrderKind
    branch_id: str
    item_sku: str | None = None
    description: str | None = None
    quantity: DecimalText
    components: list[StockLine] = []
    created_by: str
    due_date: date | None = None
    status: WorkOrderStatus = WorkOrderStatus.CREATED
    attempt: int = 0
    location_id: str | None = None
    issued: list[StockLine] = []
    shortage: ShortageAnswer | None = None
    completions: list[CompletionAnswer] = []
    completed: DecimalText = ZERO
    scrapped: DecimalText = ZERO
    receipts: list[WorkOrderReceiptAnswer] = []
    released_components: list[StockLine] = []
    history: list[WorkOrderHistoryEntry] = []
    created_at: datetime
    updated_at: datetime
    version: int

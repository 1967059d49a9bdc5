"""Requests for quotation (RFQs) to suppliers, and the purchase orders they become.

An RFQ asks several suppliers for the same items and quantities; each supplier's reply (a unit
price per item, a lead time, a validity) is recorded; choosing one reply makes the purchase
order from it, once, and closes the other suppliers' part of the RFQ.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import CurrencyCode, Identifier, Quantity, UnitPrice
from shared.contracts.quotations import VALID_UNTIL, DocumentId


class RfqStatus(StrEnum):
    OPEN = "open"
    ORDERED = "ordered"
    CANCELLED = "cancelled"


class SupplierStatus(StrEnum):
    INVITED = "invited"
    REPLIED = "replied"
    CHOSEN = "chosen"
    CLOSED = "closed"


class RequestedLine(BaseModel):
    """One item asked for: which, how many."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: Quantity
    description: str | None = Field(default=None, max_length=500)


class QuotedPrice(BaseModel):
    """A supplier's unit price for one item of the RFQ, in the RFQ's currency."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    unit_price: UnitPrice


class _RfqCommand(Command):
    ordering_key: ClassVar[str | None] = "rfq_id"
    rfq_id: DocumentId


class CreateRfq(_RfqCommand):
    """Ask several suppliers for the same items and quantities (each item once)."""

    routing_key: ClassVar[str] = "order.create_rfq"
    answered_by: ClassVar[tuple[str, ...]] = ("order.rfq_created",)
    acting_person: ClassVar[str | None] = "created_by"
    branch_id: Identifier
    created_by: Identifier
    currency: CurrencyCode = Field(description="the currency the suppliers are asked to quote in")
    lines: list[RequestedLine] = Field(min_length=1, max_length=500)
    supplier_ids: list[Identifier] = Field(min_length=1, max_length=50)
    notes: str | None = Field(default=None, max_length=2000)


class RecordRfqReply(_RfqCommand):
    """Record a supplier's reply: a unit price for every item asked for, a lead time and how
    long the prices hold. A later reply from the same supplier replaces the earlier one."""

    routing_key: ClassVar[str] = "order.record_rfq_reply"
    answered_by: ClassVar[tuple[str, ...]] = ("order.rfq_reply_recorded",)
    acting_person: ClassVar[str | None] = "recorded_by"
    supplier_id: Identifier
    recorded_by: Identifier
    prices: list[QuotedPrice] = Field(min_length=1, max_length=500)
    lead_time_days: int = Field(ge=0, le=3650)
    valid_until: AwareDatetime = VALID_UNTIL
    notes: str | None = Field(default=None, max_length=2000)


class ChooseRfqReply(_RfqCommand):
    """Choose one supplier's reply: its purchase order is made (once, however often this is
    sent) and the other suppliers are closed."""

    routing_key: ClassVar[str] = "order.choose_rfq_reply"
    answered_by: ClassVar[tuple[str, ...]] = ("order.rfq_reply_chosen",)
    acting_person: ClassVar[str | None] = "chosen_by"
    supplier_id: Identifier
    chosen_by: Identifier = Field(description="who chooses; the purchase order's creator")
    order_id: Identifier | None = Field(
        default=None, description="the purchase order's id; default PO-<rfq_id>"
    )


class CancelRfq(_RfqCommand):
    """Withdraw an RFQ no reply was chosen from."""

    routing_key: ClassVar[str] = "order.cancel_rfq"
    answered_by: ClassVar[tuple[str, ...]] = ("order.rfq_cancelled",)
    acting_person: ClassVar[str | None] = "cancelled_by"
    cancelled_by: Identifier
    reason: str | None = Field(default=None, max_length=2000)


class _RfqEvent(Event):
    ordering_key: ClassVar[str | None] = "rfq_id"
    rfq_id: Identifier
    status: RfqStatus


class RfqCreated(_RfqEvent):
    routing_key: ClassVar[str] = "order.rfq_created"
    branch_id: Identifier
    created_by: Identifier
    currency: CurrencyCode
    lines: list[RequestedLine]
    supplier_ids: list[Identifier]


class RfqReplyRecorded(_RfqEvent):
    routing_key: ClassVar[str] = "order.rfq_reply_recorded"
    supplier_id: Identifier
    recorded_by: Identifier
    prices: list[QuotedPrice]
    lead_time_days: int
    valid_until: AwareDatetime
    replaced: bool = Field(description="true when it replaced an earlier reply of the supplier")


class RfqReplyChosen(_RfqEvent):
    """A supplier's reply was chosen: purchase order ``order_id`` (whose ``order.created``
    follows) is made from it; ``closed_supplier_ids`` are the suppliers not chosen."""

    routing_key: ClassVar[str] = "order.rfq_reply_chosen"
    supplier_id: Identifier
    chosen_by: Identifier
    order_id: Identifier
    closed_supplier_ids: list[Identifier]
    repeated: bool = Field(
        default=False, description="true when it had been chosen before: the same order"
    )


class RfqCancelled(_RfqEvent):
    routing_key: ClassVar[str] = "order.rfq_cancelled"
    cancelled_by: Identifier
    reason: str | None = None

"""Returns of goods issued against a sales order: authorized, then received back by inventory.

A return authorization names the order, its items and quantities, and why they come back. No
item may come back beyond what was issued for it less what earlier returns already took
(``return_exceeds_issued``). When the goods arrive, inventory receives them: back into stock at
the named location when the reason says they can be sold again (``unwanted``, ``wrong_item``),
into that location's quarantine otherwise (``damaged``, ``defective``), where they count as on
hand but are never reserved or issued. ``inventory.return_received`` carries the cost the goods
came back at (the cost they left at), and billing credits the customer from it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import CurrencyCode, DecimalText, Identifier
from shared.contracts.inventory import StockLine, StockLines

Notes = Annotated[str, Field(max_length=1000)]


class ReturnReason(StrEnum):
    """Why goods come back; it decides where they go."""

    UNWANTED = "unwanted"
    WRONG_ITEM = "wrong_item"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"

    @property
    def restock(self) -> bool:
        """Whether the goods go back into sellable stock (else into quarantine)."""
        return self in {ReturnReason.UNWANTED, ReturnReason.WRONG_ITEM}


class ReturnDestination(StrEnum):
    STOCK = "stock"
    QUARANTINE = "quarantine"


class AuthorizeReturn(Command):
    """Allow goods issued against a sales order to come back. Refused (``inventory.
    command_rejected``): ``return_exceeds_issued`` (more of an item than issued for the order
    less what its earlier returns took; the detail names the sku, issued and returnable),
    ``order_not_issued`` (the order issued nothing yet), ``unknown_order``, ``wrong_order_kind``
    (a purchase order), ``not_on_order``, ``invalid_quantity`` (finer than the item is counted
    in), ``duplicate_document`` (the order used this ``return_id`` before). Nothing changes on a
    refusal; the same message again is answered again."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.authorize_return"
    answered_by: ClassVar[tuple[str, ...]] = ("inventory.return_authorized",)
    acting_person: ClassVar[str | None] = "authorized_by"
    return_id: Identifier = Field(description="the return authorization's own id (RMA number)")
    order_id: Identifier = Field(description="the sales order the goods were issued against")
    lines: StockLines = Field(description="items and quantities allowed back")
    reason: ReturnReason
    notes: Notes = ""
    authorized_by: Identifier


class ReceiveReturn(Command):
    """The authorized goods arrived back, all of them (a return is received once). Refused:
    ``unknown_return`` (never authorized for the order), ``return_already_received``,
    ``unknown_order``, ``unknown_location``, ``wrong_location`` (a location of another branch
    than the order's). Nothing changes on a refusal; the same message again is answered
    again."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.receive_return"
    answered_by: ClassVar[tuple[str, ...]] = ("inventory.return_received",)
    acting_person: ClassVar[str | None] = "received_by"
    return_id: Identifier
    order_id: Identifier
    location_id: Identifier = Field(
        description="where the goods go: its stock, or its quarantine (per the reason)"
    )
    received_by: Identifier


class ReturnAuthorized(Event):
    """Goods of a sales order may come back: these items and quantities, for this reason."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.return_authorized"
    return_id: Identifier
    order_id: Identifier
    branch_id: Identifier
    lines: list[StockLine]
    reason: ReturnReason
    notes: str = ""
    authorized_by: Identifier


class ReturnedLine(BaseModel):
    """One item received back and the cost it came back at (the moving average it was issued
    at): ``cost`` is ``quantity`` x ``unit_cost``, to the currency's minor unit."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: DecimalText
    unit_cost: DecimalText
    cost: DecimalText


class ReturnReceived(Event):
    """The goods of a return are back at ``location_id``: in its sellable stock or its
    quarantine (``destination``), each line at the cost it was issued at. A line whose goods
    left without a known cost shows ``unit_cost`` and ``cost`` 0 (and ``currency`` is none when
    no line has a cost)."""

    ordering_key: ClassVar[str | None] = "order_id"
    routing_key: ClassVar[str] = "inventory.return_received"
    return_id: Identifier
    order_id: Identifier
    branch_id: Identifier
    location_id: Identifier
    destination: ReturnDestination
    reason: ReturnReason
    lines: list[ReturnedLine]
    currency: CurrencyCode | None = Field(
        default=None, description="the currency of the costs; none when the items have no cost"
    )
    received_by: Identifier

"""Work orders: the order service's commands and events, and inventory's answers to them.

A work order produces an item (``production``) or carries out a job (``service``) in a given
quantity, consuming components (its bill of materials). The order service owns its lifecycle;
inventory reserves and issues the components when it is released, receives the finished
quantity when it is completed, and releases what it still holds when it is cancelled. Every
stock movement is a ``StockMoved`` ledger entry with ``source_type`` ``work_order``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import AS_TEXT, FROM_TEXT, DecimalText, Identifier, Quantity
from shared.contracts.inventory import CostCurrency, Costs, ReservedLine, StockLine

NonNegativeQuantity = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False), FROM_TEXT, AS_TEXT
]


class WorkOrderKind(StrEnum):
    PRODUCTION = "production"
    SERVICE = "service"


class ComponentBasis(StrEnum):
    PER_UNIT = "per_unit"
    TOTAL = "total"


class ComponentLine(BaseModel):
    """One component of the bill of materials: per unit produced, or for the whole order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sku: Identifier
    quantity: Quantity
    basis: ComponentBasis = Field(
        default=ComponentBasis.PER_UNIT,
        description="per_unit: quantity for each unit of the work order; total: for all of it",
    )


# --- commands (order service) ----------------------------------------------------------------


class CreateWorkOrder(Command):
    """Create a work order: an item to produce (production) or a job to do (service)."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "order.create_work_order"
    answered_by: ClassVar[tuple[str, ...]] = ("order.work_order_created",)
    acting_person: ClassVar[str | None] = "created_by"
    work_order_id: Identifier
    branch_id: Identifier
    kind: WorkOrderKind
    item_sku: Identifier | None = Field(
        default=None, description="the item produced and received into stock (production only)"
    )
    description: str | None = Field(
        default=None, max_length=2000, description="what the job is (required for service)"
    )
    quantity: Quantity
    components: list[ComponentLine] = Field(default_factory=list, max_length=500)
    created_by: Identifier
    due_date: date | None = None


class ReleaseWorkOrder(Command):
    """Release a work order to the shop floor: inventory reserves and issues its components.

    Also re-releases a work order that was short of components, once stock has arrived.
    """

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "order.release_work_order"
    answered_by: ClassVar[tuple[str, ...]] = ("order.work_order_released",)
    acting_person: ClassVar[str | None] = "released_by"
    work_order_id: Identifier
    released_by: Identifier


class CompleteWorkOrder(Command):
    """Report finished (and scrapped) quantity; repeated until the whole quantity is done."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "order.complete_work_order"
    answered_by: ClassVar[tuple[str, ...]] = (
        "order.work_order_partially_completed",
        "order.work_order_completed",
    )
    acting_person: ClassVar[str | None] = "completed_by"
    work_order_id: Identifier
    completion_id: Identifier = Field(description="identifies this report; sent twice, once")
    quantity: NonNegativeQuantity = Field(description="good units finished by this report")
    scrap: NonNegativeQuantity = Field(default=Decimal(0), description="units lost (not stocked)")
    completed_by: Identifier


class CancelWorkOrder(Command):
    """Cancel a work order that is not completed: inventory releases what it still holds."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "order.cancel_work_order"
    answered_by: ClassVar[tuple[str, ...]] = ("order.work_order_cancelled",)
    acting_person: ClassVar[str | None] = "cancelled_by"
    work_order_id: Identifier
    cancelled_by: Identifier
    reason: str | None = Field(default=None, max_length=2000)


# --- events (order service) ------------------------------------------------------------------


class _WorkOrderFacts(Event):
    ordering_key: ClassVar[str | None] = "work_order_id"
    work_order_id: Identifier
    kind: WorkOrderKind
    branch_id: Identifier
    item_sku: Identifier | None
    description: str | None
    quantity: DecimalText
    components: list[StockLine] = Field(
        description="what the whole work order consumes, per sku (per-unit lines multiplied)"
    )
    created_by: Identifier
    due_date: date | None


class WorkOrderCreated(_WorkOrderFacts):
    routing_key: ClassVar[str] = "order.work_order_created"


class WorkOrderReleased(_WorkOrderFacts):
    """Released (again, after a shortage: a new ``attempt``): inventory takes the components."""

    routing_key: ClassVar[str] = "order.work_order_released"
    attempt: int = Field(ge=1)
    released_by: Identifier


class _CompletionFacts(Event):
    ordering_key: ClassVar[str | None] = "work_order_id"
    work_order_id: Identifier
    kind: WorkOrderKind
    branch_id: Identifier
    item_sku: Identifier | None = Field(description="received into stock; none for service")
    completion_id: Identifier
    quantity: DecimalText = Field(description="good units finished by this report")
    scrap: DecimalText
    completed_total: DecimalText
    scrapped_total: DecimalText
    remaining: DecimalText
    completed_by: Identifier


class WorkOrderPartiallyCompleted(_CompletionFacts):
    """Part of the quantity is done; inventory receives the good units."""

    routing_key: ClassVar[str] = "order.work_order_partially_completed"


class WorkOrderCompleted(_CompletionFacts):
    """The whole quantity is done (good plus scrap); inventory receives the last good units."""

    routing_key: ClassVar[str] = "order.work_order_completed"


class WorkOrderCancelled(Event):
    """Cancelled: inventory releases what is reserved; components issued stay consumed."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "order.work_order_cancelled"
    work_order_id: Identifier
    kind: WorkOrderKind
    branch_id: Identifier
    cancelled_by: Identifier
    reason: str | None = None


# --- events (inventory service) --------------------------------------------------------------


class ComponentsIssued(Event):
    """Every component of the release was reserved and issued from stock."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "inventory.components_issued"
    work_order_id: Identifier
    attempt: int = Field(ge=1)
    location_id: Identifier
    branch_id: Identifier
    lines: list[StockLine]
    costs: Costs = []
    cost_currency: CostCurrency = None


class ComponentsShort(Event):
    """Some component is short: what is available stays reserved, nothing is issued yet."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "inventory.components_short"
    work_order_id: Identifier
    attempt: int = Field(ge=1)
    location_id: Identifier | None = Field(description="None: the branch has no location yet")
    branch_id: Identifier
    lines: list[ReservedLine]
    unknown_skus: list[Identifier] = Field(
        default_factory=list, description="items inventory does not know (define them first)"
    )


class ProductionReceived(Event):
    """Good units of a completion were received into stock."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "inventory.production_received"
    work_order_id: Identifier
    completion_id: Identifier
    location_id: Identifier
    branch_id: Identifier
    sku: Identifier
    quantity: DecimalText
    received_total: DecimalText


class ProductionRefused(Event):
    """Inventory could not receive a completion's good units (an item it does not know, no
    location at the branch, a quantity finer than the item is counted in): the work order takes
    the completion back, and may be completed again with a new completion id."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "inventory.production_refused"
    work_order_id: Identifier
    completion_id: Identifier
    branch_id: Identifier
    sku: Identifier
    quantity: DecimalText
    reason: str = Field(description="the rule, e.g. unknown_item, no_location, invalid_quantity")
    detail: str = Field(description="what is wrong, in a sentence a person can act on")


class ComponentsReleased(Event):
    """A cancelled work order's reservation was released; what was issued stays consumed."""

    ordering_key: ClassVar[str | None] = "work_order_id"
    routing_key: ClassVar[str] = "inventory.components_released"
    work_order_id: Identifier
    location_id: Identifier | None
    released: list[StockLine]
    consumed: list[StockLine]

"""The work orders part's rows of the order service's table."""

from __future__ import annotations

from services.order.work_orders.handlers import WorkOrderHandlers
from services.order.work_orders.queries import work_order_queries
from services.order.work_orders.repository import WORK_ORDERS
from shared.contracts import (
    CancelWorkOrder,
    CompleteWorkOrder,
    ComponentsIssued,
    ComponentsReleased,
    ComponentsShort,
    CreateWorkOrder,
    ProductionReceived,
    ProductionRefused,
    ReleaseWorkOrder,
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderPartiallyCompleted,
    WorkOrderReleased,
)
from shared.parts import Part

TABLE = Part[WorkOrderHandlers](
    commands={
        CreateWorkOrder: WorkOrderHandlers.create,
        ReleaseWorkOrder: WorkOrderHandlers.release,
        CompleteWorkOrder: WorkOrderHandlers.complete,
        CancelWorkOrder: WorkOrderHandlers.cancel,
    },
    events={
        ComponentsIssued: WorkOrderHandlers.components_issued,
        ComponentsShort: WorkOrderHandlers.components_short,
        ProductionReceived: WorkOrderHandlers.production_received,
        ProductionRefused: WorkOrderHandlers.production_refused,
        ComponentsReleased: WorkOrderHandlers.components_released,
    },
    publishes=[
        WorkOrderCreated,
        WorkOrderReleased,
        WorkOrderPartiallyCompleted,
        WorkOrderCompleted,
        WorkOrderCancelled,
    ],
    outbox_collections=[WORK_ORDERS],
    queries=work_order_queries,
)

"""The orders part's rows of the order service's table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.order.orders.handlers import OrderHandlers
from services.order.orders.queries import Origin, order_queries
from services.order.orders.repository import ORDERS
from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    CancelOrder,
    CloseOrderShort,
    CreatePurchaseOrder,
    CreateSalesOrder,
    GoodsIssued,
    GoodsReceived,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderRejected,
    OrderStockHoldRefused,
    OrderStockHoldRequested,
    OrderSubmitted,
    OrderUpdated,
    ReservationConfirmed,
    ReservationReleased,
    StockReserved,
    SubmitOrder,
    UpdateOrder,
    UserUpserted,
)
from shared.contracts.receipts import ReceiptHeld, ReceiptRefused
from shared.http import Route
from shared.parts import Part
from shared.runtime import Runtime
from shared.service import OnQueue


def table(origins: Sequence[Origin]) -> Part[OrderHandlers]:
    """The orders' rows; an order's timeline looks for the document it came from in
    ``origins`` (the parts above, which make orders)."""

    def queries(runtime: Runtime[Any]) -> list[Route]:
        return order_queries(runtime, origins)

    return Part(
        commands={
            CreatePurchaseOrder: OrderHandlers.create,
            CreateSalesOrder: OrderHandlers.create,
            UpdateOrder: OrderHandlers.update,
            SubmitOrder: OrderHandlers.submit,
            CancelOrder: OrderHandlers.cancel,
            CloseOrderShort: OrderHandlers.close_short,
        },
        events={
            ApprovalPending: OrderHandlers.approval_pending,
            ApprovalReassigned: OrderHandlers.approval_pending,
            ApprovalApproved: OrderHandlers.approval_approved,
            ApprovalRejected: OrderHandlers.approval_rejected,
            # These queues were named before the <service>.<event> rule; they keep their names.
            GoodsReceived: OnQueue(OrderHandlers.goods_received, "goods-received"),
            GoodsIssued: OnQueue(OrderHandlers.goods_issued, "goods-issued"),
            ReceiptHeld: OrderHandlers.receipt_noted,
            ReceiptRefused: OrderHandlers.receipt_noted,
            StockReserved: OnQueue(OrderHandlers.stock_validated, "stock-reserved"),
            ReservationConfirmed: OnQueue(OrderHandlers.stock_validated, "reservation-confirmed"),
            ReservationReleased: OnQueue(
                OrderHandlers.reservation_released, "reservation-released"
            ),
            UserUpserted: OrderHandlers.user_upserted,
        },
        publishes=[
            OrderCreated,
            OrderUpdated,
            OrderSubmitted,
            OrderStockHoldRequested,
            OrderStockHoldRefused,
            OrderApproved,
            OrderRejected,
            OrderCancelled,
            OrderCompleted,
        ],
        outbox_collections=[ORDERS],
        queries=queries,
    )

"""Pydantic v2 contracts of every command and event, importable from one place."""

from shared.contracts.approval import (
    ApprovalApproved,
    ApprovalBasis,
    ApprovalPending,
    ApprovalRejected,
    LevelDecision,
    Person,
)
from shared.contracts.base import Command, CommandRejected, Event, Message, utcnow
from shared.contracts.common import (
    CurrencyCode,
    Identifier,
    Money,
    OrderKind,
    OrderLine,
    round_money,
)
from shared.contracts.orders import (
    CancelOrder,
    CreatePurchaseOrder,
    CreateSalesOrder,
    OrderApproved,
    OrderCancelled,
    OrderCreated,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
    SubmitOrder,
    UpdateOrder,
)

__all__ = [
    "ApprovalApproved",
    "ApprovalBasis",
    "ApprovalPending",
    "ApprovalRejected",
    "CancelOrder",
    "Command",
    "CommandRejected",
    "CreatePurchaseOrder",
    "CreateSalesOrder",
    "CurrencyCode",
    "Event",
    "Identifier",
    "LevelDecision",
    "Message",
    "Money",
    "OrderApproved",
    "OrderCancelled",
    "OrderCreated",
    "OrderKind",
    "OrderLine",
    "OrderRejected",
    "OrderSubmitted",
    "OrderUpdated",
    "Person",
    "SubmitOrder",
    "UpdateOrder",
    "round_money",
    "utcnow",
]

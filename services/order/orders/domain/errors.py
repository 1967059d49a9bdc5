"""Refusals of order commands, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


class OrderLocked(DomainError):
    reason = "order_locked"


class OrderExists(DomainError):
    reason = "order_exists"


class UnknownOrder(DomainError):
    reason = "unknown_order"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"There is no order {order_id!r}; create it first.")


class InvalidTransition(DomainError):
    reason = "invalid_transition"


class NotTheCreator(DomainError):
    """Only an order's creator, or an admin, may change or resubmit it after a rejection."""

    reason = "not_the_creator"

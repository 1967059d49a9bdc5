"""Business refusals of the inventory service, each named for the rule it enforces."""

from __future__ import annotations

from shared.domain import DomainError


class UnknownItem(DomainError):
    reason = "unknown_item"

    def __init__(self, sku: str) -> None:
        super().__init__(f"There is no item {sku!r}; define it first.")


class UnknownLocation(DomainError):
    reason = "unknown_location"

    def __init__(self, location_id: str) -> None:
        super().__init__(f"There is no location {location_id!r}; define it first.")


class ItemExists(DomainError):
    reason = "item_exists"


class LocationExists(DomainError):
    reason = "location_exists"


class InvalidQuantity(DomainError):
    reason = "invalid_quantity"


class OpeningAlreadySet(DomainError):
    reason = "opening_already_set"


class InsufficientStock(DomainError):
    reason = "insufficient_stock"


class StockReservedForOrders(DomainError):
    reason = "stock_reserved"


class UnknownOrder(DomainError):
    reason = "unknown_order"

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"Inventory knows no order {order_id!r}; orders become known here when submitted."
        )


class WrongOrderKind(DomainError):
    reason = "wrong_order_kind"


class OrderNotApproved(DomainError):
    reason = "order_not_approved"


class OrderClosed(DomainError):
    reason = "order_closed"


class NotOnOrder(DomainError):
    reason = "not_on_order"


class OverReceipt(DomainError):
    reason = "over_receipt"


class OverIssue(DomainError):
    reason = "exceeds_ordered"


class WrongLocation(DomainError):
    reason = "wrong_location"


class DuplicateDocument(DomainError):
    reason = "duplicate_document"


class NoLocation(DomainError):
    """The branch has no location to receive a work order's finished units at."""

    reason = "no_location"

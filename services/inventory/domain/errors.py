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
    """An item with this sku is defined already (by another message)."""

    reason = "item_exists"


class LocationExists(DomainError):
    """A location with this id is defined already (by another message)."""

    reason = "location_exists"


class InvalidQuantity(DomainError):
    """A quantity finer than its item is counted in (the item's decimal_places): 0.25 of an
    item counted in tenths, half a chair."""

    reason = "invalid_quantity"


class OpeningAlreadySet(DomainError):
    """An item's opening balance at a location is set once, before any other movement;
    correct it with inventory.adjust_stock."""

    reason = "opening_already_set"


class InsufficientStock(DomainError):
    """Not enough stock on hand (or free of reservations) for the issue or adjustment."""

    reason = "insufficient_stock"


class StockReservedForOrders(DomainError):
    """The adjustment would leave less on hand than is reserved for orders."""

    reason = "stock_reserved"


class UnknownOrder(DomainError):
    reason = "unknown_order"

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"Inventory knows no order {order_id!r}; orders become known here when submitted."
        )


class WrongOrderKind(DomainError):
    """A receipt names a sales order, or an issue a purchase order."""

    reason = "wrong_order_kind"


class OrderNotApproved(DomainError):
    """Goods are received or issued against approved orders only."""

    reason = "order_not_approved"


class OrderClosed(DomainError):
    """The order was completed, closed short or cancelled: nothing more is received or
    issued against it."""

    reason = "order_closed"


class NotOnOrder(DomainError):
    """The item is not on the order."""

    reason = "not_on_order"


class OverReceipt(DomainError):
    """A receipt would take an item beyond its ordered quantity plus the over-receipt
    tolerance (OMS_RECEIPT_TOLERANCE_PERCENT, 5 % by default), counting receipts in flight."""

    reason = "over_receipt"


class OverIssue(DomainError):
    """An issue would take more of an item than the sales order ordered (no tolerance)."""

    reason = "exceeds_ordered"


class WrongLocation(DomainError):
    """Goods are issued from the branch's sales location, and received at a location of the
    order's branch."""

    reason = "wrong_location"


class DuplicateDocument(DomainError):
    """The receipt_id or issue_id was used by another message already."""

    reason = "duplicate_document"


class NoLocation(DomainError):
    """The branch has no location to receive a work order's finished units at."""

    reason = "no_location"


class OrderNotIssued(DomainError):
    """Goods come back only against a sales order that issued some."""

    reason = "order_not_issued"


class ReturnExceedsIssued(DomainError):
    """A return would take back more of an item than was issued for the order, less what
    earlier returns already took."""

    reason = "return_exceeds_issued"


class UnknownReturn(DomainError):
    """No return with this id was authorized for the order."""

    reason = "unknown_return"


class ReturnAlreadyReceived(DomainError):
    """The return's goods were received already: a return is received once."""

    reason = "return_already_received"


class StaleRecord(DomainError):
    """inventory.define_item was made on another version of the product than the stored one
    (someone changed it meanwhile): read it again and make the change on that."""

    reason = "stale_record"


class StaleProduct(DomainError):
    """A product.upserted whose version is not above the stored one: a late or repeated event,
    ignored (logged) so that it never overwrites a newer record."""

    reason = "stale_version"


class UnitChangeWithStock(DomainError):
    """A new unit of measure, or fewer decimal places, for an item that has stock or open
    orders: their quantities would change meaning. Bring the stock to zero and finish the
    orders first, or define a new sku."""

    reason = "unit_change_with_stock"

"""Refusals of work-order commands, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


class UnknownWorkOrder(DomainError):
    """The command names a work order that was never created."""

    reason = "unknown_work_order"

    def __init__(self, work_order_id: str) -> None:
        super().__init__(f"There is no work order {work_order_id!r}; create it first.")


class WorkOrderExists(DomainError):
    """Another create already used this work order id."""

    reason = "work_order_exists"


class InvalidWorkOrder(DomainError):
    """What the work order says cannot be made: no item, no job, an item made of itself."""

    reason = "invalid_work_order"


class WorkOrderNotReleasable(DomainError):
    """Only a created work order, or one short of components, can be released."""

    reason = "work_order_not_releasable"


class WorkOrderNotReleased(DomainError):
    """A completion for a work order that was never released."""

    reason = "work_order_not_released"


class ComponentsNotIssued(DomainError):
    """Released, but inventory has not issued the components yet (or they are short)."""

    reason = "components_not_issued"


class WorkOrderClosed(DomainError):
    """Completed or cancelled: nothing more happens to it."""

    reason = "work_order_closed"


class CompletionExceedsQuantity(DomainError):
    """Finished plus scrapped units would exceed what is left of the quantity."""

    reason = "completion_exceeds_quantity"


class EmptyCompletion(DomainError):
    """A completion that reports neither finished nor scrapped units."""

    reason = "empty_completion"


class DuplicateCompletion(DomainError):
    """This completion id was reported before, by another message."""

    reason = "duplicate_completion"

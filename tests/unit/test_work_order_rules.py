"""Work-order rules in the order service: what a work order consumes, when it may be released,
completed or cancelled, and what inventory's reports do to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.order.work_orders.domain.errors import (
    CompletionExceedsQuantity,
    ComponentsNotIssued,
    DuplicateCompletion,
    EmptyCompletion,
    InvalidWorkOrder,
    UnknownWorkOrder,
    WorkOrderClosed,
    WorkOrderNotReleasable,
    WorkOrderNotReleased,
)
from services.order.work_orders.domain.work_order import (
    WorkOrder,
    WorkOrderStatus,
    bill_of_materials,
    describe,
)
from shared.contracts import (
    ComponentBasis,
    ComponentLine,
    ReservedLine,
    StockLine,
    WorkOrderCancelled,
    WorkOrderCompleted,
    WorkOrderCreated,
    WorkOrderKind,
    WorkOrderPartiallyCompleted,
    WorkOrderReleased,
)

D = Decimal
PER_UNIT, TOTAL = ComponentBasis.PER_UNIT, ComponentBasis.TOTAL


def line(sku: str, quantity: str, basis: ComponentBasis = PER_UNIT) -> ComponentLine:
    return ComponentLine(sku=sku, quantity=D(quantity), basis=basis)


def created(quantity: str = "4", **overrides: object) -> WorkOrder:
    values: dict[str, object] = {
        "work_order_id": "WO-1",
        "kind": WorkOrderKind.PRODUCTION,
        "branch_id": "B-1",
        "item_sku": "WIDGET",
        "description": None,
        "quantity": D(quantity),
        "components": [line("FRAME", "2"), line("BOLT", "6", TOTAL)],
        "created_by": "planner",
    }
    order = WorkOrder.create(**{**values, **overrides})  # type: ignore[arg-type]
    order.collect_events()
    return order


def released(quantity: str = "4") -> WorkOrder:
    order = created(quantity)
    order.release(by="planner")
    order.collect_events()
    return order


def in_progress(quantity: str = "4") -> WorkOrder:
    order = released(quantity)
    order.components_issued(attempt=1, location_id="L-1", lines=order.components)
    return order


def short_line(needed: str, reserved: str, sku: str = "FRAME") -> ReservedLine:
    return ReservedLine(sku=sku, needed=D(needed), reserved=D(reserved))


# --- what it consumes -------------------------------------------------------------------------


def test_per_unit_components_are_multiplied_and_total_ones_taken_as_they_are() -> None:
    lines = [line("A", "2"), line("B", "6", TOTAL), line("A", "0.5"), line("B", "1", TOTAL)]
    assert bill_of_materials(D(4), lines) == [
        StockLine(sku="A", quantity=D(10)),
        StockLine(sku="B", quantity=D(7)),
    ]
    assert describe(bill_of_materials(D(1), lines[:1])) == "2 A"
    assert describe([]) == "nothing"


def test_created_with_its_facts_in_the_event() -> None:
    order = WorkOrder.create(
        work_order_id="WO-1",
        kind=WorkOrderKind.PRODUCTION,
        branch_id="B-1",
        item_sku="WIDGET",
        description="blue ones",
        quantity=D(4),
        components=[line("FRAME", "2")],
        created_by="planner",
    )
    [event] = order.collect_events()
    assert isinstance(event, WorkOrderCreated)
    assert (event.work_order_id, event.kind, event.branch_id) == ("WO-1", "production", "B-1")
    assert (event.item_sku, event.description, event.quantity) == ("WIDGET", "blue ones", D(4))
    assert event.components == [StockLine(sku="FRAME", quantity=D(8))]
    assert (event.created_by, event.due_date) == ("planner", None)
    assert order.status is WorkOrderStatus.CREATED
    assert [(h.status, h.by) for h in order.history] == [(WorkOrderStatus.CREATED, "planner")]
    assert order.remaining == D(4)


def test_a_production_order_names_its_item_and_does_not_consume_it() -> None:
    with pytest.raises(InvalidWorkOrder, match="must name the item") as error:
        created(item_sku=None)
    assert error.value.reason == "invalid_work_order"
    with pytest.raises(InvalidWorkOrder, match="cannot consume the item it produces"):
        created(components=[line("WIDGET", "1")])


def test_a_service_job_is_described_and_produces_no_item() -> None:
    job = created(kind=WorkOrderKind.SERVICE, item_sku=None, description="repair pump")
    assert job.item_sku is None
    with pytest.raises(InvalidWorkOrder, match="must describe the job"):
        created(kind=WorkOrderKind.SERVICE, item_sku=None, description="  ")
    with pytest.raises(InvalidWorkOrder):
        created(kind=WorkOrderKind.SERVICE, item_sku=None, description=None)
    with pytest.raises(InvalidWorkOrder):
        created(kind=WorkOrderKind.SERVICE, item_sku="WIDGET", description="repair pump")


def test_unknown_work_order_names_it() -> None:
    error = UnknownWorkOrder("WO-9")
    assert (error.reason, error.detail) == (
        "unknown_work_order",
        "There is no work order 'WO-9'; create it first.",
    )


# --- release ----------------------------------------------------------------------------------


def test_release_numbers_its_attempt_and_tells_inventory_everything_it_needs() -> None:
    order = created()
    order.release(by="lead")
    [event] = order.collect_events()
    assert isinstance(event, WorkOrderReleased)
    assert (event.attempt, event.released_by, event.branch_id) == (1, "lead", "B-1")
    assert event.item_sku == "WIDGET"
    assert event.components == [
        StockLine(sku="FRAME", quantity=D(8)),
        StockLine(sku="BOLT", quantity=D(6)),
    ]
    assert order.status is WorkOrderStatus.RELEASED
    assert (order.history[-1].status, order.history[-1].by) == (WorkOrderStatus.RELEASED, "lead")


@pytest.mark.parametrize("status", ["released", "in_progress", "completed", "cancelled"])
def test_only_a_created_or_short_work_order_is_released(status: str) -> None:
    order = created()
    order.status = WorkOrderStatus(status)
    with pytest.raises(WorkOrderNotReleasable, match=f"is {status}") as error:
        order.release(by="lead")
    assert error.value.reason == "work_order_not_releasable"
    assert order.attempt == 0


def test_short_components_are_shown_and_a_new_release_tries_again() -> None:
    order = released()
    order.components_short(
        attempt=1, location_id="L-1", lines=[short_line("8", "3")], unknown_skus=["BOLT"]
    )
    assert order.status is WorkOrderStatus.SHORT
    assert order.shortage is not None
    assert (order.shortage.attempt, order.shortage.location_id) == (1, "L-1")
    assert order.shortage.unknown_skus == ["BOLT"]
    assert order.location_id == "L-1"
    assert order.history[-1].note == "components short: FRAME short by 5, BOLT unknown"
    order.release(by="lead")
    assert (order.attempt, order.status) == (2, WorkOrderStatus.RELEASED)
    order.components_issued(attempt=2, location_id="L-1", lines=order.components)
    after = order.model_dump()
    assert (after["status"], after["shortage"]) == (WorkOrderStatus.IN_PROGRESS, None)


def test_a_line_that_is_not_short_is_not_named_short() -> None:
    order = released()
    lines = [short_line("8", "8"), short_line("6", "2", sku="BOLT")]
    order.components_short(attempt=1, location_id=None, lines=lines, unknown_skus=[])
    assert order.history[-1].note == "components short: BOLT short by 4"


def test_a_shortage_of_an_older_attempt_or_after_the_issue_changes_nothing() -> None:
    order = released()
    order.components_short(attempt=2, location_id="L-1", lines=[], unknown_skus=[])
    assert order.status is WorkOrderStatus.RELEASED
    order = in_progress()
    order.components_short(attempt=1, location_id="L-9", lines=[], unknown_skus=[])
    assert (order.status, order.shortage, order.location_id) == (
        WorkOrderStatus.IN_PROGRESS,
        None,
        "L-1",
    )


def test_issued_components_start_production_once() -> None:
    order = released()
    lines = [StockLine(sku="FRAME", quantity=D(8))]
    order.components_issued(attempt=1, location_id="L-1", lines=lines)
    assert (order.status, order.issued, order.location_id) == (
        WorkOrderStatus.IN_PROGRESS,
        lines,
        "L-1",
    )
    assert order.history[-1].note == "components issued at L-1: 8 FRAME"
    entries = len(order.history)
    order.components_issued(attempt=1, location_id="L-2", lines=lines)
    assert (len(order.history), order.location_id) == (entries, "L-1")


def test_an_issue_for_another_attempt_is_ignored() -> None:
    order = released()
    order.components_issued(attempt=2, location_id="L-1", lines=order.components)
    assert (order.status, order.issued) == (WorkOrderStatus.RELEASED, [])


def test_components_issued_after_a_cancellation_stay_consumed_and_are_noted() -> None:
    order = released()
    order.cancel(by="lead", reason=None)
    order.components_issued(attempt=1, location_id="L-1", lines=order.components)
    assert order.status is WorkOrderStatus.CANCELLED
    assert order.issued == order.components
    assert order.history[-1].status is WorkOrderStatus.CANCELLED
    assert order.history[-1].note == "components issued at L-1: 8 FRAME, 6 BOLT"


# --- completion -------------------------------------------------------------------------------


def test_partial_completions_until_the_whole_quantity_is_done() -> None:
    order = in_progress("4")
    order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    [partial] = order.collect_events()
    assert isinstance(partial, WorkOrderPartiallyCompleted)
    assert (partial.quantity, partial.scrap, partial.completed_total, partial.remaining) == (
        D(1),
        D(0),
        D(1),
        D(3),
    )
    assert (partial.completion_id, partial.completed_by, partial.item_sku) == (
        "C-1",
        "foreman",
        "WIDGET",
    )
    assert (partial.kind, partial.branch_id, partial.work_order_id) == (
        "production",
        "B-1",
        "WO-1",
    )
    assert order.status is WorkOrderStatus.IN_PROGRESS  # until inventory has the units
    assert order.history[-1].note == (
        "C-1: 1 finished, 0 scrapped; waiting for inventory to receive them"
    )
    assert order.history[-1].by == "foreman"
    order.production_received(completion_id="C-1", location_id="L-1", quantity=D(1))
    assert str(order.status) == WorkOrderStatus.PARTIALLY_COMPLETED.value
    assert order.history[-1].note == "1 WIDGET received at L-1 (C-1)"

    order.complete(completion_id="C-2", quantity=D(2), scrap=D(1), by="foreman")
    [done] = order.collect_events()
    assert isinstance(done, WorkOrderCompleted)
    assert (done.completed_total, done.scrapped_total, done.remaining) == (D(3), D(1), D(0))
    assert str(order.status) == WorkOrderStatus.PARTIALLY_COMPLETED.value
    order.production_received(completion_id="C-2", location_id="L-1", quantity=D(2))
    assert str(order.status) == "completed"
    assert [(c.completion_id, c.quantity, c.scrap) for c in order.completions] == [
        ("C-1", D(1), D(0)),
        ("C-2", D(2), D(1)),
    ]


def test_completing_exactly_what_is_left_completes_it_once_inventory_received_it() -> None:
    order = in_progress("2")
    order.complete(completion_id="C-1", quantity=D(2), scrap=D(0), by="foreman")
    assert order.status is WorkOrderStatus.IN_PROGRESS
    assert order.completions[0].awaiting_receipt
    order.production_received(completion_id="C-1", location_id="L-1", quantity=D(2))
    assert str(order.status) == WorkOrderStatus.COMPLETED.value
    assert not order.completions[0].awaiting_receipt


def test_a_refused_receipt_takes_the_completion_back_and_it_may_be_reported_again() -> None:
    order = in_progress("2")
    order.complete(completion_id="C-1", quantity=D(2), scrap=D(0), by="foreman")
    order.production_refused(
        completion_id="C-1", reason="no_location", detail="Branch B-1 has no location."
    )
    assert order.status is WorkOrderStatus.IN_PROGRESS  # it never moved
    assert (order.completed, order.remaining) == (D(0), D(2))
    assert order.completions[0].refused == "no_location"
    assert order.history[-1].note == (
        "C-1 taken back, inventory refused it (no_location): Branch B-1 has no location."
    )
    order.production_refused(completion_id="C-1", reason="again", detail="redelivered")
    assert order.history[-1].note.startswith("C-1 taken back")  # answered once
    assert order.completed == D(0)
    with pytest.raises(DuplicateCompletion):
        order.complete(completion_id="C-1", quantity=D(2), scrap=D(0), by="foreman")
    order.complete(completion_id="C-2", quantity=D(2), scrap=D(0), by="foreman")
    order.production_received(completion_id="C-2", location_id="L-1", quantity=D(2))
    assert str(order.status) == WorkOrderStatus.COMPLETED.value


def test_the_status_waits_for_every_receipt_whatever_order_they_come_in() -> None:
    order = in_progress("3")
    order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    order.complete(completion_id="C-2", quantity=D(1), scrap=D(0), by="foreman")
    order.complete(completion_id="C-3", quantity=D(0), scrap=D(1), by="foreman")
    assert order.status is WorkOrderStatus.PARTIALLY_COMPLETED  # scrap has nothing to receive
    order.production_received(completion_id="C-2", location_id="L-1", quantity=D(1))
    assert order.status is WorkOrderStatus.PARTIALLY_COMPLETED
    order.production_received(completion_id="C-1", location_id="L-1", quantity=D(1))
    assert str(order.status) == WorkOrderStatus.COMPLETED.value


def test_a_refusal_of_the_only_completion_leaves_it_in_progress() -> None:
    order = in_progress("3")
    order.complete(completion_id="C-1", quantity=D(1), scrap=D(1), by="foreman")
    order.production_refused(completion_id="C-1", reason="unknown_item", detail="no WIDGET")
    assert (order.status, order.completed, order.scrapped) == (
        WorkOrderStatus.IN_PROGRESS,
        D(0),
        D(0),
    )


def test_a_service_job_completes_at_once_as_inventory_has_nothing_to_receive() -> None:
    order = created("1", kind=WorkOrderKind.SERVICE, item_sku=None, description="Repaint")
    order.release(by="lead")
    order.components_issued(attempt=1, location_id="L-1", lines=order.components)
    order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="crew")
    assert order.status is WorkOrderStatus.COMPLETED


def test_a_receipt_after_a_cancellation_is_noted_and_the_status_stays() -> None:
    order = in_progress("2")
    order.complete(completion_id="C-1", quantity=D(2), scrap=D(0), by="foreman")
    order.cancel(by="lead", reason=None)
    order.production_received(completion_id="C-1", location_id="L-1", quantity=D(2))
    assert order.status is WorkOrderStatus.CANCELLED
    assert order.history[-1].note == "2 WIDGET received at L-1 (C-1)"


def test_a_completion_cannot_exceed_what_is_left() -> None:
    order = in_progress("4")
    order.complete(completion_id="C-1", quantity=D(3), scrap=D(0), by="foreman")
    with pytest.raises(CompletionExceedsQuantity, match="has 1 of 4 left") as error:
        order.complete(completion_id="C-2", quantity=D(1), scrap=D("0.5"), by="foreman")
    assert error.value.reason == "completion_exceeds_quantity"
    assert (order.completed, order.scrapped) == (D(3), D(0))


def test_a_completion_must_report_something_but_may_be_only_scrap() -> None:
    order = in_progress("4")
    with pytest.raises(EmptyCompletion) as error:
        order.complete(completion_id="C-1", quantity=D(0), scrap=D(0), by="foreman")
    assert error.value.reason == "empty_completion"
    order.complete(completion_id="C-1", quantity=D(0), scrap=D(1), by="foreman")
    assert order.scrapped == D(1)


def test_a_completion_id_counts_once() -> None:
    order = in_progress("4")
    order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    with pytest.raises(DuplicateCompletion, match="C-1") as error:
        order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    assert error.value.reason == "duplicate_completion"


def test_nothing_is_completed_before_the_components_are_issued() -> None:
    with pytest.raises(WorkOrderNotReleased) as not_released:
        created().complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    assert not_released.value.reason == "work_order_not_released"
    with pytest.raises(ComponentsNotIssued, match="is released") as not_issued:
        released().complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    assert not_issued.value.reason == "components_not_issued"


def test_short_work_orders_cannot_be_completed() -> None:
    order = released()
    order.components_short(attempt=1, location_id="L-1", lines=[], unknown_skus=[])
    with pytest.raises(ComponentsNotIssued, match="is short"):
        order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_closed_work_order_is_not_completed(status: str) -> None:
    order = in_progress()
    order.status = WorkOrderStatus(status)
    with pytest.raises(WorkOrderClosed) as error:
        order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    assert error.value.reason == "work_order_closed"


def test_production_received_is_kept_once_per_completion() -> None:
    order = in_progress()
    order.production_received(completion_id="C-1", location_id="L-1", quantity=D(1))
    order.production_received(completion_id="C-1", location_id="L-1", quantity=D(1))
    order.production_received(completion_id="C-2", location_id="L-1", quantity=D(2))
    assert [(r.completion_id, r.quantity, r.location_id) for r in order.receipts] == [
        ("C-1", D(1), "L-1"),
        ("C-2", D(2), "L-1"),
    ]
    assert order.received == D(3)
    assert order.history[-1].note == "2 WIDGET received at L-1 (C-2)"
    assert order.history[-1].status is WorkOrderStatus.IN_PROGRESS


# --- cancellation -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["created", "released", "short", "in_progress"])
def test_cancelled_until_it_is_completed(status: str) -> None:
    order = created()
    order.status = WorkOrderStatus(status)
    order.cancel(by="lead", reason="not needed")
    [event] = order.collect_events()
    assert isinstance(event, WorkOrderCancelled)
    assert (event.work_order_id, event.kind, event.branch_id) == ("WO-1", "production", "B-1")
    assert (event.cancelled_by, event.reason) == ("lead", "not needed")
    assert order.status is WorkOrderStatus.CANCELLED
    assert (order.history[-1].by, order.history[-1].note) == ("lead", "not needed")


def test_a_partly_completed_work_order_may_be_cancelled_keeping_what_was_made() -> None:
    order = in_progress("4")
    order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    order.cancel(by="lead", reason=None)
    assert (order.status, order.completed) == (WorkOrderStatus.CANCELLED, D(1))


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_closed_work_order_is_not_cancelled(status: str) -> None:
    order = created()
    order.status = WorkOrderStatus(status)
    with pytest.raises(WorkOrderClosed, match=f"is {status} and cannot be cancelled"):
        order.cancel(by="lead", reason=None)


def test_released_components_are_shown() -> None:
    order = released()
    order.cancel(by="lead", reason=None)
    lines = [StockLine(sku="FRAME", quantity=D(3))]
    order.components_released(released=lines)
    assert order.released_components == lines
    assert order.history[-1].note == "reservation released: 3 FRAME"
    assert order.history[-1].status is WorkOrderStatus.CANCELLED


# --- what the refusals and the history say ----------------------------------------------------


def test_the_due_date_travels_with_the_work_order() -> None:
    due = date(2026, 12, 15)
    order = WorkOrder.create(
        work_order_id="WO-2",
        kind=WorkOrderKind.SERVICE,
        branch_id="B-1",
        item_sku=None,
        description="repair pump",
        quantity=D(1),
        components=[],
        created_by="planner",
        due_date=due,
    )
    [event] = order.collect_events()
    assert isinstance(event, WorkOrderCreated)
    assert (order.due_date, event.due_date) == (due, due)


def test_refusals_name_the_work_order_and_what_to_do() -> None:
    with pytest.raises(InvalidWorkOrder, match=r"^Production work order WO-1 must name the item"):
        created(item_sku=None)
    with pytest.raises(InvalidWorkOrder, match=r"produces no item \(no item_sku\)\.$"):
        created(kind=WorkOrderKind.SERVICE, item_sku="WIDGET", description="repair pump")
    order = in_progress()
    with pytest.raises(WorkOrderNotReleasable) as not_releasable:
        order.release(by="lead")
    assert not_releasable.value.detail == (
        "Work order WO-1 is in_progress: only a created work order, or one short of "
        "components, can be released."
    )
    with pytest.raises(EmptyCompletion) as empty:
        order.complete(completion_id="C-1", quantity=D(0), scrap=D(0), by="foreman")
    assert empty.value.detail == "A completion of work order WO-1 reports nothing."
    with pytest.raises(WorkOrderNotReleased) as not_released:
        created().complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    assert not_released.value.detail == "Work order WO-1 is not released yet: release it first."
    with pytest.raises(ComponentsNotIssued) as not_issued:
        released().complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    assert not_issued.value.detail == (
        "Work order WO-1 is released: its components are not issued yet, so nothing can be "
        "completed."
    )
    order.status = WorkOrderStatus.COMPLETED
    with pytest.raises(WorkOrderClosed) as closed:
        order.complete(completion_id="C-1", quantity=D(1), scrap=D(0), by="foreman")
    assert closed.value.detail == "Work order WO-1 is completed."


def test_scrap_adds_up_over_completions() -> None:
    order = in_progress("4")
    order.complete(completion_id="C-1", quantity=D(1), scrap=D(1), by="foreman")
    order.complete(completion_id="C-2", quantity=D(0), scrap=D(1), by="foreman")
    assert (order.completed, order.scrapped, order.remaining) == (D(1), D(2), D(1))


def test_a_fraction_short_is_named_short() -> None:
    order = released()
    order.components_short(
        attempt=1, location_id="L-1", lines=[short_line("8", "7.5")], unknown_skus=[]
    )
    assert order.history[-1].note == "components short: FRAME short by 0.5"


def test_the_history_says_which_release_attempt_each_entry_belongs_to() -> None:
    order = released()
    order.components_short(attempt=1, location_id="L-1", lines=[], unknown_skus=[])
    order.release(by="lead")
    order.components_issued(attempt=2, location_id="L-1", lines=order.components)
    order.production_received(completion_id="C-1", location_id="L-1", quantity=D(1))
    assert [(h.status.value, h.attempt) for h in order.history] == [
        ("created", 0),
        ("released", 1),
        ("short", 1),
        ("released", 2),
        ("in_progress", 2),
        ("in_progress", 2),
    ]

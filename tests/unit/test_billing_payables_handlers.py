"""The payables handlers over in-memory stores: the order's copy from approval and receipts in
either order, bills refused before anything is written, held bills matched again by a
receipt or a rejection (earlier bills first), tolerances per branch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.billing.payables.domain import Bill, MatchTolerance, PurchaseOrderCopy
from services.billing.payables.domain.errors import (
    BillExists,
    BillNotHeld,
    DuplicateBill,
    UnknownBill,
    UnknownOrder,
)
from services.billing.payables.handlers import PayablesHandlers
from services.billing.payables.repository import PayablesStores, billed_before
from shared.contracts.orders import OrderApproved
from shared.contracts.payables import (
    AcceptBill,
    BillApproved,
    BillHeld,
    BillLineInput,
    BillRecorded,
    BillStatus,
    HowApproved,
    MatchToleranceSet,
    RecordBill,
    RecordVendorPayment,
    RejectBill,
    SetMatchTolerance,
    VendorPaymentRecorded,
)
from tests.unit.fakes import FakeStore
from tests.unit.test_billing_payables import approved_po, received

D = Decimal


class Payables:
    """The part's handlers over fakes, and what its stores published."""

    def __init__(self) -> None:
        self.bills = FakeStore(Bill)
        self.orders = FakeStore(PurchaseOrderCopy)
        self.tolerances = FakeStore(MatchTolerance)
        self.handlers = PayablesHandlers(
            PayablesStores(self.orders, self.tolerances, self.bills, self.bills)
        )

    def events(self, kind: type[Any]) -> list[Any]:
        return self.bills.events(kind)

    async def bill(self, bill_id: str) -> Bill:
        found = await self.bills.get(bill_id)
        assert found is not None
        return found


def record(bill_id: str, *specs: tuple[str, str, str], **overrides: Any) -> RecordBill:
    values: dict[str, Any] = {
        "bill_id": bill_id,
        "vendor_id": "V-1",
        "vendor_bill_number": f"N-{bill_id}",
        "order_id": "PO-1",
        "currency": "USD",
        "lines": [BillLineInput(sku=s, quantity=D(q), unit_price=D(p)) for s, q, p in specs],
        "bill_date": date(2026, 3, 1),
        "recorded_by": "ap-clerk",
    }
    return RecordBill(**{**values, **overrides})


@pytest.fixture
async def payables() -> Payables:
    part = Payables()
    await part.handlers.order_approved(approved_po(("A", "10", "5.00")))
    return part


async def test_a_receipt_before_the_approval_is_kept_and_the_approval_fills_the_rest() -> None:
    part = Payables()
    await part.handlers.goods_received(received("PO-1", ("A", "4")))
    with pytest.raises(UnknownOrder, match="not approved"):
        await part.handlers.record_bill(record("B-1", ("A", "4", "5.00")))
    await part.handlers.order_approved(approved_po(("A", "10", "5.00")))
    await part.handlers.record_bill(record("B-1", ("A", "4", "5.00")))
    assert (await part.bill("B-1")).status is BillStatus.APPROVED


async def test_an_order_billing_never_learnt_of_is_refused() -> None:
    part = Payables()
    with pytest.raises(UnknownOrder, match="no approved purchase order PO-1"):
        await part.handlers.record_bill(record("B-1", ("A", "4", "5.00")))
    assert part.bills.docs == {}


async def test_a_duplicate_vendor_number_or_bill_id_is_refused_and_writes_nothing(
    payables: Payables,
) -> None:
    await payables.handlers.goods_received(received("PO-1", ("A", "10")))
    first = record("B-1", ("A", "2", "5.00"), vendor_bill_number="INV-1")
    await payables.handlers.record_bill(first)
    with pytest.raises(DuplicateBill, match="V-1's bill INV-1 is recorded already, as bill B-1"):
        await payables.handlers.record_bill(
            record("B-2", ("A", "2", "5.00"), vendor_bill_number="INV-1")
        )
    with pytest.raises(BillExists):
        await payables.handlers.record_bill(record("B-1", ("A", "2", "5.00")))
    await payables.handlers.record_bill(first)  # sent again: applied once
    assert list(payables.bills.docs) == ["B-1"]
    assert len(payables.events(BillRecorded)) == 1


async def test_a_receipt_catches_up_the_earlier_bill_first(payables: Payables) -> None:
    await payables.handlers.goods_received(received("PO-1", ("A", "4")))
    await payables.handlers.record_bill(record("B-1", ("A", "6", "5.00")))
    await payables.handlers.record_bill(record("B-2", ("A", "4", "5.00")))
    assert [(await payables.bill(b)).status for b in ("B-1", "B-2")] == [BillStatus.HELD] * 2
    # 8 received: B-1 (recorded first) takes 6, B-2 finds 2 left of its 4
    await payables.handlers.goods_received(received("PO-1", ("A", "8")))
    one, two = await payables.bill("B-1"), await payables.bill("B-2")
    assert (one.status, two.status) == (BillStatus.APPROVED, BillStatus.HELD)
    assert two.variances[0].expected == D(2)
    await payables.handlers.goods_received(received("PO-1", ("A", "10")))
    assert (await payables.bill("B-2")).status is BillStatus.APPROVED
    approvals = payables.events(BillApproved)
    assert [(e.bill_id, e.approval) for e in approvals] == [
        ("B-1", HowApproved.MATCHED),
        ("B-2", HowApproved.MATCHED),
    ]
    bills = sorted(
        [await payables.bill("B-2"), await payables.bill("B-1")], key=lambda b: b.recorded_at
    )
    assert billed_before(bills) == {"A": D(10)}


async def test_rejecting_a_bill_frees_its_quantity_for_the_next(payables: Payables) -> None:
    await payables.handlers.goods_received(received("PO-1", ("A", "5")))
    await payables.handlers.record_bill(record("B-1", ("A", "8", "5.00")))  # 3 too many
    await payables.handlers.record_bill(record("B-2", ("A", "5", "5.00")))  # none left
    await payables.handlers.reject_bill(
        RejectBill(bill_id="B-1", notes="billed too much", rejected_by="controller")
    )
    assert (await payables.bill("B-1")).status is BillStatus.REJECTED
    assert (await payables.bill("B-2")).status is BillStatus.APPROVED
    with pytest.raises(BillNotHeld):
        await payables.handlers.accept_bill(
            AcceptBill(bill_id="B-1", notes="no", accepted_by="controller")
        )


async def test_a_branch_tolerance_applies_to_its_bills(payables: Payables) -> None:
    await payables.handlers.goods_received(received("PO-1", ("A", "10")))
    await payables.handlers.record_bill(record("B-1", ("A", "10", "5.10")))
    assert (await payables.bill("B-1")).status is BillStatus.HELD
    await payables.handlers.set_match_tolerance(
        SetMatchTolerance(
            branch_id="BR-1",
            price_tolerance_percent=D(2),
            quantity_tolerance_percent=D(0),
            set_by="controller",
        )
    )
    [told] = payables.tolerances.events(MatchToleranceSet)
    assert (told.price_tolerance_percent, told.price_tolerance_amount) == (D(2), None)
    await payables.handlers.record_bill(record("B-2", ("A", "0.5", "5.10")))
    assert (await payables.bill("B-2")).status is BillStatus.HELD  # B-1 billed all 10
    await payables.handlers.accept_bill(
        AcceptBill(bill_id="B-1", notes="agreed", accepted_by="controller")
    )
    [accepted] = [e for e in payables.events(BillApproved) if e.bill_id == "B-1"]
    assert accepted.lines[0].price_variance == D("1.00")


async def test_payments_and_unknown_bills(payables: Payables) -> None:
    await payables.handlers.goods_received(received("PO-1", ("A", "10")))
    await payables.handlers.record_bill(record("B-1", ("A", "10", "5.00")))
    for payment_id, amount in (("P-1", "20.00"), ("P-2", "30.00")):
        await payables.handlers.record_vendor_payment(
            RecordVendorPayment(
                bill_id="B-1",
                payment_id=payment_id,
                amount=D(amount),
                currency="USD",
                recorded_by="ap",
            )
        )
    paid = payables.events(VendorPaymentRecorded)
    assert [(e.balance, e.status) for e in paid] == [
        (D("30.00"), BillStatus.APPROVED),
        (D(0), BillStatus.PAID),
    ]
    with pytest.raises(UnknownBill, match="No bill B-9"):
        await payables.handlers.accept_bill(
            AcceptBill(bill_id="B-9", notes="x", accepted_by="controller")
        )
    assert not payables.events(BillHeld)


class ReceiptMeanwhile(FakeStore[Bill]):
    """Bills whose first insert comes after another replica applied a receipt of the order:
    that receipt's match of the held bills did not see the bill being recorded."""

    def __init__(self, part: Payables) -> None:
        super().__init__(Bill)
        self.part = part
        self.receipt = True

    async def add(self, aggregate: Bill, *, cause: Any, last_step: bool = False) -> None:
        if self.receipt:
            self.receipt = False
            await self.part.handlers.goods_received(received("PO-1", ("A", "6")))
        await super().add(aggregate, cause=cause, last_step=last_step)


async def test_a_receipt_applied_while_a_bill_is_recorded_is_caught_up(
    payables: Payables,
) -> None:
    bills = ReceiptMeanwhile(payables)
    payables.bills = bills
    payables.handlers.stores = PayablesStores(payables.orders, payables.tolerances, bills, bills)
    await payables.handlers.record_bill(record("B-1", ("A", "6", "5.00")))  # 0 received: held
    assert (await payables.bill("B-1")).status is BillStatus.APPROVED
    assert [type(e) for e in bills.published] == [BillRecorded, BillHeld, BillApproved]


def test_both_billing_parts_take_order_approved_from_one_queue() -> None:
    """The subscriptions part and this one consume order.approved: one queue, one handler that
    calls each part's in turn (the table's check of the message type passes for it)."""
    from services.billing.app import SERVICE

    [route] = [route for route in SERVICE.routes() if route.contract is OrderApproved]
    assert route.queue == "billing.order-approved"
    doc = route.handler.__doc__ or ""
    assert "Issue the invoice of an approved renewal order" in doc
    assert "Keep a copy of an approved purchase order" in doc

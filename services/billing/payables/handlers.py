"""Handlers of the payables part: billing's copy of approved purchase orders and their
receipts, the branches' match tolerances, supplier bills and payments to vendors.

Recording a bill is one write (the bill, matched, with its events); the unique index on the
vendor and its bill number refuses a second bill with the same number even when two are
recorded at once. A held bill whose order received more while it was being recorded (on
another replica: one replica takes a bill and a receipt of one order in turn) is matched again
at once. A receipt is two steps: the order's copy learns it, then each held bill of
the order is matched again (each keyed by the receipt, so a redelivery finishes what a crash
left and repeats nothing). A rejection likewise rejects the bill, then matches the order's
later held bills again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from services.billing.payables.domain import Bill, MatchTolerance, PurchaseOrderCopy, Tolerance
from services.billing.payables.domain.errors import (
    BillExists,
    DuplicateBill,
    UnknownBill,
    UnknownOrder,
)
from services.billing.payables.repository import PayablesStores, billed_before
from shared.contracts.base import Message, utcnow
from shared.contracts.common import OrderKind
from shared.contracts.inventory import GoodsReceived
from shared.contracts.orders import OrderApproved
from shared.contracts.payables import (
    AcceptBill,
    BillStatus,
    PaymentMade,
    RecordBill,
    RecordVendorPayment,
    RejectBill,
    SetMatchTolerance,
)

Clock = Callable[[], datetime]


class PayablesHandlers:
    def __init__(self, stores: PayablesStores) -> None:
        self.stores = stores
        self.clock: Clock = utcnow
        """Where "now" comes from (a bill's recording, a payment without its date)."""

    # --- what billing learns from the order and inventory services ------------------------

    async def order_approved(self, event: OrderApproved) -> None:
        """Keep a copy of an approved purchase order, to match its bills against."""
        if event.kind is not OrderKind.PURCHASE:
            return
        await self.stores.orders.create_or_change(
            event.order_id,
            event,
            create=lambda: _approved(event),
            change=lambda order: order.approve(event),
            new_first=True,  # a receipt seldom comes before the approval
        )

    async def goods_received(self, event: GoodsReceived) -> None:
        """Note how much of the order was received; held bills of it are matched again."""

        def create() -> PurchaseOrderCopy:
            order = PurchaseOrderCopy(id=event.order_id)
            order.receive(event)
            return order

        await self.stores.orders.create_or_change(
            event.order_id, event, create=create, change=lambda order: order.receive(event)
        )
        await self._match_held(event.order_id, event)

    # --- tolerances -----------------------------------------------------------------------

    async def set_match_tolerance(self, cmd: SetMatchTolerance) -> None:
        """Set a branch's tolerance for the bills matched from now on."""

        def create() -> MatchTolerance:
            tolerance = MatchTolerance(id=cmd.branch_id)
            tolerance.set(cmd)
            return tolerance

        await self.stores.tolerances.create_or_change(
            cmd.branch_id, cmd, create=create, change=lambda tolerance: tolerance.set(cmd)
        )

    async def _tolerance(self, branch_id: str) -> Tolerance:
        found = await self.stores.tolerances.get(branch_id)
        return found.tolerance if found is not None else Tolerance()

    # --- bills ------------------------------------------------------------------------------

    async def record_bill(self, cmd: RecordBill) -> None:
        """Record a supplier's bill and match it: approved, or held with its reasons."""
        if (existing := await self.stores.bills.read(cmd.bill_id)) is not None:
            # Sent again: answered again (its id is the bill's); another command's: refused.
            if not await self.stores.bills.add_once(existing, cause=cmd):
                raise BillExists(f"Bill {cmd.bill_id} is recorded already.")
            return
        self._check_number(await self.stores.numbered(cmd.vendor_id, cmd.vendor_bill_number), cmd)
        order = await self.stores.orders.get(cmd.order_id)
        if order is None:
            raise UnknownOrder(
                f"Billing knows no approved purchase order {cmd.order_id}: a bill is recorded "
                "against an approved purchase order."
            )
        bill = Bill.enter(
            cmd,
            order,
            earlier=billed_before(await self.stores.bills_of(cmd.order_id)),
            tolerance=await self._tolerance(order.branch_id),
            at=self.clock(),
        )
        if not await self.stores.bills.add_once(bill, cause=cmd):
            if await self.stores.bills.get(cmd.bill_id) is not None:
                raise BillExists(f"Bill {cmd.bill_id} was recorded by another command.")
            self._check_number(
                await self.stores.numbered(cmd.vendor_id, cmd.vendor_bill_number), cmd
            )
        if bill.status is BillStatus.HELD:
            # A receipt another replica applied meanwhile matched the order's held bills
            # before this one was stored: match it again with what is received now.
            latest = await self.stores.orders.read(cmd.order_id)
            if latest is not None and latest.received != order.received:
                await self._match_held(cmd.order_id, cmd, key=f"{cmd.message_id}:received")

    @staticmethod
    def _check_number(other: Bill | None, cmd: RecordBill) -> None:
        if other is not None:
            raise DuplicateBill(
                f"vendor_bill_number: {cmd.vendor_id}'s bill {cmd.vendor_bill_number} is "
                f"recorded already, as bill {other.id}."
            )

    def _no_bill(self, bill_id: str) -> Callable[[], Exception]:
        return lambda: UnknownBill(f"No bill {bill_id}.")

    async def accept_bill(self, cmd: AcceptBill) -> None:
        """A person approves a held bill with its variances."""
        await self.stores.bills.change(
            cmd.bill_id,
            cmd,
            lambda bill: bill.accept(cmd.accepted_by, cmd.notes),
            missing=self._no_bill(cmd.bill_id),
        )

    async def reject_bill(self, cmd: RejectBill) -> None:
        """A person rejects a held bill; later held bills of its order are matched again."""
        await self.stores.bills.change(
            cmd.bill_id,
            cmd,
            lambda bill: bill.reject(cmd.rejected_by, cmd.notes),
            missing=self._no_bill(cmd.bill_id),
        )
        if (bill := await self.stores.bills.read(cmd.bill_id)) is not None:
            await self._match_held(bill.order_id, cmd)

    async def _match_held(self, order_id: str, cause: Message, key: str | None = None) -> None:
        """Match the order's held bills again, in the order they were recorded."""
        bills = await self.stores.bills_of(order_id)
        held = [bill.id for bill in bills if bill.status is BillStatus.HELD]
        order = await self.stores.orders.get(order_id)
        if not held or order is None:
            return
        tolerance = await self._tolerance(order.branch_id)
        for bill_id in held:
            await self.stores.rematched.change(
                bill_id,
                cause,
                _matcher(order, billed_before(bills, bill_id), tolerance),
                missing=self._no_bill(bill_id),
                key=key,
            )

    # --- payments to vendors -------------------------------------------------------------

    async def record_vendor_payment(self, cmd: RecordVendorPayment) -> None:
        """Money paid to the vendor for an approved bill, in part or in full."""
        payment = PaymentMade(
            payment_id=cmd.payment_id,
            amount=cmd.amount,
            paid_at=cmd.paid_at or self.clock(),
            recorded_by=cmd.recorded_by,
        )
        await self.stores.bills.change(
            cmd.bill_id,
            cmd,
            lambda bill: bill.pay(payment, cmd.currency),
            missing=self._no_bill(cmd.bill_id),
        )


def _matcher(
    order: PurchaseOrderCopy, earlier: dict[str, Decimal], tolerance: Tolerance
) -> Callable[[Bill], None]:
    return lambda bill: bill.match(order, earlier, tolerance)


def _approved(event: OrderApproved) -> PurchaseOrderCopy:
    order = PurchaseOrderCopy(id=event.order_id)
    order.approve(event)
    return order

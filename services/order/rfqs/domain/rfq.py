"""The RFQ aggregate: the same items asked of several suppliers, and the purchase order made
from the reply chosen.

Each supplier asked may reply (a unit price for every item, a lead time, how long the prices
hold); a later reply replaces its earlier one while the RFQ is open. Choosing a reply that is
still valid fixes the purchase order (made by the same ``Order.create`` as any other, with the
RFQ's items at the supplier's prices) and closes the other suppliers: once, under an id fixed
at the first choice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel

from services.order.common.domain.errors import ValidityInPast
from services.order.common.domain.timeline import Chronicled
from services.order.orders.domain.order import Order
from services.order.rfqs.domain.errors import (
    DuplicateEntry,
    ReplyExpired,
    ReplyItemsMismatch,
    RfqClosed,
    UnknownSupplier,
    UnknownSupplierReply,
)
from shared.contracts import (
    OrderKind,
    OrderLine,
    QuotedPrice,
    RequestedLine,
    RfqCancelled,
    RfqCreated,
    RfqReplyChosen,
    RfqReplyRecorded,
    RfqStatus,
    SupplierStatus,
)


def purchase_order_id(rfq_id: str) -> str:
    """The purchase order an RFQ becomes when the caller names none."""
    return f"PO-{rfq_id}"


class SupplierReply(BaseModel):
    prices: list[QuotedPrice]
    lead_time_days: int
    valid_until: datetime
    recorded_by: str
    recorded_at: datetime
    notes: str | None = None


class Supplier(BaseModel):
    """One supplier asked, and where their part of the RFQ stands."""

    supplier_id: str
    status: SupplierStatus = SupplierStatus.INVITED
    reply: SupplierReply | None = None
    replies: int = 0


class Rfq(Chronicled):
    branch_id: str
    created_by: str
    currency: str
    lines: list[RequestedLine]
    suppliers: list[Supplier]
    notes: str | None = None
    status: RfqStatus = RfqStatus.OPEN
    chosen_supplier_id: str | None = None
    chosen_by: str | None = None
    order_id: str | None = None
    cancelled_by: str | None = None
    reason: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def create(
        cls,
        *,
        rfq_id: str,
        branch_id: str,
        created_by: str,
        currency: str,
        lines: list[RequestedLine],
        supplier_ids: list[str],
        notes: str | None,
        now: datetime,
    ) -> Rfq:
        _check_once("item", (line.sku for line in lines))
        _check_once("supplier", supplier_ids)
        rfq = cls(
            id=rfq_id,
            branch_id=branch_id,
            created_by=created_by,
            currency=currency,
            lines=lines,
            suppliers=[Supplier(supplier_id=supplier) for supplier in supplier_ids],
            notes=notes,
            created_at=now,
            updated_at=now,
        )
        rfq.record(
            RfqCreated(
                rfq_id=rfq_id,
                status=rfq.status,
                branch_id=branch_id,
                created_by=created_by,
                currency=currency,
                lines=lines,
                supplier_ids=supplier_ids,
            )
        )
        return rfq

    def record_reply(
        self,
        *,
        supplier_id: str,
        prices: list[QuotedPrice],
        lead_time_days: int,
        valid_until: datetime,
        by: str,
        notes: str | None,
        now: datetime,
    ) -> None:
        self._check_open()
        supplier = self._supplier(supplier_id)
        if supplier is None:
            raise UnknownSupplier(f"Supplier {supplier_id} was not asked in RFQ {self.id}.")
        wanted = sorted(line.sku for line in self.lines)
        if sorted(price.sku for price in prices) != wanted:
            raise ReplyItemsMismatch(
                f"A reply to RFQ {self.id} prices each of {', '.join(wanted)} once, and nothing "
                "else."
            )
        if valid_until <= now:
            raise ValidityInPast(
                f"valid_until {valid_until.isoformat()} is not in the future: a reply must be "
                "valid for some time."
            )
        supplier.reply = SupplierReply(
            prices=prices,
            lead_time_days=lead_time_days,
            valid_until=valid_until,
            recorded_by=by,
            recorded_at=now,
            notes=notes,
        )
        supplier.replies += 1
        supplier.status = SupplierStatus.REPLIED
        self.updated_at = now
        self.record(
            RfqReplyRecorded(
                rfq_id=self.id,
                status=self.status,
                supplier_id=supplier_id,
                recorded_by=by,
                prices=prices,
                lead_time_days=lead_time_days,
                valid_until=valid_until,
                replaced=supplier.replies > 1,
            )
        )

    def choose(self, *, supplier_id: str, by: str, order_id: str | None, now: datetime) -> None:
        """Fix the purchase order's supplier, id and creator; choosing the same reply again
        names the same order."""
        chosen_again = supplier_id == self.chosen_supplier_id and order_id in {None, self.order_id}
        if self.status is RfqStatus.ORDERED and chosen_again:
            self._record_chosen(by, repeated=True)
            return
        self._check_open()
        supplier = self._supplier(supplier_id)
        if supplier is None or supplier.reply is None:
            raise UnknownSupplierReply(
                f"Supplier {supplier_id} has not replied to RFQ {self.id}: record its reply first."
            )
        if supplier.reply.valid_until < now:
            raise ReplyExpired(
                f"The reply of {supplier_id} to RFQ {self.id} was valid until "
                f"{supplier.reply.valid_until.isoformat()}: record a new one first."
            )
        for other in self.suppliers:
            other.status = SupplierStatus.CLOSED
        supplier.status = SupplierStatus.CHOSEN
        self.status = RfqStatus.ORDERED
        self.chosen_supplier_id = supplier_id
        self.chosen_by = by
        self.order_id = order_id or purchase_order_id(self.id)
        self.updated_at = now
        self._record_chosen(by, repeated=False)

    def purchase_order(self) -> Order:
        """The purchase order made from the chosen reply: always the same one."""
        [supplier] = [s for s in self.suppliers if s.status is SupplierStatus.CHOSEN]
        assert supplier.reply is not None
        assert self.order_id
        assert self.chosen_by
        prices = {price.sku: price.unit_price for price in supplier.reply.prices}
        return Order.create(
            order_id=self.order_id,
            kind=OrderKind.PURCHASE,
            party_id=supplier.supplier_id,
            branch_id=self.branch_id,
            created_by=self.chosen_by,
            currency=self.currency,
            lines=[
                OrderLine(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=prices[line.sku],
                    description=line.description,
                )
                for line in self.lines
            ],
            notes=self.notes,
            rfq_id=self.id,
        )

    def cancel(self, *, by: str, reason: str | None, now: datetime) -> None:
        self._check_open()
        self.status = RfqStatus.CANCELLED
        for supplier in self.suppliers:
            supplier.status = SupplierStatus.CLOSED
        self.cancelled_by, self.reason, self.updated_at = by, reason, now
        self.record(
            RfqCancelled(rfq_id=self.id, status=self.status, cancelled_by=by, reason=reason)
        )

    def _record_chosen(self, by: str, *, repeated: bool) -> None:
        assert self.chosen_supplier_id
        assert self.order_id
        self.record(
            RfqReplyChosen(
                rfq_id=self.id,
                status=self.status,
                supplier_id=self.chosen_supplier_id,
                chosen_by=by,
                order_id=self.order_id,
                closed_supplier_ids=[
                    s.supplier_id for s in self.suppliers if s.status is SupplierStatus.CLOSED
                ],
                repeated=repeated,
            )
        )

    def _check_open(self) -> None:
        if self.status is not RfqStatus.OPEN:
            raise RfqClosed(f"RFQ {self.id} is {self.status.value}: it is closed.")

    def _supplier(self, supplier_id: str) -> Supplier | None:
        return next((s for s in self.suppliers if s.supplier_id == supplier_id), None)


def _check_once(what: str, values: Iterable[str]) -> None:
    twice = sorted(value for value, count in Counter(values).items() if count > 1)
    if twice:
        raise DuplicateEntry(
            f"Each {what} is named once; named more than once: {', '.join(twice)}."
        )

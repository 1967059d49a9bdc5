"""The receivables handlers with in-memory stores: the policy an order is invoiced by, each
invoice issued once however often its cause is told, a crash between the bill and the invoice
finished by the redelivery (and one after it found stored), a return credited oldest first once,
renewals left alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.billing.common.dunning import DunningPolicy
from services.billing.receivables.domain import (
    CustomerInvoice,
    OrderTerms,
    PolicyRecord,
    SalesOrder,
)
from services.billing.receivables.domain.errors import InvoiceNotFound
from services.billing.receivables.domain.policies import policy_id
from services.billing.receivables.handlers import ReceivablesHandlers
from shared.contracts.base import Message
from shared.contracts.common import OrderKind
from shared.contracts.inventory import GoodsIssued, LineProgress, StockLine
from shared.contracts.orders import OrderApproved, OrderCompleted
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerInvoiceIssued,
    CustomerInvoiceOverdue,
    InvoicingPolicy,
    RecordCustomerPayment,
    ReturnCredited,
    SetInvoicingPolicy,
)
from shared.contracts.returns import ReturnDestination, ReturnedLine, ReturnReason, ReturnReceived
from tests.unit.fakes import FakeStore
from tests.unit.test_receivables import AT, quotation_like

D = Decimal


@dataclass
class FakeReceivables:
    """The part's stores in memory, numbering like the real ones (highest + 1 per series)."""

    policies: FakeStore[PolicyRecord] = field(default_factory=lambda: FakeStore(PolicyRecord))
    orders: FakeStore[SalesOrder] = field(default_factory=lambda: FakeStore(SalesOrder))
    invoices: FakeStore[CustomerInvoice] = field(default_factory=lambda: FakeStore(CustomerInvoice))
    fail_next_invoice: bool = False
    """Stand for a crash after the bill was written and before its invoice was stored."""

    async def terms_for(self, branch_id: str, customer_id: str) -> OrderTerms:
        for key in (policy_id(branch_id, customer_id), policy_id(branch_id, None)):
            if (record := await self.policies.get(key)) is not None:
                return record.terms
        return OrderTerms()

    async def invoices_of(self, order_id: str) -> list[CustomerInvoice]:
        found = await self.invoices.find({"order_id": order_id}, limit=1000)
        return sorted(found, key=lambda i: i.number)

    async def add_numbered(
        self, make: Callable[[int], CustomerInvoice], series: str, *, cause: Message
    ) -> CustomerInvoice:
        if self.fail_next_invoice:
            self.fail_next_invoice = False
            raise ConnectionError("the database went away")
        draft = make(1)  # only to learn its order and bill
        stored = await self.invoices.find({"order_id": draft.order_id, "bill": draft.bill})
        if stored:
            return stored[0]
        numbers = [d["number"] for d in self.invoices.docs.values() if d["series"] == series]
        invoice = make(max(numbers, default=0) + 1)
        await self.invoices.add(invoice, cause=cause)
        return invoice

    async def overdue_invoices(self, now: Any, limit: int) -> list[CustomerInvoice]:
        every = await self.invoices.find({}, limit=limit)
        return [i for i in every if i.is_overdue(now)]


def handlers() -> tuple[ReceivablesHandlers, FakeReceivables]:
    stores = FakeReceivables()
    made = ReceivablesHandlers(stores, dunning=DunningPolicy((1, 3, 7)))
    made.clock = lambda: AT
    return made, stores


def policy(which: InvoicingPolicy, **overrides: Any) -> SetInvoicingPolicy:
    values: dict[str, Any] = {"branch_id": "BR-1", "policy": which, "set_by": "root"}
    return SetInvoicingPolicy(**{**values, **overrides})


def issued(issue_id: str, *lines: tuple[str, int]) -> GoodsIssued:
    return GoodsIssued(
        order_id="SO-1",
        issue_id=issue_id,
        location_id="LOC-1",
        branch_id="BR-1",
        lines=[StockLine(sku=sku, quantity=D(q)) for sku, q in lines],
        issued_by="clerk",
        order_lines=[],
        backorder=[],
        completed=False,
    )


def invoices(stores: FakeReceivables) -> list[CustomerInvoiceIssued]:
    return stores.invoices.events(CustomerInvoiceIssued)


async def bills_marked(stores: FakeReceivables) -> list[tuple[str, str | None]]:
    """The copy's bills, each with the invoice it is marked with (``None``: not yet)."""
    order = await stores.orders.get("SO-1")
    assert order is not None
    return [(bill.key, bill.invoice_id) for bill in order.bills]


async def test_a_customers_policy_overrides_its_branchs() -> None:
    handle, stores = handlers()
    await handle.set_invoicing_policy(policy(InvoicingPolicy.PER_ISSUE))
    await handle.set_invoicing_policy(
        policy(InvoicingPolicy.ON_APPROVAL, customer_id="C-1", invoice_series="PRE")
    )
    await handle.order_approved(quotation_like())
    [invoice] = invoices(stores)
    assert (invoice.invoice_id, invoice.policy, invoice.total) == (
        "PRE-000001",
        "on_approval",
        D("187.58"),
    )
    await handle.order_approved(quotation_like(order_id="SO-2", party_id="C-2"))
    assert len(invoices(stores)) == 1  # C-2 is invoiced per issue, at its branch's policy


async def test_each_issue_is_invoiced_once_however_often_it_is_told() -> None:
    handle, stores = handlers()
    await handle.set_invoicing_policy(policy(InvoicingPolicy.PER_ISSUE))
    first = issued("ISS-1", ("A", 1), ("B", 4), ("C", 1))
    await handle.goods_issued(first)  # before the approval: kept, invoiced when it comes
    assert invoices(stores) == []
    await handle.order_approved(quotation_like())
    await handle.goods_issued(first)
    second = issued("ISS-2", ("A", 2), ("B", 3))
    await handle.goods_issued(second)
    made = invoices(stores)
    assert [(i.number, i.issue_id, i.total) for i in made] == [
        (1, "ISS-1", D("127.85")),
        (2, "ISS-2", D("59.73")),
    ]
    await handle.goods_issued(second)  # redelivered
    assert len(invoices(stores)) == 2
    # ISS-1's invoice is marked on the copy by ISS-2's write; ISS-2's by the copy's next.
    assert await bills_marked(stores) == [("issue:ISS-1", "SI-000001"), ("issue:ISS-2", None)]


async def test_a_crash_between_the_bill_and_its_invoice_is_finished_by_the_redelivery() -> None:
    handle, stores = handlers()
    await handle.set_invoicing_policy(policy(InvoicingPolicy.PER_ISSUE))
    await handle.order_approved(quotation_like())
    shipped = issued("ISS-1", ("C", 1))
    stores.fail_next_invoice = True
    with pytest.raises(ConnectionError):
        await handle.goods_issued(shipped)
    order = await stores.orders.get("SO-1")
    assert order is not None
    assert [b.key for b in order.pending_bills] == ["issue:ISS-1"]
    await handle.goods_issued(shipped)  # redelivered
    [invoice] = invoices(stores)
    assert invoice.total == D("85.93")
    await handle.goods_issued(issued("ISS-2", ("B", 1)))
    assert await bills_marked(stores) == [
        ("issue:ISS-1", "SI-000001"),
        ("issue:ISS-2", None),
    ]


async def test_a_bill_stored_and_not_marked_is_found_stored_after_a_crash() -> None:
    handle, stores = handlers()
    await handle.set_invoicing_policy(policy(InvoicingPolicy.PER_ISSUE))
    await handle.order_approved(quotation_like())
    shipped = issued("ISS-1", ("C", 1))
    await handle.goods_issued(shipped)  # then the process dies before the message is acked
    restarted = ReceivablesHandlers(stores, dunning=DunningPolicy((1, 3, 7)))
    restarted.clock = lambda: AT
    await restarted.goods_issued(shipped)  # redelivered to a process that remembers nothing
    await restarted.goods_issued(issued("ISS-2", ("B", 1)))
    assert [(i.number, i.issue_id) for i in invoices(stores)] == [(1, "ISS-1"), (2, "ISS-2")]
    assert await bills_marked(stores) == [
        ("issue:ISS-1", "SI-000001"),
        ("issue:ISS-2", None),
    ]


async def test_renewal_orders_and_purchase_orders_are_left_alone() -> None:
    handle, stores = handlers()
    await handle.order_approved(quotation_like(created_by="billing"))
    await handle.order_approved(quotation_like(kind=OrderKind.PURCHASE))
    assert stores.orders.docs == {}


async def test_on_completion_invoices_what_was_issued() -> None:
    handle, stores = handlers()
    await handle.order_approved(quotation_like())  # no policy: on completion
    await handle.goods_issued(issued("ISS-1", ("C", 1)))
    assert invoices(stores) == []
    done = OrderCompleted(
        order_id="SO-1",
        kind=OrderKind.SALES,
        party_id="C-1",
        branch_id="BR-1",
        lines=[LineProgress(sku="C", ordered=D(1), fulfilled=D(1))],
        closed_short=True,
        reason="the rest is discontinued",
    )
    await handle.order_completed(done)
    [invoice] = invoices(stores)
    assert (invoice.total, invoice.final, invoice.series) == (D("85.93"), True, "SI")


async def test_a_return_is_credited_oldest_first_once() -> None:
    handle, stores = handlers()
    await handle.set_invoicing_policy(policy(InvoicingPolicy.PER_ISSUE))
    await handle.order_approved(quotation_like())
    await handle.goods_issued(issued("ISS-1", ("A", 1), ("B", 4), ("C", 1)))
    await handle.goods_issued(issued("ISS-2", ("A", 2), ("B", 3)))
    back = ReturnReceived(
        return_id="RMA-1",
        order_id="SO-1",
        branch_id="BR-1",
        location_id="LOC-1",
        destination=ReturnDestination.QUARANTINE,
        reason=ReturnReason.DAMAGED,
        lines=[ReturnedLine(sku="B", quantity=D(5), unit_cost=D(1), cost=D(5))],
        received_by="clerk",
    )
    await handle.return_received(back)
    await handle.return_received(back)  # redelivered: nothing more
    [said] = stores.orders.events(ReturnCredited)
    assert [(c.invoice_id, c.lines[0].quantity) for c in said.credits] == [
        ("SI-000001", D(4)),
        ("SI-000002", D(1)),
    ]
    notes = stores.invoices.events(CreditNoteIssued)
    assert [(n.invoice_id, n.credit_note.return_id) for n in notes] == [
        ("SI-000001", "RMA-1"),
        ("SI-000002", "RMA-1"),
    ]
    # B: 28.37 net, 5.39 VAT over 7; 4/7 on the first invoice (all of it), 1 of 3 on the second.
    assert [n.credit_note.total for n in notes] == [D("16.21") + D("3.08"), D("4.05") + D("0.77")]


async def test_payments_and_reminders_go_through_the_invoice() -> None:
    handle, stores = handlers()
    await handle.set_invoicing_policy(policy(InvoicingPolicy.ON_APPROVAL, payment_terms_days=10))
    await handle.order_approved(quotation_like())
    pay = RecordCustomerPayment(
        invoice_id="SI-000404", payment_id="P-1", amount=D(1), currency="EUR", recorded_by="r"
    )
    with pytest.raises(InvoiceNotFound):
        await handle.record_payment(pay)
    await handle.record_payment(pay.model_copy(update={"invoice_id": "SI-000001"}))
    handle.clock = lambda: AT + timedelta(days=11)
    assert await handle.run_schedule() == 1
    assert await handle.run_schedule() == 0
    [overdue] = stores.invoices.events(CustomerInvoiceOverdue)
    assert (overdue.attempt, overdue.balance) == (1, D("186.58"))


async def test_a_prepaid_order_closed_short_is_credited_what_was_never_shipped() -> None:
    handle, stores = handlers()
    await handle.set_invoicing_policy(policy(InvoicingPolicy.ON_APPROVAL))
    await handle.order_approved(quotation_like())
    await handle.goods_issued(issued("ISS-1", ("A", 3), ("B", 5), ("C", 1)))
    done = OrderCompleted(
        order_id="SO-1",
        kind=OrderKind.SALES,
        party_id="C-1",
        branch_id="BR-1",
        lines=[
            LineProgress(sku="A", ordered=D(3), fulfilled=D(3)),
            LineProgress(sku="B", ordered=D(7), fulfilled=D(5)),
            LineProgress(sku="C", ordered=D(1), fulfilled=D(1)),
        ],
        closed_short=True,
        reason="out of B",
        completed_by="bob",
    )
    await handle.order_completed(done)
    await handle.order_completed(done)  # told twice: credited once
    [note] = stores.invoices.events(CreditNoteIssued)
    [line] = note.credit_note.lines
    assert (line.sku, line.quantity, line.net, line.tax) == ("B", D(2), D("8.11"), D("1.54"))
    assert note.credit_note.reason == "closed short, never shipped: out of B"
    assert note.balance == D("187.58") - D("9.65")


def test_both_billing_parts_take_order_approved_from_its_one_queue() -> None:
    from services.billing.app import SERVICE

    [route] = [r for r in SERVICE.routes() if r.contract is OrderApproved]  # checked: typed
    assert route.queue == "billing.order-approved"
    assert "renewal" in (route.handler.__doc__ or "")
    assert "Keep billing's copy of an approved sales order" in (route.handler.__doc__ or "")

"""Handlers of the receivables part: invoicing policies, billing's copies of sales orders and
their invoices, payments, credit notes, refunds, and the reminders' schedule.

What a change of two documents commits: an order's bill is written on billing's copy of the
order first (with the event that caused it remembered there), then stored as a numbered invoice
(unique per order and bill). The copy learns the invoice's id with its next write (this process
remembers the bills it stored: ``StoredBills``), not with a write of its own. A redelivered
event finds the copy applied already and only finishes the bills it does not mark
(``_issue_waiting``): one not stored yet is stored, one stored already (by a delivery that
crashed after storing it, by another replica) is found by the unique index, so a crash between
the steps issues each invoice once. A return is planned on the copy (which invoices it credits:
``billing.return_credited``), then each credit note is written on its invoice, keyed by the
return.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from services.billing.common.dunning import DunningPolicy
from services.billing.receivables.domain import CustomerInvoice, PolicyRecord, SalesOrder
from services.billing.receivables.domain.errors import InvoiceNotFound
from services.billing.receivables.domain.orders import Bill
from services.billing.receivables.domain.policies import policy_id
from services.billing.receivables.repository import ReceivablesStores
from services.billing.receivables.stored_bills import StoredBills
from shared.contracts.base import Message, utcnow
from shared.contracts.common import OrderKind
from shared.contracts.inventory import GoodsIssued, StockLine
from shared.contracts.orders import OrderApproved, OrderCompleted
from shared.contracts.receivables import (
    CreditedLines,
    InvoicingPolicy,
    IssueCreditNote,
    RecordCustomerPayment,
    RecordRefund,
    SetInvoicingPolicy,
)
from shared.contracts.returns import ReturnReceived
from shared.pricing.money import ZERO
from shared.registry import entry
from shared.storage.aggregates import ConcurrencyConflict

log = structlog.get_logger(__name__)

BILLING_USER = entry("billing").rabbitmq_user
"""Billing's own user: subscription renewal orders are created by it (the subscriptions part
invoices those), and it signs what it does on its own (a credit for goods never shipped)."""

Clock = Callable[[], datetime]
ON_APPROVAL = InvoicingPolicy.ON_APPROVAL


class ReceivablesHandlers:
    def __init__(
        self, stores: ReceivablesStores, *, dunning: DunningPolicy, batch: int = 500
    ) -> None:
        self.stores = stores
        self.policies = stores.policies
        self.orders = stores.orders
        self.invoices = stores.invoices
        self.dunning = dunning
        self.batch = batch
        self.clock: Clock = utcnow
        """Where "now" comes from: issue dates, payments without a date, the reminders."""
        self.stored_bills = StoredBills()

    # --- policies ---------------------------------------------------------------------------

    async def set_invoicing_policy(self, cmd: SetInvoicingPolicy) -> None:
        """Set a branch's (or a customer's) invoicing policy for orders approved from now on."""
        await self.policies.create_or_change(
            policy_id(cmd.branch_id, cmd.customer_id),
            cmd,
            create=lambda: PolicyRecord.set(cmd),
            change=lambda record: record.change(cmd),
        )

    # --- what happens to sales orders -------------------------------------------------------

    async def order_approved(self, event: OrderApproved) -> None:
        """Keep billing's copy of an approved sales order (renewals excepted); on_approval:
        invoice it now."""
        if event.kind is not OrderKind.SALES or event.created_by == BILLING_USER:
            return
        terms = await self.stores.terms_for(event.branch_id, event.party_id)
        await self._learn(event, event.order_id, lambda o: o.approve(event, terms))

    async def goods_issued(self, event: GoodsIssued) -> None:
        """per_issue: invoice what the issue shipped (kept for the other policies: returns)."""
        await self._learn(event, event.order_id, lambda o: o.ship(event.issue_id, event.lines))

    async def order_completed(self, event: OrderCompleted) -> None:
        """on_completion: invoice what was issued, less returns not invoiced yet; on_approval
        and closed short: credit what was invoiced and never shipped."""
        if event.kind is not OrderKind.SALES:
            return
        await self._learn(event, event.order_id, lambda o: o.complete(event.lines))
        if not event.closed_short:
            return
        order = await self.orders.get(event.order_id)
        if order is not None and order.terms.policy is ON_APPROVAL:
            for invoice in await self.stores.invoices_of(event.order_id):
                await self._credit_unshipped(invoice.id, event)

    async def _credit_unshipped(self, invoice_id: str, event: OrderCompleted) -> None:
        unshipped = {p.sku: p.ordered - p.fulfilled for p in event.lines if p.ordered > p.fulfilled}

        def credit(invoice: CustomerInvoice) -> None:
            left = invoice.creditable()
            items = [
                StockLine(sku=sku, quantity=min(quantity, left[sku]))
                for sku, quantity in unshipped.items()
                if left.get(sku, ZERO) > ZERO
            ]
            if items:
                reason = f"closed short, never shipped: {event.reason or ''}".strip()
                by = event.completed_by or BILLING_USER
                invoice.credit_items(items, reason=reason, by=by, at=self.clock())

        await self.invoices.change(
            invoice_id, event, credit, missing=self._no_invoice(invoice_id), key="closed-short"
        )

    async def _learn(
        self, cause: Message, order_id: str, change: Callable[[SalesOrder], None]
    ) -> None:
        def create() -> SalesOrder:
            order = SalesOrder(id=order_id)
            change(order)
            return order

        def mark_and_change(order: SalesOrder) -> None:
            self.stored_bills.mark(order)
            change(order)

        await self.orders.create_or_change(
            order_id,
            cause,
            create=create,
            change=mark_and_change,
            new_first=isinstance(cause, OrderApproved),
        )
        await self._issue_waiting(order_id, cause)

    async def _issue_waiting(self, order_id: str, cause: Message) -> None:
        """Store each bill of the order that the copy does not mark, and that this process
        does not know to be stored, as an invoice. The copy is the one just written, as
        remembered (``get``)."""
        order = await self.orders.get(order_id)
        if order is None:
            return
        known = self.stored_bills.unmarked(order)
        for bill in order.pending_bills:
            if bill.key not in known:
                await self._issue(order, bill, cause)

    async def _issue(self, order: SalesOrder, bill: Bill, cause: Message) -> None:
        now = self.clock()

        def make(number: int) -> CustomerInvoice:
            return CustomerInvoice.issue(
                number=number, order=order, bill=bill, at=now, policy=self.dunning
            )

        invoice = await self.stores.add_numbered(make, order.terms.invoice_series, cause=cause)
        self.stored_bills.stored(order.id, bill.key, invoice.id)
        log.info("customer_invoice_issued", order_id=order.id, invoice_id=invoice.id)

    # --- returns ----------------------------------------------------------------------------

    async def return_received(self, event: ReturnReceived) -> None:
        """Credit the returned items on the invoices that billed them, oldest first; items not
        invoiced yet are taken off what the order will still be invoiced for."""
        await self._issue_waiting(event.order_id, event)
        invoices = await self.stores.invoices_of(event.order_id)
        creditable = [(i.id, i.creditable(but_return=event.return_id)) for i in invoices]
        lines = [StockLine(sku=line.sku, quantity=line.quantity) for line in event.lines]
        await self._learn(
            event, event.order_id, lambda o: o.return_received(event.return_id, lines, creditable)
        )
        order = await self.orders.get(event.order_id)
        plan = order.plan(event.return_id) if order is not None else None
        for credit in plan.credits if plan is not None else ():
            await self._credit(event, credit)

    async def _credit(self, event: ReturnReceived, credit: CreditedLines) -> None:
        await self.invoices.change(
            credit.invoice_id,
            event,
            lambda i: i.credit_items(
                credit.lines,
                reason=f"return {event.return_id} ({event.reason})",
                by=event.received_by,
                at=self.clock(),
                return_id=event.return_id,
            ),
            missing=self._no_invoice(credit.invoice_id),
            key=f"return:{event.return_id}",
        )

    # --- invoices ---------------------------------------------------------------------------

    def _no_invoice(self, invoice_id: str) -> Callable[[], Exception]:
        return lambda: InvoiceNotFound(f"No sales invoice {invoice_id}.")

    async def record_payment(self, cmd: RecordCustomerPayment) -> None:
        """Money received for a sales invoice, in part or in full."""
        at = cmd.received_at or self.clock()
        await self.invoices.change(
            cmd.invoice_id,
            cmd,
            lambda i: i.pay(cmd.payment_id, cmd.amount, cmd.currency, at),
            missing=self._no_invoice(cmd.invoice_id),
        )

    async def issue_credit_note(self, cmd: IssueCreditNote) -> None:
        """Credit items and quantities, or an amount, of a sales invoice."""
        at = self.clock()

        def credit(invoice: CustomerInvoice) -> None:
            if cmd.amount is not None:
                invoice.credit_amount(cmd.amount, reason=cmd.reason, by=cmd.issued_by, at=at)
            else:
                invoice.credit_items(cmd.lines, reason=cmd.reason, by=cmd.issued_by, at=at)

        await self.invoices.change(
            cmd.invoice_id, cmd, credit, missing=self._no_invoice(cmd.invoice_id)
        )

    async def record_refund(self, cmd: RecordRefund) -> None:
        """Money paid back to the customer, against a credit note or a credit balance."""
        at = cmd.paid_at or self.clock()
        await self.invoices.change(
            cmd.invoice_id,
            cmd,
            lambda i: i.refund(cmd.refund_id, cmd.amount, cmd.currency, at, cmd.credit_note_id),
            missing=self._no_invoice(cmd.invoice_id),
        )

    # --- the schedule (one replica at a time, under a lease) --------------------------------

    async def run_schedule(self) -> int:
        """Send every reminder that is due; the number of invoices reminded."""
        now = self.clock()
        changed = 0
        for invoice in await self.stores.overdue_invoices(now, self.batch):
            invoice.remind(now, self.dunning)
            try:
                await self.invoices.save(invoice, cause=None)
            except ConcurrencyConflict:
                continue  # paid or credited meanwhile: looked at again next time
            changed += 1
        return changed

"""Handlers of the billing service: plans, subscriptions, invoices, and the schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from services.billing.subscriptions.domain import (
    DunningPolicy,
    FinalAction,
    Invoice,
    Plan,
    PlanTerms,
    Subscription,
)
from services.billing.subscriptions.domain.errors import (
    InvoiceNotFound,
    PlanNotBillable,
    PlanNotFound,
    SubscriptionExists,
    SubscriptionNotFound,
)
from services.billing.subscriptions.repository import Stores
from shared.contracts.base import utcnow
from shared.contracts.billing import (
    CancelSubscription,
    ChangeSubscriptionPlan,
    DefinePlan,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceStatus,
    InvoiceUncollectible,
    InvoiceVoided,
    PauseSubscription,
    PaymentRecorded,
    RecordPayment,
    RenewalStatus,
    ResumeSubscription,
    StartSubscription,
    VoidInvoice,
    WithdrawCancellation,
)
from shared.contracts.common import OrderKind
from shared.contracts.orders import (
    CreateSalesOrder,
    OrderApproved,
    OrderCommandRejected,
    OrderCreated,
    OrderRejected,
    SubmitOrder,
)
from shared.logging import log_failure
from shared.registry import entry
from shared.storage.aggregates import ConcurrencyConflict

log = structlog.get_logger(__name__)

ACTING_USER = entry("billing").rabbitmq_user
"""Who creates and submits renewal orders: the service's own RabbitMQ user, which the order
service accepts as ``created_by``/``submitted_by`` (see the README's approval note)."""
MOST_STEPS = 1000
"""Calendar steps one subscription takes in one look (a clock moved years ahead on a daily
plan catches up over several looks)."""

Clock = Callable[[], datetime]
RENEWAL_COMMANDS = frozenset({CreateSalesOrder.type_name(), SubmitOrder.type_name()})


class BillingHandlers:
    def __init__(self, stores: Stores, *, dunning: DunningPolicy, batch: int = 500) -> None:
        self.stores = stores
        self.plans = stores.plans
        self.subscriptions = stores.subscriptions
        self.invoices = stores.invoices
        self.dunning = dunning
        self.batch = batch
        self.clock: Clock = utcnow
        """Where "now" comes from; the schedule and every command read it."""

    # --- plans ------------------------------------------------------------------------------

    async def define_plan(self, cmd: DefinePlan) -> None:
        """Create the plan, or record a new revision of an existing one."""
        terms = PlanTerms(**cmd.model_dump(include=set(PlanTerms.model_fields))).checked()
        await self.plans.create_or_change(
            cmd.plan_id,
            cmd,
            create=lambda: Plan.define(cmd.plan_id, terms, by=cmd.defined_by),
            change=lambda plan: plan.redefine(terms, by=cmd.defined_by),
        )

    async def _plan(self, plan_id: str) -> Plan:
        if (plan := await self.plans.get(plan_id)) is None:
            raise PlanNotFound(f"No plan {plan_id}: define it with billing.define_plan first.")
        if plan.branch_id is None:
            raise PlanNotBillable(
                f"Plan {plan_id} names no branch_id for its renewal orders: define it again "
                "with one."
            )
        return plan

    # --- subscriptions --------------------------------------------------------------------

    async def start_subscription(self, cmd: StartSubscription) -> None:
        """Subscribe the customer; the first period is billed at the start (after a trial)."""
        plan = await self._plan(cmd.plan_id)
        subscription = Subscription.start(
            cmd.subscription_id,
            customer_id=cmd.customer_id,
            plan=plan,
            contact=cmd.billing_contact,
            at=cmd.start_at or self.clock(),
            time_zone=cmd.time_zone,
            term_periods=cmd.term_periods,
            auto_renew=cmd.auto_renew,
        )
        if not await self.subscriptions.add_once(subscription, cause=cmd):
            raise SubscriptionExists(f"Subscription {cmd.subscription_id} exists already.")

    def _missing(self, subscription_id: str) -> Callable[[], Exception]:
        return lambda: SubscriptionNotFound(f"No subscription {subscription_id}.")

    async def change_plan(self, cmd: ChangeSubscriptionPlan) -> None:
        """Move to another plan now, prorating the rest of the period."""
        plan = await self._plan(cmd.plan_id)
        await self.subscriptions.change(
            cmd.subscription_id,
            cmd,
            lambda s: s.change_plan(plan, self.clock()),
            missing=self._missing(cmd.subscription_id),
        )

    async def pause(self, cmd: PauseSubscription) -> None:
        """Bill nothing until the resume date."""
        await self.subscriptions.change(
            cmd.subscription_id,
            cmd,
            lambda s: s.pause(cmd.resume_at, self.clock()),
            missing=self._missing(cmd.subscription_id),
        )

    async def resume(self, cmd: ResumeSubscription) -> None:
        """End a pause now; billing goes on with the next period that starts."""
        await self.subscriptions.change(
            cmd.subscription_id,
            cmd,
            lambda s: s.resume(self.clock()),
            missing=self._missing(cmd.subscription_id),
        )

    async def withdraw_cancellation(self, cmd: WithdrawCancellation) -> None:
        """Keep a subscription whose cancellation at period end is still ahead."""
        await self.subscriptions.change(
            cmd.subscription_id,
            cmd,
            lambda s: s.withdraw_cancellation(),
            missing=self._missing(cmd.subscription_id),
        )

    async def cancel(self, cmd: CancelSubscription) -> None:
        """End it now or when the billed period ends."""
        await self.subscriptions.change(
            cmd.subscription_id,
            cmd,
            lambda s: s.cancel(self.clock(), at_period_end=cmd.at_period_end, reason=cmd.reason),
            missing=self._missing(cmd.subscription_id),
        )

    # --- renewal orders: what the order service made of them ------------------------------

    async def order_created(self, event: OrderCreated) -> None:
        """Note on the renewal whether the branch's stock can serve it."""
        if not _renewal_order(event):
            return  # every other order: nothing to look up
        if event.availability is not None:
            stock = event.availability.status
            await self._renewal(event, event.order_id, stock=stock)

    async def order_approved(self, event: OrderApproved) -> None:
        """Issue the invoice of an approved renewal order (once, however often told)."""
        if not _renewal_order(event):
            return
        subscription = await self.stores.renewing(event.order_id)
        if subscription is None or (renewal := subscription.renewal(event.order_id)) is None:
            return
        plan = await self.plans.get(renewal.plan_id)
        terms_days = plan.payment_terms_days if plan else 14
        series = plan.invoice_series if plan else "INV"
        now = self.clock()
        await self.stores.add_numbered(
            lambda number: Invoice.issue(
                series=series,
                number=number,
                subscription_id=subscription.id,
                customer_id=subscription.customer_id,
                order=event,
                adjustment=renewal.adjustment,
                contact=subscription.billing_contact,
                at=now,
                payment_terms_days=terms_days,
                policy=self.dunning,
            ),
            series,
            cause=event,
        )

    async def order_rejected(self, event: OrderRejected) -> None:
        """A rejected renewal is shown on the subscription with the approver's notes."""
        if event.kind is OrderKind.SALES:
            detail = f"rejected at level {event.level} by {event.approver_id}: {event.notes or ''}"
            await self._renewal(event, event.order_id, status=RenewalStatus.REJECTED, detail=detail)

    async def order_command_rejected(self, event: OrderCommandRejected) -> None:
        """A renewal order the order service refused is shown as refused, with its reason."""
        if event.command_type not in RENEWAL_COMMANDS or not event.correlation_id:
            return
        order_id = event.correlation_id
        subscription = await self.stores.renewing(order_id)
        if subscription is None:
            return
        detail = f"{event.reason}: {event.detail}"
        await self.subscriptions.change(
            subscription.id,
            event,
            lambda s: s.renewal_refused(order_id, detail),
            missing=self._missing(subscription.id),
        )

    async def _renewal(
        self, event: OrderCreated | OrderRejected | InvoiceIssued, order_id: str, **changes: object
    ) -> None:
        subscription = await self.stores.renewing(order_id)
        if subscription is None:
            return
        await self.subscriptions.change(
            subscription.id,
            event,
            lambda s: s.renewal_update(order_id, **changes),
            missing=self._missing(subscription.id),
        )

    # --- invoices -------------------------------------------------------------------------

    def _no_invoice(self, invoice_id: str) -> Callable[[], Exception]:
        return lambda: InvoiceNotFound(f"No invoice {invoice_id}.")

    async def record_payment(self, cmd: RecordPayment) -> None:
        """Money received for an invoice, in part or in full."""
        await self.invoices.change(
            cmd.invoice_id,
            cmd,
            lambda i: i.pay(cmd.payment_id, cmd.amount, cmd.currency),
            missing=self._no_invoice(cmd.invoice_id),
        )

    async def void_invoice(self, cmd: VoidInvoice) -> None:
        """Cancel an invoice issued in error."""
        await self.invoices.change(
            cmd.invoice_id,
            cmd,
            lambda i: i.void(cmd.reason),
            missing=self._no_invoice(cmd.invoice_id),
        )

    async def invoice_issued(self, event: InvoiceIssued) -> None:
        """The renewal is invoiced: shown on the subscription."""
        await self._renewal(
            event, event.order_id, status=RenewalStatus.INVOICED, invoice_id=event.invoice_id
        )

    async def invoice_overdue(self, event: InvoiceOverdue) -> None:
        """The subscription is past due; after the last reminder, cancelled if so set."""
        cancel = (
            event.next_attempt_at is None and event.final_action == FinalAction.CANCEL_SUBSCRIPTION
        )
        await self.subscriptions.change(
            event.subscription_id,
            event,
            lambda s: s.invoice_overdue(event.invoice_id, cancel=cancel),
            missing=self._missing(event.subscription_id),
        )

    async def invoice_settled(
        self, event: PaymentRecorded | InvoiceUncollectible | InvoiceVoided
    ) -> None:
        """Paid in full, written off or voided: the subscription is no longer past due for it."""
        if event.status is InvoiceStatus.OPEN:
            return
        await self.subscriptions.change(
            event.subscription_id,
            event,
            lambda s: s.invoice_settled(event.invoice_id),
            missing=self._missing(event.subscription_id),
        )

    # --- the schedule (one replica at a time, under a lease) --------------------------------

    async def run_schedule(self) -> int:
        """Bill every period that has started and send every reminder that is due; the number
        of subscriptions and invoices changed."""
        now = self.clock()
        return await self.bill_due(now) + await self.remind_overdue(now)

    async def bill_due(self, now: datetime) -> int:
        changed = 0
        for subscription in await self.stores.due_subscriptions(now, self.batch):
            try:
                changed += await self._bill(subscription, now)
            except Exception as error:  # one subscription's failure does not stop the others
                log_failure(log, "renewal_failed", error, subscription_id=subscription.id)
        return changed

    async def _bill(self, subscription: Subscription, now: datetime) -> int:
        """Every step due for one subscription, saved one by one; a conflicting write means
        another process took the step (the saved version wins), so this one stops."""
        for _ in range(MOST_STEPS):
            plan = await self.plans.get(subscription.plan_id)
            if plan is None or not subscription.is_due(now):
                break
            subscription.bill(plan, now, acting=ACTING_USER)
            try:
                await self.subscriptions.save(subscription, cause=None)
            except ConcurrencyConflict:
                log.info("renewal_taken_elsewhere", subscription_id=subscription.id)
                return 0
        return 1

    async def remind_overdue(self, now: datetime) -> int:
        changed = 0
        for invoice in await self.stores.overdue_invoices(now, self.batch):
            invoice.remind(now, self.dunning)
            try:
                await self.invoices.save(invoice, cause=None)
            except ConcurrencyConflict:
                continue
            changed += 1
        return changed


def _renewal_order(event: OrderCreated | OrderApproved) -> bool:
    """Whether the order may be one of billing's renewals: a sales order created by billing's
    user. Other orders are passed over without a database look-up."""
    return event.kind is OrderKind.SALES and event.created_by == ACTING_USER

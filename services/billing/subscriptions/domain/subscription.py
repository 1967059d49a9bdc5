"""A customer's subscription: its periods, what each renewal became, and its status.

Billing is in advance: period ``n`` is billed when it starts (a renewal sales order, sent to
the order service as the ``billing`` user, created then submitted). Periods are counted
from the anchor (the start, or the end of the trial) by :mod:`.calendar`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import computed_field

from services.billing.subscriptions.domain.calendar import period_start, zone
from services.billing.subscriptions.domain.errors import InvalidChange, SubscriptionEnded
from services.billing.subscriptions.domain.plans import Plan
from services.billing.subscriptions.domain.proration import applied_credit, prorate
from shared.contracts.billing import (
    BillingContact,
    BillingInterval,
    Renewal,
    RenewalStatus,
    SubscriptionCancellationWithdrawn,
    SubscriptionCancelled,
    SubscriptionExpired,
    SubscriptionPastDue,
    SubscriptionPaused,
    SubscriptionPlanChanged,
    SubscriptionRenewalUpdated,
    SubscriptionRenewed,
    SubscriptionResumed,
    SubscriptionStarted,
    SubscriptionStatus,
)
from shared.contracts.common import OrderLineInput
from shared.contracts.orders import CreateSalesOrder, SubmitOrder
from shared.domain import Aggregate

ZERO = Decimal(0)
ENDED = frozenset({SubscriptionStatus.CANCELLED, SubscriptionStatus.EXPIRED})
KEPT_RENEWALS = 36
"""Renewals remembered on the subscription (older ones live on in events and invoices)."""
LONGEST_ID = 56
"""Renewal order ids are ``<subscription id>-R<period>`` and identifiers hold 64 characters."""


def message_id(*parts: object) -> UUID:
    """The same id for the same step however often (or by whichever replica) it is taken."""
    return uuid5(NAMESPACE_URL, "oms-billing:" + ":".join(str(part) for part in parts))


class Subscription(Aggregate):
    customer_id: str
    plan_id: str
    currency: str
    interval: BillingInterval
    interval_count: int
    time_zone: str = "UTC"
    anchor: datetime
    trial_end: datetime | None = None
    status: SubscriptionStatus
    next_period: int = 0
    """The first period not billed (nor skipped) yet."""
    term_periods: int | None = None
    auto_renew: bool = True
    term: int = 1
    paused_until: datetime | None = None
    cancel_at_period_end: bool = False
    cancel_reason: str | None = None
    current_price: Decimal = ZERO
    """The price the current period was billed at (what a plan change is prorated against)."""
    pending_adjustment: Decimal = ZERO
    billing_contact: BillingContact
    renewals: list[Renewal] = []
    overdue_invoices: list[str] = []

    @classmethod
    def start(
        cls,
        subscription_id: str,
        *,
        customer_id: str,
        plan: Plan,
        contact: BillingContact,
        at: datetime,
        time_zone: str = "UTC",
        term_periods: int | None = None,
        auto_renew: bool = True,
    ) -> Subscription:
        if len(subscription_id) > LONGEST_ID:
            raise InvalidChange(f"A subscription id has at most {LONGEST_ID} characters.")
        zone(time_zone)
        trial_end = at + timedelta(days=plan.trial_days) if plan.trial_days else None
        subscription = cls(
            id=subscription_id,
            customer_id=customer_id,
            plan_id=plan.id,
            currency=plan.currency,
            interval=plan.interval,
            interval_count=plan.interval_count,
            time_zone=time_zone,
            anchor=trial_end or at,
            trial_end=trial_end,
            status=SubscriptionStatus.TRIALING if trial_end else SubscriptionStatus.ACTIVE,
            term_periods=term_periods,
            auto_renew=auto_renew,
            billing_contact=contact,
        )
        subscription.record(SubscriptionStarted(**subscription.facts(), trial_end=trial_end))
        return subscription

    # --- the calendar -------------------------------------------------------------------

    def period_start(self, n: int) -> datetime:
        return period_start(
            self.anchor, self.interval, self.interval_count, n, time_zone=self.time_zone
        )

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def next_billing_at(self) -> datetime | None:
        """When the next period is billed: the first one that starts after any pause."""
        if self.ended:
            return None
        n = self.next_period
        while self.paused_until is not None and self.period_start(n) < self.paused_until:
            n += 1
        return self.period_start(n)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def next_step_at(self) -> datetime | None:
        """When the calendar next asks for something (a period starts, a pause ends): stored
        with the document, so that the schedule finds what is due by index."""
        if self.ended:
            return None
        starts = self.period_start(self.next_period)
        return starts if self.paused_until is None else min(starts, self.paused_until)

    @property
    def current_period(self) -> tuple[datetime, datetime] | None:
        """The period billed last, [start, end); none before the first is billed."""
        if self.next_period == 0:
            return None
        return self.period_start(self.next_period - 1), self.period_start(self.next_period)

    def facts(self) -> dict[str, Any]:
        """What every subscription event says of it."""
        current = self.current_period
        return {
            "subscription_id": self.id,
            "customer_id": self.customer_id,
            "plan_id": self.plan_id,
            "status": self.status,
            "current_period_start": current[0] if current else None,
            "current_period_end": current[1] if current else None,
            "next_billing_at": self.next_billing_at,
            "billing_contact": self.billing_contact,
        }

    # --- billing --------------------------------------------------------------------------

    def is_due(self, now: datetime) -> bool:
        return (due := self.next_step_at) is not None and due <= now

    def bill(self, plan: Plan, now: datetime, *, acting: str) -> Renewal | None:
        """Take the next step the calendar calls for at ``now``: end a pause, end the
        subscription, skip a period that starts during a pause, or bill the period that
        started. ``None`` when nothing was billed; call again while :meth:`is_due`."""
        if not self.is_due(now) or self._step_without_billing(now):
            return None
        return self._renew(plan, self.period_start(self.next_period), acting=acting)

    def _step_without_billing(self, now: datetime) -> bool:
        """End a pause, end the subscription, or skip a period that starts during a pause;
        False when the next period is to be billed."""
        starts = self.period_start(self.next_period)
        paused = self.paused_until
        if paused is not None and (starts >= paused or starts > now):
            self.paused_until, self.status = None, self._running_status()
            self.record(SubscriptionResumed(**self.facts()))
            return True
        if self.cancel_at_period_end:
            self._end(SubscriptionStatus.CANCELLED)
            return True
        if self._term_over():
            if not self.auto_renew:
                self._end(SubscriptionStatus.EXPIRED)
                return True
            self.term += 1
        if paused is not None:
            self.next_period += 1  # a period that starts during the pause is not billed
            return True
        return False

    def _running_status(self) -> SubscriptionStatus:
        """Out of a pause: past due while invoices are overdue, else active."""
        return SubscriptionStatus.PAST_DUE if self.overdue_invoices else SubscriptionStatus.ACTIVE

    def _term_over(self) -> bool:
        terms = self.term_periods
        return terms is not None and self.next_period >= terms * self.term

    def _renew(self, plan: Plan, starts: datetime, *, acting: str) -> Renewal:
        n = self.next_period
        adjustment = applied_credit(self.pending_adjustment, plan.price)
        renewal = Renewal(
            period=n,
            period_start=starts,
            period_end=self.period_start(n + 1),
            order_id=f"{self.id}-R{n + 1}",
            plan_id=plan.id,
            plan_revision=plan.revision,
            status=RenewalStatus.ORDERED,
            adjustment=adjustment,
        )
        self.pending_adjustment -= adjustment
        self.next_period, self.current_price = n + 1, plan.price
        if self.status is SubscriptionStatus.TRIALING:
            self.status = SubscriptionStatus.ACTIVE
        self.renewals = [*self.renewals, renewal][-KEPT_RENEWALS:]
        self.record(SubscriptionRenewed(**self.facts(), renewal=renewal))
        self._order(plan, renewal, acting=acting)
        return renewal

    def _order(self, plan: Plan, renewal: Renewal, *, acting: str) -> None:
        """The renewal sales order: created, then submitted into the customer's cycle."""
        order_id = renewal.order_id
        if plan.branch_id is None:  # redefined without one since the subscription started
            detail = f"plan {plan.id} names no branch_id to place the renewal order at"
            self.renewal_refused(order_id, detail)
            return
        lines = [
            OrderLineInput(
                sku=item.sku,
                quantity=item.quantity,
                unit_price=item.unit_price,
                description=item.description,
                tax_codes=item.tax_codes,
            )
            for item in plan.terms.billed_items(plan.id)
        ]
        days = f"{renewal.period_start:%Y-%m-%d} to {renewal.period_end:%Y-%m-%d}"
        self.send_command(
            CreateSalesOrder(
                message_id=message_id(order_id, "create"),
                correlation_id=order_id,
                order_id=order_id,
                branch_id=plan.branch_id,
                created_by=acting,
                currency=plan.currency,
                lines=lines,
                notes=f"Subscription {self.id}, plan {plan.id}, period {days} (UTC)",
                pricing=plan.pricing,
                customer_id=self.customer_id,
            )
        )
        self.send_command(
            SubmitOrder(
                message_id=message_id(order_id, "submit"),
                correlation_id=order_id,
                order_id=order_id,
                submitted_by=acting,
            )
        )

    # --- what became of a renewal ---------------------------------------------------------

    def renewal(self, order_id: str) -> Renewal | None:
        return next((r for r in self.renewals if r.order_id == order_id), None)

    def renewal_update(self, order_id: str, **changes: Any) -> Renewal | None:
        """Record what became of the renewal order ``order_id`` (ignored for an unknown one)."""
        found = self.renewal(order_id)
        if found is None:
            return None
        updated = found.model_copy(update=changes)
        self.renewals = [updated if r.order_id == order_id else r for r in self.renewals]
        self.record(SubscriptionRenewalUpdated(**self.facts(), renewal=updated))
        return updated

    def renewal_refused(self, order_id: str, detail: str) -> None:
        """The order service refused the renewal order (an unknown price or tax rate, say);
        only its first refusal counts (a refused creation makes the submission fail too)."""
        found = self.renewal(order_id)
        if found is not None and found.status is RenewalStatus.ORDERED:
            self.renewal_update(order_id, status=RenewalStatus.REFUSED, detail=detail)

    # --- changes ----------------------------------------------------------------------------

    def _refuse_if_ended(self) -> None:
        if self.ended:
            raise SubscriptionEnded(f"Subscription {self.id} is {self.status}: it changes no more.")

    def change_plan(self, plan: Plan, now: datetime) -> Decimal:
        """Move to ``plan`` now; the rest of the billed period is prorated (see proration)."""
        self._refuse_if_ended()
        if (plan.currency, plan.interval, plan.interval_count) != (
            self.currency,
            self.interval,
            self.interval_count,
        ):
            raise InvalidChange(
                f"Plan {plan.id} bills {plan.interval_count} {plan.interval} in {plan.currency}; "
                f"this subscription bills {self.interval_count} {self.interval} in "
                f"{self.currency}: subscribe anew to change them."
            )
        if plan.id == self.plan_id:
            raise InvalidChange(f"Subscription {self.id} is on plan {plan.id} already.")
        proration = ZERO
        if (current := self.current_period) is not None:
            proration = prorate(
                self.current_price,
                plan.price,
                start=current[0],
                end=current[1],
                at=now,
                currency=self.currency,
            )
            self.current_price = plan.price
        previous, self.plan_id = self.plan_id, plan.id
        self.pending_adjustment += proration
        self.record(
            SubscriptionPlanChanged(
                **self.facts(),
                previous_plan_id=previous,
                proration=proration,
                currency=self.currency,
            )
        )
        return proration

    def pause(self, resume_at: datetime, now: datetime) -> None:
        self._refuse_if_ended()
        if self.paused_until is not None:
            raise InvalidChange(f"Subscription {self.id} is paused until {self.paused_until}.")
        if resume_at <= now:
            raise InvalidChange("The resume date must be in the future.")
        self.paused_until, self.status = resume_at, SubscriptionStatus.PAUSED
        self.record(SubscriptionPaused(**self.facts(), resume_at=resume_at))

    def resume(self, now: datetime) -> None:
        """End the pause now: the periods that started during it stay unbilled, and billing
        goes on with the next one that starts from now on."""
        self._refuse_if_ended()
        if self.paused_until is None:
            raise InvalidChange(f"Subscription {self.id} is not paused.")
        self.paused_until = now
        while self.paused_until is not None and not self.ended:
            self._step_without_billing(now)

    def withdraw_cancellation(self) -> None:
        """Keep renewing: the cancellation at period end that is still ahead is dropped."""
        self._refuse_if_ended()
        if not self.cancel_at_period_end:
            raise InvalidChange(f"Subscription {self.id} has no cancellation ahead to withdraw.")
        self.cancel_at_period_end, self.cancel_reason = False, None
        self.record(SubscriptionCancellationWithdrawn(**self.facts()))

    def cancel(self, now: datetime, *, at_period_end: bool, reason: str | None) -> None:
        """Now, or when the billed period ends (nothing billed yet: now)."""
        self._refuse_if_ended()
        self.cancel_reason = reason
        current = self.current_period
        if at_period_end and current is not None and now < current[1]:
            self.cancel_at_period_end = True
            self.record(SubscriptionCancelled(**self.facts(), at_period_end=True, reason=reason))
            return
        self.status = SubscriptionStatus.CANCELLED
        self.record(SubscriptionCancelled(**self.facts(), reason=reason))

    def _end(self, status: SubscriptionStatus) -> None:
        self.status = status
        self.record(SubscriptionExpired(**self.facts()))

    # --- dunning ------------------------------------------------------------------------

    def invoice_overdue(self, invoice_id: str, *, cancel: bool) -> None:
        """An invoice is overdue: past due until it is settled; ``cancel``: dunning gave up."""
        if self.ended:
            return
        if invoice_id not in self.overdue_invoices:
            self.overdue_invoices = [*self.overdue_invoices, invoice_id]
        if cancel:
            self.status = SubscriptionStatus.CANCELLED
            reason = f"invoice {invoice_id} unpaid after every reminder"
            self.cancel_reason = reason
            self.record(SubscriptionCancelled(**self.facts(), reason=reason))
        elif self.status is not SubscriptionStatus.PAST_DUE:
            self.status = SubscriptionStatus.PAST_DUE
            self.record(SubscriptionPastDue(**self.facts(), invoice_id=invoice_id))

    def invoice_settled(self, invoice_id: str) -> None:
        """Paid, voided or written off: back to active when nothing else is overdue."""
        if invoice_id not in self.overdue_invoices:
            return
        self.overdue_invoices = [i for i in self.overdue_invoices if i != invoice_id]
        if not self.overdue_invoices and self.status is SubscriptionStatus.PAST_DUE:
            self.status = SubscriptionStatus.ACTIVE
            self.record(SubscriptionResumed(**self.facts()))

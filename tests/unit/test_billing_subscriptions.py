"""Subscriptions: billed in advance per period, trials, terms, pauses, cancellations, plan
changes, and what each renewal order became; plans that can or cannot be billed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from services.billing.subscriptions.domain import Plan, PlanTerms, Subscription
from services.billing.subscriptions.domain.calendar import UnknownTimeZone
from services.billing.subscriptions.domain.errors import (
    InvalidChange,
    InvalidPlan,
    SubscriptionEnded,
)
from services.billing.subscriptions.domain.subscription import message_id
from shared.contracts.billing import (
    BillingContact,
    BillingInterval,
    PlanItem,
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
from shared.contracts.orders import CreateSalesOrder, SubmitOrder
from shared.contracts.pricing import PricingTerms
from shared.domain import Aggregate

CONTACT = BillingContact(email="pay@customer.example", name="Carla")
START = datetime(2026, 1, 31, 9, tzinfo=UTC)
ACTIVE, PAUSED = SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED


def drained(aggregate: Aggregate) -> list[Any]:
    """The events the aggregate recorded since last asked (typed loosely, for assertions)."""
    return list(aggregate.collect_events())


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def item(sku: str, quantity: str, price: str, *codes: str) -> PlanItem:
    return PlanItem(
        sku=sku, quantity=Decimal(quantity), unit_price=Decimal(price), tax_codes=list(codes)
    )


def make_plan(plan_id: str = "BOX", price: str = "30.00", **overrides: Any) -> Plan:
    values: dict[str, Any] = {
        "name": "Box",
        "price": Decimal(price),
        "currency": "EUR",
        "interval": BillingInterval.MONTH,
        "branch_id": "BR-1",
        **overrides,
    }
    values.setdefault("items", [item("SKU-A", "1", price)])
    plan = Plan.define(plan_id, PlanTerms(**values), by="root")
    drained(plan)
    return plan


def started(plan: Plan | None = None, **options: Any) -> Subscription:
    subscription = Subscription.start(
        "SUB-1",
        customer_id="C-1",
        plan=plan or make_plan(),
        contact=CONTACT,
        at=options.pop("at", START),
        **options,
    )
    drained(subscription)
    return subscription


def bill(subscription: Subscription, plan: Plan, moment: str) -> list[Any]:
    """Every step due at ``moment``; the events they recorded."""
    now = at(moment)
    while subscription.is_due(now):
        subscription.bill(plan, now, acting="billing")
    return drained(subscription)


# --- plans --------------------------------------------------------------------------------


def test_a_plans_items_must_add_up_to_its_price_and_name_each_sku_once() -> None:
    with pytest.raises(InvalidPlan, match=r"add up to 20\.00 a period but the price is 30") as e:
        make_plan(items=[item("A", "2", "10.00")])
    assert e.value.reason == "invalid_plan"
    with pytest.raises(InvalidPlan, match="names each sku once"):
        make_plan(price="20", items=[item("A", "1", "10"), item("A", "1", "10")])
    plan = make_plan(price="25", items=[item("A", "2", "10"), item("B", "0.5", "10")])
    assert plan.terms.items_total() == Decimal(25)


def test_a_plan_without_items_bills_itself_as_one_line() -> None:
    plan = make_plan(items=[])
    [line] = plan.terms.billed_items("BOX")
    assert (line.sku, line.quantity, line.unit_price) == ("BOX", Decimal(1), Decimal("30.00"))
    assert plan.terms.billed_items("BOX") != []
    assert make_plan().terms.billed_items("BOX")[0].sku == "SKU-A"
    assert PlanTerms(name="x", price=Decimal(0), currency="EUR", interval="day").items_total() == 0


def test_a_redefinition_is_checked_and_announces_the_new_terms() -> None:
    plan = make_plan()
    with pytest.raises(InvalidPlan):
        plan.redefine(
            PlanTerms(
                name="x",
                price=Decimal(1),
                currency="EUR",
                interval="day",
                items=[item("A", "1", "2")],
            ),
            by="root",
        )
    plan.redefine(
        plan.terms.model_copy(update={"trial_days": 7, "invoice_series": "SUBS"}), by="ann"
    )
    [defined] = drained(plan)
    assert (defined.revision, defined.trial_days, defined.invoice_series) == (2, 7, "SUBS")
    assert (defined.branch_id, defined.items[0].sku) == ("BR-1", "SKU-A")
    assert plan.trial_days == 7


# --- starting and billing -----------------------------------------------------------------


def test_a_subscription_without_trial_is_active_and_due_at_its_start() -> None:
    subscription = Subscription.start(
        "SUB-1", customer_id="C-1", plan=make_plan(), contact=CONTACT, at=START
    )
    [event] = drained(subscription)
    assert isinstance(event, SubscriptionStarted)
    assert (event.status, event.trial_end, event.next_billing_at) == (ACTIVE, None, START)
    assert (event.current_period_start, event.current_period_end) == (None, None)
    assert (event.customer_id, event.plan_id, event.billing_contact) == ("C-1", "BOX", CONTACT)
    assert subscription.is_due(START)
    assert not subscription.is_due(START - timedelta(seconds=1))
    assert subscription.next_step_at == START


def test_a_trial_delays_the_first_billing_and_the_anchor() -> None:
    plan = make_plan(trial_days=14)
    subscription = Subscription.start("S", customer_id="C", plan=plan, contact=CONTACT, at=START)
    [event] = drained(subscription)
    trial_end = START + timedelta(days=14)
    assert (event.status, event.trial_end, event.next_billing_at) == (
        SubscriptionStatus.TRIALING,
        trial_end,
        trial_end,
    )
    assert bill(subscription, plan, "2026-02-14T08:59") == []
    [renewed] = bill(subscription, plan, "2026-02-14T09:00")
    assert renewed.status is ACTIVE
    assert renewed.next_billing_at == at("2026-03-14T09:00")


def test_a_started_subscription_refuses_long_ids_and_unknown_time_zones() -> None:
    with pytest.raises(InvalidChange, match="at most 56 characters"):
        Subscription.start("S" * 57, customer_id="C", plan=make_plan(), contact=CONTACT, at=START)
    Subscription.start("S" * 56, customer_id="C", plan=make_plan(), contact=CONTACT, at=START)
    with pytest.raises(UnknownTimeZone):
        started(time_zone="Nowhere/Town")


def test_each_period_is_billed_once_as_a_renewal_order_created_then_submitted() -> None:
    plan = make_plan(pricing=PricingTerms(prices_include_tax=True))
    subscription = started(plan)
    [renewed] = bill(subscription, plan, "2026-01-31T09:00")
    assert isinstance(renewed, SubscriptionRenewed)
    renewal = renewed.renewal
    assert (renewal.period, renewal.order_id, renewal.status) == (0, "SUB-1-R1", "ordered")
    assert (renewal.period_start, renewal.period_end) == (START, at("2026-02-28T09:00"))
    assert (renewal.plan_id, renewal.plan_revision, renewal.adjustment) == ("BOX", 1, Decimal(0))
    assert (renewed.current_period_start, renewed.current_period_end) == (
        START,
        at("2026-02-28T09:00"),
    )
    create, submit = subscription.collect_commands()
    assert isinstance(create, CreateSalesOrder)
    assert isinstance(submit, SubmitOrder)
    assert (create.order_id, create.customer_id, create.branch_id) == ("SUB-1-R1", "C-1", "BR-1")
    assert (create.created_by, submit.submitted_by, submit.order_id) == (
        "billing",
        "billing",
        "SUB-1-R1",
    )
    assert (create.correlation_id, submit.correlation_id) == ("SUB-1-R1", "SUB-1-R1")
    assert create.currency == "EUR"
    assert create.pricing == PricingTerms(prices_include_tax=True)
    [line] = create.lines
    assert (line.sku, line.quantity, line.unit_price) == ("SKU-A", Decimal(1), Decimal(30))
    assert create.notes == "Subscription SUB-1, plan BOX, period 2026-01-31 to 2026-02-28 (UTC)"
    # The same ids whichever replica, however often: the order service applies them once.
    assert create.message_id == message_id("SUB-1-R1", "create")
    assert submit.message_id == message_id("SUB-1-R1", "submit")
    assert create.message_id != submit.message_id
    assert message_id("a", 1) == message_id("a", 1) != message_id("a", 2)
    assert isinstance(message_id("x"), UUID)
    assert bill(subscription, plan, "2026-02-28T08:59") == []
    assert subscription.bill(plan, at("2026-02-28T08:59"), acting="billing") is None
    assert subscription.collect_commands() == []


def test_a_renewal_bills_the_plan_as_it_is_when_the_period_starts() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.collect_commands()
    plan.redefine(
        plan.terms.model_copy(update={"price": Decimal(45), "items": [item("SKU-A", "3", "15")]}),
        by="ann",
    )
    [renewed] = bill(subscription, plan, "2026-02-28T09:00")
    assert (renewed.renewal.plan_revision, renewed.renewal.order_id) == (2, "SUB-1-R2")
    create, _ = subscription.collect_commands()
    assert isinstance(create, CreateSalesOrder)
    assert create.lines[0].unit_price == Decimal(15)
    assert subscription.current_price == Decimal(45)


def test_a_clock_moved_far_ahead_bills_every_missed_period_in_order() -> None:
    plan = make_plan()
    subscription = started(plan)
    events = bill(subscription, plan, "2026-04-30T09:00")
    assert [e.renewal.order_id for e in events] == ["SUB-1-R1", "SUB-1-R2", "SUB-1-R3", "SUB-1-R4"]
    assert len(subscription.collect_commands()) == 8


def test_a_term_without_auto_renew_expires_after_its_periods() -> None:
    plan = make_plan()
    subscription = started(plan, term_periods=2, auto_renew=False)
    bill(subscription, plan, "2026-02-28T09:00")
    [expired] = bill(subscription, plan, "2026-03-31T09:00")
    assert isinstance(expired, SubscriptionExpired)
    assert (expired.status, expired.next_billing_at) == (SubscriptionStatus.EXPIRED, None)
    assert subscription.next_step_at is None
    assert not subscription.is_due(at("2030-01-01T00:00"))
    assert subscription.bill(plan, at("2030-01-01T00:00"), acting="billing") is None


def test_a_term_with_auto_renew_starts_the_next_term() -> None:
    plan = make_plan()
    subscription = started(plan, term_periods=2)
    events = bill(subscription, plan, "2026-04-30T09:00")
    assert [e.renewal.period for e in events] == [0, 1, 2, 3]
    assert subscription.term == 2
    bill(subscription, plan, "2026-05-31T09:00")
    assert subscription.term == 3


# --- pauses --------------------------------------------------------------------------------


def test_periods_starting_during_a_pause_are_skipped_and_the_pause_ends_on_its_date() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.pause(at("2026-04-15T00:00"), at("2026-02-10T00:00"))
    [paused] = drained(subscription)
    assert isinstance(paused, SubscriptionPaused)
    assert (paused.status, paused.resume_at) == (PAUSED, at("2026-04-15T00:00"))
    assert paused.next_billing_at == at("2026-04-30T09:00")
    assert subscription.next_step_at == at("2026-02-28T09:00")
    assert bill(subscription, plan, "2026-04-14T23:59") == []
    assert subscription.status is PAUSED
    assert subscription.next_period == 3  # February's and March's periods were skipped
    assert subscription.next_step_at == at("2026-04-15T00:00")
    [resumed] = bill(subscription, plan, "2026-04-15T00:00")
    assert isinstance(resumed, SubscriptionResumed)
    assert (resumed.status, subscription.paused_until) == (ACTIVE, None)
    [renewed] = bill(subscription, plan, "2026-04-30T09:00")
    assert (renewed.renewal.period, renewed.renewal.order_id) == (3, "SUB-1-R4")


def test_a_pause_ending_before_the_next_period_skips_nothing() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.pause(at("2026-02-20T00:00"), at("2026-02-10T00:00"))
    drained(subscription)
    assert subscription.next_step_at == at("2026-02-20T00:00")
    [resumed] = bill(subscription, plan, "2026-02-28T09:00")[:1]
    assert isinstance(resumed, SubscriptionResumed)
    assert subscription.next_period == 2  # February was billed after the pause


def test_a_pause_is_refused_twice_into_the_past_or_once_ended() -> None:
    subscription = started()
    with pytest.raises(InvalidChange, match="resume date must be in the future"):
        subscription.pause(START, START)
    subscription.pause(START + timedelta(days=1), START)
    with pytest.raises(InvalidChange, match="is paused until"):
        subscription.pause(START + timedelta(days=2), START)
    subscription.cancel(START, at_period_end=False, reason=None)
    with pytest.raises(SubscriptionEnded, match="SUB-1 is cancelled: it changes no more") as e:
        subscription.pause(START + timedelta(days=3), START)
    assert e.value.reason == "subscription_ended"


def test_a_pause_ended_early_skips_the_period_in_progress_and_bills_the_next() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.pause(at("2026-12-31T00:00"), at("2026-02-10T00:00"))
    drained(subscription)

    subscription.resume(at("2026-04-05T00:00"))  # the periods of 28 Feb and 31 Mar began paused

    [resumed] = drained(subscription)
    assert isinstance(resumed, SubscriptionResumed)
    assert (resumed.status, subscription.paused_until) == (ACTIVE, None)
    assert subscription.next_period == 3
    assert resumed.next_billing_at == at("2026-04-30T09:00")
    assert bill(subscription, plan, "2026-04-30T08:59") == []
    [renewed] = bill(subscription, plan, "2026-04-30T09:00")
    assert renewed.renewal.order_id == "SUB-1-R4"


def test_a_pause_ended_early_before_any_period_began_bills_the_next_as_due() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.pause(at("2026-06-01T00:00"), at("2026-02-10T00:00"))
    subscription.resume(at("2026-02-11T00:00"))

    assert subscription.next_period == 1
    assert subscription.next_step_at == at("2026-02-28T09:00")


def test_a_resumed_subscription_with_invoices_overdue_is_past_due() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.invoice_overdue("INV-1", cancel=False)
    subscription.pause(at("2026-06-01T00:00"), at("2026-02-20T00:00"))
    drained(subscription)

    subscription.resume(at("2026-02-21T00:00"))

    [resumed] = drained(subscription)
    assert resumed.status is SubscriptionStatus.PAST_DUE


def test_a_pause_ended_early_past_a_cancellation_at_period_end_ends_the_subscription() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.cancel(at("2026-02-05T00:00"), at_period_end=True, reason=None)
    subscription.pause(at("2026-06-01T00:00"), at("2026-02-10T00:00"))
    drained(subscription)

    subscription.resume(at("2026-03-05T00:00"))

    [ended] = drained(subscription)
    assert isinstance(ended, SubscriptionExpired)
    assert ended.status is SubscriptionStatus.CANCELLED


def test_only_a_paused_running_subscription_is_resumed() -> None:
    subscription = started()
    with pytest.raises(InvalidChange, match="SUB-1 is not paused") as refused:
        subscription.resume(START)
    assert refused.value.reason == "invalid_change"
    subscription.pause(START + timedelta(days=5), START)
    subscription.cancel(START, at_period_end=False, reason=None)
    with pytest.raises(SubscriptionEnded):
        subscription.resume(START + timedelta(days=1))


# --- cancellation ---------------------------------------------------------------------------


def test_a_cancellation_at_period_end_is_withdrawn_and_the_subscription_renews() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.cancel(at("2026-02-10T00:00"), at_period_end=True, reason="too dear")
    drained(subscription)

    subscription.withdraw_cancellation()

    [kept] = drained(subscription)
    assert isinstance(kept, SubscriptionCancellationWithdrawn)
    assert (kept.status, subscription.cancel_at_period_end, subscription.cancel_reason) == (
        ACTIVE,
        False,
        None,
    )
    assert kept.next_billing_at == at("2026-02-28T09:00")
    [renewed] = bill(subscription, plan, "2026-02-28T09:00")
    assert renewed.renewal.order_id == "SUB-1-R2"


def test_only_a_cancellation_still_ahead_is_withdrawn() -> None:
    subscription = started()
    with pytest.raises(InvalidChange, match="SUB-1 has no cancellation ahead to withdraw"):
        subscription.withdraw_cancellation()
    subscription.cancel(START, at_period_end=False, reason=None)
    with pytest.raises(SubscriptionEnded):
        subscription.withdraw_cancellation()


def test_a_cancellation_now_stops_billing_at_once() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.cancel(at("2026-02-10T00:00"), at_period_end=False, reason="moving")
    [cancelled] = drained(subscription)
    assert isinstance(cancelled, SubscriptionCancelled)
    assert (cancelled.status, cancelled.at_period_end, cancelled.reason) == (
        SubscriptionStatus.CANCELLED,
        False,
        "moving",
    )
    assert cancelled.next_billing_at is None
    assert bill(subscription, plan, "2027-01-01T00:00") == []


def test_a_cancellation_at_period_end_lets_the_billed_period_run_out() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.cancel(at("2026-02-10T00:00"), at_period_end=True, reason=None)
    [cancelled] = drained(subscription)
    assert (cancelled.status, cancelled.at_period_end) == (ACTIVE, True)
    assert cancelled.current_period_end == at("2026-02-28T09:00")
    [ended] = bill(subscription, plan, "2026-02-28T09:00")
    assert isinstance(ended, SubscriptionExpired)
    assert ended.status is SubscriptionStatus.CANCELLED
    assert subscription.collect_commands()[2:] == []


def test_a_cancellation_at_period_end_before_anything_is_billed_is_immediate() -> None:
    subscription = started()
    subscription.cancel(START - timedelta(days=1), at_period_end=True, reason=None)
    [cancelled] = drained(subscription)
    assert (cancelled.status, cancelled.at_period_end) == (SubscriptionStatus.CANCELLED, False)
    plan = make_plan()
    other = started(plan)
    bill(other, plan, "2026-01-31T09:00")
    other.cancel(at("2026-02-28T09:00"), at_period_end=True, reason=None)  # the period is over
    assert other.status is SubscriptionStatus.CANCELLED


# --- plan changes -----------------------------------------------------------------------------


def test_a_plan_change_prorates_the_billed_period_and_goes_on_the_next_renewal() -> None:
    basic, plus = make_plan(), make_plan("PLUS", "60.00")
    subscription = started(basic, at=at("2026-01-01T00:00"))
    bill(subscription, basic, "2026-01-01T00:00")
    proration = subscription.change_plan(plus, at("2026-01-16T00:00"))
    [changed] = drained(subscription)
    assert isinstance(changed, SubscriptionPlanChanged)
    assert proration == changed.proration == Decimal("15.48")
    assert (changed.plan_id, changed.previous_plan_id, changed.currency) == ("PLUS", "BOX", "EUR")
    assert (subscription.pending_adjustment, subscription.current_price) == (
        Decimal("15.48"),
        Decimal(60),
    )
    [renewed] = bill(subscription, plus, "2026-02-01T00:00")
    assert renewed.renewal.adjustment == Decimal("15.48")
    assert renewed.renewal.plan_id == "PLUS"
    assert subscription.pending_adjustment == 0


def test_a_downgrade_credit_is_used_up_to_a_periods_price_and_the_rest_waits() -> None:
    big, small = make_plan("BIG", "90.00"), make_plan("SMALL", "3.00")
    subscription = started(big, at=at("2026-01-01T00:00"))
    bill(subscription, big, "2026-01-01T00:00")
    assert subscription.change_plan(small, at("2026-01-01T00:00")) == Decimal("-87.00")
    drained(subscription)
    [first] = bill(subscription, small, "2026-02-01T00:00")
    assert first.renewal.adjustment == Decimal(-3)
    assert subscription.pending_adjustment == Decimal(-84)


def test_a_plan_change_before_the_first_billing_prorates_nothing() -> None:
    subscription = started()
    assert subscription.change_plan(make_plan("PLUS", "60.00"), START) == 0
    assert subscription.current_price == 0
    assert subscription.plan_id == "PLUS"


def test_a_plan_change_keeps_the_currency_and_the_interval_and_needs_another_plan() -> None:
    subscription = started()
    for other in (
        make_plan("USD", currency="USD"),
        make_plan("YEAR", interval=BillingInterval.YEAR),
        make_plan("TWO", interval_count=2),
    ):
        with pytest.raises(InvalidChange, match="subscribe anew") as e:
            subscription.change_plan(other, START)
        assert e.value.reason == "invalid_change"
    with pytest.raises(InvalidChange, match="on plan BOX already"):
        subscription.change_plan(make_plan(), START)
    subscription.cancel(START, at_period_end=False, reason=None)
    with pytest.raises(SubscriptionEnded):
        subscription.change_plan(make_plan("PLUS"), START)
    with pytest.raises(SubscriptionEnded):
        subscription.cancel(START, at_period_end=False, reason=None)


# --- what became of the renewals, and dunning ------------------------------------------------


def test_a_renewals_fate_is_recorded_on_it_and_announced() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-02-28T09:00")
    updated = subscription.renewal_update("SUB-1-R1", status=RenewalStatus.REJECTED, detail="no")
    assert updated is not None
    [event] = drained(subscription)
    assert isinstance(event, SubscriptionRenewalUpdated)
    assert (event.renewal.status, event.renewal.detail) == ("rejected", "no")
    assert subscription.renewal("SUB-1-R1") == updated
    assert subscription.renewal("SUB-1-R2").status == "ordered"  # type: ignore[union-attr]
    assert subscription.renewal_update("SUB-9-R1", stock="short") is None
    assert subscription.renewal("SUB-9-R1") is None
    assert drained(subscription) == []


def test_an_overdue_invoice_makes_it_past_due_until_every_overdue_invoice_is_settled() -> None:
    subscription = started()
    subscription.invoice_overdue("INV-1", cancel=False)
    [past_due] = drained(subscription)
    assert isinstance(past_due, SubscriptionPastDue)
    assert (past_due.status, past_due.invoice_id) == (SubscriptionStatus.PAST_DUE, "INV-1")
    subscription.invoice_overdue("INV-1", cancel=False)
    subscription.invoice_overdue("INV-2", cancel=False)
    assert drained(subscription) == []
    assert subscription.overdue_invoices == ["INV-1", "INV-2"]
    subscription.invoice_settled("INV-1")
    subscription.invoice_settled("INV-9")
    assert subscription.status is SubscriptionStatus.PAST_DUE
    subscription.invoice_settled("INV-2")
    [active] = drained(subscription)
    assert isinstance(active, SubscriptionResumed)
    assert active.status is ACTIVE


def test_a_settled_invoice_leaves_a_paused_subscription_paused() -> None:
    subscription = started()
    subscription.invoice_overdue("INV-1", cancel=False)
    subscription.pause(START + timedelta(days=5), START)
    drained(subscription)
    subscription.invoice_settled("INV-1")
    assert subscription.status is PAUSED
    assert drained(subscription) == []


def test_dunning_that_gives_up_cancels_the_subscription_once() -> None:
    subscription = started()
    subscription.invoice_overdue("INV-1", cancel=True)
    [cancelled] = drained(subscription)
    assert isinstance(cancelled, SubscriptionCancelled)
    assert cancelled.reason == "invoice INV-1 unpaid after every reminder"
    assert subscription.cancel_reason == cancelled.reason
    subscription.invoice_overdue("INV-1", cancel=True)
    subscription.invoice_overdue("INV-2", cancel=False)
    assert drained(subscription) == []
    assert subscription.status is SubscriptionStatus.CANCELLED


def test_only_the_first_refusal_of_an_ordered_renewal_counts() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.renewal_refused("SUB-1-R1", "unknown_price: no price for SKU-A")
    subscription.renewal_refused("SUB-1-R1", "unknown_order: no order SUB-1-R1")
    subscription.renewal_refused("SUB-9-R1", "unknown_order")
    [refused] = drained(subscription)
    assert (refused.renewal.status, refused.renewal.detail) == (
        "refused",
        "unknown_price: no price for SKU-A",
    )


# --- the rules stated exactly (what mutation testing found unstated) ------------------------


def test_refusals_say_exactly_what_to_do() -> None:
    with pytest.raises(InvalidPlan) as twice:
        make_plan(price="20", items=[item("A", "1", "10"), item("A", "1", "10")])
    assert str(twice.value) == "A plan names each sku once; merge the lines of the same sku."
    with pytest.raises(InvalidPlan) as apart:
        make_plan(items=[item("A", "2", "10.00")])
    assert str(apart.value) == (
        "The items add up to 20.00 a period but the price is 30.00: make them agree."
    )
    subscription = started()
    with pytest.raises(InvalidChange) as past:
        subscription.pause(START, START)
    assert str(past.value) == "The resume date must be in the future."


def test_an_empty_plan_adds_up_to_a_decimal_zero() -> None:
    total = PlanTerms(name="x", price=Decimal(0), currency="EUR", interval="day").items_total()
    assert isinstance(total, Decimal)


def test_renewal_ids_are_fixed_by_the_order_and_the_step() -> None:
    assert message_id("SUB-1-R1", "create") == uuid5(NAMESPACE_URL, "oms-billing:SUB-1-R1:create")


def test_a_subscription_keeps_its_time_zone_and_trial_end_and_bills_on_local_dates() -> None:
    plan = make_plan(trial_days=3)
    # 23:00 UTC on 28 February is midnight on 1 March in Berlin: it bills on each 1st.
    subscription = started(plan, at=at("2026-02-25T23:00"), time_zone="Europe/Berlin")
    assert subscription.time_zone == "Europe/Berlin"
    assert subscription.trial_end == at("2026-02-28T23:00")
    assert subscription.anchor == at("2026-02-28T23:00")
    events = bill(subscription, plan, "2026-04-30T22:00")
    starts = [e.renewal.period_start for e in events if isinstance(e, SubscriptionRenewed)]
    assert starts == [at("2026-02-28T23:00"), at("2026-03-31T22:00"), at("2026-04-30T22:00")]


def test_a_pause_ending_exactly_when_a_period_starts_bills_that_period() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.pause(at("2026-02-28T09:00"), at("2026-02-01T00:00"))
    subscription.collect_events()
    resumed, renewed = bill(subscription, plan, "2026-02-28T09:00")
    assert isinstance(resumed, SubscriptionResumed)
    assert renewed.renewal.order_id == "SUB-1-R2"


def test_a_period_starting_now_during_a_pause_is_skipped_not_resumed() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.pause(at("2026-03-15T00:00"), at("2026-02-01T00:00"))
    subscription.collect_events()
    assert subscription.bill(plan, at("2026-02-28T09:00"), acting="billing") is None
    assert (subscription.status, subscription.next_period) == (PAUSED, 2)
    assert subscription.collect_events() == []
    subscription.bill(plan, at("2026-03-15T00:00"), acting="billing")
    assert subscription.status is ACTIVE
    assert subscription.next_period == 2


def test_a_renewal_order_carries_each_items_description_and_tax_codes() -> None:
    described = PlanItem(
        sku="TEA", unit_price=Decimal(30), description="Green tea", tax_codes=["VAT", "CITY"]
    )
    plan = make_plan(items=[described])
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    create, _ = subscription.collect_commands()
    assert isinstance(create, CreateSalesOrder)
    [line] = create.lines
    assert (line.sku, line.description, line.tax_codes) == ("TEA", "Green tea", ["VAT", "CITY"])
    bare = make_plan("BARE", items=[])
    other = started(bare)
    bill(other, bare, "2026-01-31T09:00")
    create, _ = other.collect_commands()
    assert isinstance(create, CreateSalesOrder)
    assert [(li.sku, li.quantity, li.unit_price) for li in create.lines] == [
        ("BARE", Decimal(1), Decimal("30.00"))
    ]


def test_a_plan_without_a_branch_refuses_its_renewal_instead_of_ordering() -> None:
    plan = make_plan()
    subscription = started(plan)
    plan.branch_id = None
    renewed, refused = bill(subscription, plan, "2026-01-31T09:00")
    assert renewed.renewal.status == "ordered"
    assert refused.renewal.status == "refused"
    assert refused.renewal.detail == "plan BOX names no branch_id to place the renewal order at"
    assert subscription.collect_commands() == []


def test_proration_rounds_in_the_subscriptions_currency_and_adds_up_over_changes() -> None:
    yen, yen_plus = (
        make_plan("YEN", "1000", currency="JPY"),
        make_plan("YEN2", "2001", currency="JPY"),
    )
    subscription = started(yen, at=at("2026-01-01T00:00"))
    bill(subscription, yen, "2026-01-01T00:00")
    half = at("2026-01-16T12:00")
    assert subscription.change_plan(yen_plus, half) == Decimal(500)  # 1001 / 2 = 500.5
    assert subscription.change_plan(make_plan("YEN3", "1000", currency="JPY"), half) == -500
    assert subscription.pending_adjustment == 0
    subscription.change_plan(yen_plus, half)
    subscription.change_plan(make_plan("YEN4", "3001", currency="JPY"), half)
    assert subscription.pending_adjustment == Decimal(1000)


def test_a_cancellation_keeps_its_reason() -> None:
    plan = make_plan()
    subscription = started(plan)
    bill(subscription, plan, "2026-01-31T09:00")
    subscription.cancel(at("2026-02-01T00:00"), at_period_end=True, reason="too much tea")
    [cancelled] = drained(subscription)
    assert (cancelled.at_period_end, cancelled.reason) == (True, "too much tea")
    assert subscription.cancel_reason == "too much tea"

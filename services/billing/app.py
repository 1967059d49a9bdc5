"""The billing service as data: its parts' tables joined, and the handlers object that holds each
part's handlers (``setup``).

The parts (see README, Layout): ``subscriptions`` (plans, subscriptions, their renewal orders,
their invoices, payments and dunning) and ``receivables`` (invoices for sales orders, their
payments, credit notes, refunds and reminders), over ``common`` (the dunning rules, gap-free
numbering). ``make lint`` keeps each part to the parts below it
(import-linter).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.billing.receivables import repository as receivables_repository
from services.billing.receivables import table as receivables_table
from services.billing.receivables.handlers import ReceivablesHandlers
from services.billing.settings import BillingSettings
from services.billing.subscriptions import table as subscription_table
from services.billing.subscriptions.handlers import BillingHandlers
from services.billing.subscriptions.repository import create_indexes, stores
from shared.jobs import LeasedJob
from shared.parts import Part, joined, within
from shared.registry import entry
from shared.runtime import Runtime
from shared.service import Service


@dataclass(frozen=True)
class BillingParts:
    """The billing service's handlers object: each part's handlers."""

    subscriptions: BillingHandlers
    receivables: ReceivablesHandlers


async def setup(runtime: Runtime[BillingSettings]) -> BillingParts:
    settings = runtime.settings
    await create_indexes(runtime.database)
    subscriptions = BillingHandlers(
        stores(runtime.database, runtime.outbox),
        dunning=settings.dunning,
        batch=settings.schedule_batch,
    )
    runtime.jobs.append(
        LeasedJob(
            runtime.database,
            "billing-schedule",
            subscriptions.run_schedule,
            owner=runtime.owner,
            interval_seconds=settings.schedule_interval_seconds,
        )
    )
    await receivables_repository.create_indexes(runtime.database)
    receivables = ReceivablesHandlers(
        receivables_repository.stores(runtime.database, runtime.outbox),
        dunning=settings.dunning,
        batch=settings.schedule_batch,
    )
    runtime.jobs.append(
        LeasedJob(
            runtime.database,
            "receivables-reminders",
            receivables.run_schedule,
            owner=runtime.owner,
            interval_seconds=settings.schedule_interval_seconds,
        )
    )
    return BillingParts(subscriptions=subscriptions, receivables=receivables)


PARTS: Part[BillingParts] = joined(
    within(lambda parts: parts.subscriptions, subscription_table.TABLE),
    within(lambda parts: parts.receivables, receivables_table.TABLE),
)

SERVICE = Service(
    entry=entry("billing"),
    description="Subscription plans, subscriptions and their renewal sales orders (sent to the "
    "order service as the billing user), invoices for approved renewals, payments and dunning; "
    "customer invoices for sales orders (on approval, per goods issue or on completion, by "
    "each branch's or customer's policy), their payments, credit notes (by command or from "
    "returns), refunds and reminders, a customer's open items and statement.",
    setup=setup,
    settings=BillingSettings,
    commands=PARTS.commands,
    events=PARTS.events,
    publishes=PARTS.publishes,
    outbox_collections=PARTS.outbox_collections,
    queries=PARTS.queries,
)

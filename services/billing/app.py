"""The billing service as data: its parts' tables joined, and the handlers object that holds each
part's handlers (``setup``).

The parts (see README, Layout): ``subscriptions`` (plans, subscriptions, their renewal orders,
their invoices, payments and dunning); ``payables`` (supplier bills matched to purchase orders
and receipts, payments to vendors). ``make lint`` keeps each part to the parts below it
(import-linter).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.billing.payables import table as payables_table
from services.billing.payables.handlers import PayablesHandlers
from services.billing.payables.repository import create_indexes as create_payables_indexes
from services.billing.payables.repository import stores as payables_stores
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
    payables: PayablesHandlers


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
    await create_payables_indexes(runtime.database)
    payables = PayablesHandlers(payables_stores(runtime.database, runtime.outbox))
    return BillingParts(subscriptions=subscriptions, payables=payables)


PARTS: Part[BillingParts] = joined(
    within(lambda parts: parts.subscriptions, subscription_table.TABLE),
    within(lambda parts: parts.payables, payables_table.TABLE),
)

SERVICE = Service(
    entry=entry("billing"),
    description="Subscription plans, subscriptions and their renewal sales orders (sent to the "
    "order service as the billing user), invoices for approved renewals, payments and dunning; "
    "supplier bills matched to purchase orders and receipts (three-way match), held or "
    "approved, and payments to vendors.",
    setup=setup,
    settings=BillingSettings,
    commands=PARTS.commands,
    events=PARTS.events,
    publishes=PARTS.publishes,
    outbox_collections=PARTS.outbox_collections,
    queries=PARTS.queries,
)

"""The billing service as data: its parts' tables joined, and the handlers object that holds each
part's handlers (``setup``).

The parts (see README, Layout): ``ledger`` (the chart of accounts and a balanced journal entry
per financial fact, learnt from events only) over ``subscriptions`` (plans, subscriptions,
their renewal orders, their invoices, payments and dunning), ``receivables`` (invoices for
sales orders, their payments, credit notes, refunds and reminders) and ``payables`` (supplier
bills matched to purchase orders and receipts, payments to vendors), over ``common`` (the
dunning rules, gap-free numbering). ``make lint`` keeps each part to the parts below it
(import-linter).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.billing.ledger import table as ledger_table
from services.billing.ledger.handlers import LedgerHandlers
from services.billing.ledger.repository import create_indexes as create_ledger_indexes
from services.billing.ledger.repository import ledger_stores
from services.billing.payables import table as payables_table
from services.billing.payables.handlers import PayablesHandlers
from services.billing.payables.repository import create_indexes as create_payables_indexes
from services.billing.payables.repository import stores as payables_stores
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
    payables: PayablesHandlers
    ledger: LedgerHandlers
    receivables: ReceivablesHandlers


async def setup(runtime: Runtime[BillingSettings]) -> BillingParts:
    settings = runtime.settings
    await create_indexes(runtime.database)
    await create_ledger_indexes(runtime.database)
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
    await create_payables_indexes(runtime.database)
    payables = PayablesHandlers(payables_stores(runtime.database, runtime.outbox))
    ledger = LedgerHandlers(
        ledger_stores(runtime.database, runtime.outbox), batch=settings.schedule_batch
    )
    return BillingParts(
        subscriptions=subscriptions, receivables=receivables, payables=payables, ledger=ledger
    )


# An event several parts consume reaches each in this order, the ledger first; a part that
# fails on it does not keep it from the next (shared/parts.py), and a fault redelivers it to
# all, each part's handler being idempotent.
PARTS: Part[BillingParts] = joined(
    within(lambda parts: parts.ledger, ledger_table.TABLE),
    within(lambda parts: parts.subscriptions, subscription_table.TABLE),
    within(lambda parts: parts.receivables, receivables_table.TABLE),
    within(lambda parts: parts.payables, payables_table.TABLE),
)

SERVICE = Service(
    entry=entry("billing"),
    description="Subscription plans, subscriptions and their renewal sales orders (sent to the "
    "order service as the billing user), invoices for approved renewals, payments and dunning; "
    "customer invoices for sales orders (on approval, per goods issue or on completion, by "
    "each branch's or customer's policy), their payments, credit notes (by command or from "
    "returns), refunds and reminders, a customer's open items and statement; "
    "supplier bills matched to purchase orders and receipts (three-way match), held or "
    "approved, and payments to vendors; "
    "and the ledger: every financial fact (invoices, payments, voids, write-offs, inventory "
    "movements at cost) as one balanced journal entry, `billing.journal_entry_posted`, on the "
    "accounts of the chart-of-accounts mapping (`billing.define_chart_of_accounts`). An "
    "accounting system (Odoo, ERPNext, QuickBooks through a connector) subscribes to "
    "`billing.journal_entry_posted` and needs nothing else.",
    setup=setup,
    settings=BillingSettings,
    commands=PARTS.commands,
    events=PARTS.events,
    publishes=PARTS.publishes,
    outbox_collections=PARTS.outbox_collections,
    queries=PARTS.queries,
)

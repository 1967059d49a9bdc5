"""Invoicing policies are looked up in the policies read all at once a moment ago (a shop has
few), not once per approved order: a policy set here applies at once, one set by another
replica within the snapshot's freshness, and with more policies than are remembered each
order asks the database again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.billing.receivables import repository
from services.billing.receivables.domain import PolicyRecord
from services.billing.receivables.domain.policies import policy_id
from services.billing.receivables.repository import POLICIES, Stores, stores
from shared.contracts.receivables import InvoicingPolicy, SetInvoicingPolicy
from shared.storage.mongo import Document, connect, database
from shared.storage.outbox import OutboxRelay
from tests.support.commands import Sent
from tests.support.factories import unique
from tests.support.services import Environment

READ = ("find", POLICIES)
"""A read of the policies."""


@pytest.fixture
async def sent() -> Sent:
    return Sent()


@pytest.fixture
async def db(env: Environment, mongo: Any, sent: Sent) -> AsyncIterator[Any]:
    client = connect(mongo.url, app_name="oms-tests", listeners=[sent])
    yield database(client, env.database("policies"))
    await client.close()


async def _publish(_entry: Document) -> None:
    return None


def _stores(db: Any) -> Stores:
    return stores(db, OutboxRelay(db, [POLICIES], _publish, owner=unique("billing")))


def _policy(
    branch: str, policy: InvoicingPolicy, customer: str | None = None
) -> SetInvoicingPolicy:
    return SetInvoicingPolicy(branch_id=branch, customer_id=customer, policy=policy, set_by="root")


async def _set(here: Stores, cmd: SetInvoicingPolicy) -> None:
    await here.policies.create_or_change(
        policy_id(cmd.branch_id, cmd.customer_id),
        cmd,
        create=lambda: PolicyRecord.set(cmd),
        change=lambda record: record.change(cmd),
    )


async def test_orders_read_the_policies_once_a_moment_and_see_one_set_here_at_once(
    db: Any, sent: Sent
) -> None:
    here, elsewhere = _stores(db), _stores(db)
    branch, customer = unique("BR"), unique("C")
    await _set(elsewhere, _policy(branch, InvoicingPolicy.ON_APPROVAL))
    sent.clear()
    for other in range(5):
        terms = await here.terms_for(branch, f"{customer}-{other}")
        assert terms.policy is InvoicingPolicy.ON_APPROVAL
    assert sent.commands.count(READ) == 1
    await _set(here, _policy(branch, InvoicingPolicy.PER_ISSUE, customer))
    await _set(here, _policy(branch, InvoicingPolicy.ON_COMPLETION))
    sent.clear()
    assert (await here.terms_for(branch, customer)).policy is InvoicingPolicy.PER_ISSUE
    assert (await here.terms_for(branch, unique("C"))).policy is InvoicingPolicy.ON_COMPLETION
    assert sent.commands.count(READ) == 0


async def test_a_policy_set_by_another_replica_applies_once_the_snapshot_is_old(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "POLICIES_FRESH_SECONDS", 0.0)
    here, elsewhere = _stores(db), _stores(db)
    branch, customer = unique("BR"), unique("C")
    assert (await here.terms_for(branch, customer)).policy is InvoicingPolicy.ON_COMPLETION
    await _set(elsewhere, _policy(branch, InvoicingPolicy.ON_APPROVAL, customer))
    assert (await here.terms_for(branch, customer)).policy is InvoicingPolicy.ON_APPROVAL


async def test_with_more_policies_than_remembered_each_order_asks_the_database(
    db: Any, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "POLICIES_REMEMBERED", 2)
    here, elsewhere = _stores(db), _stores(db)
    branch = unique("BR")
    customers = [unique("C") for _ in range(3)]
    for customer in customers:
        await _set(elsewhere, _policy(branch, InvoicingPolicy.PER_ISSUE, customer))
    sent.clear()
    for customer in customers:
        assert (await here.terms_for(branch, customer)).policy is InvoicingPolicy.PER_ISSUE
    assert (await here.terms_for(branch, unique("C"))).policy is InvoicingPolicy.ON_COMPLETION
    assert (
        sent.commands.count(READ) == 1 + 4
    )  # every policy once (too many), then one query per order

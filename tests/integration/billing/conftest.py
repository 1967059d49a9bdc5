"""Billing scenarios run order, approval, inventory and billing (and notification with a real
SMTP server when e-mails matter) in process, with a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from services.approval.app import SERVICE as APPROVAL
from services.billing.app import SERVICE as BILLING
from services.billing.settings import BillingSettings
from services.inventory.app import SERVICE as INVENTORY
from services.inventory.settings import InventorySettings
from services.notification.app import SERVICE as NOTIFICATION
from services.notification.settings import NotificationSettings
from services.order.app import SERVICE as ORDER
from services.order.settings import OrderSettings
from shared.runtime import OmsApp, build_app
from shared.settings import ServiceSettings
from tests.support.billing import MovedClock, utc, with_clock
from tests.support.services import Environment, running
from tests.support.smtp import SmtpServer

START = utc("2026-01-31T09:00:00")
"""A 31st, in a year before a leap year's February is not needed: 28 February comes next."""


@pytest.fixture
def clock() -> MovedClock:
    return MovedClock(START)


def billing_app(env: Environment, **overrides: Any) -> OmsApp:
    settings = {"schedule_interval_seconds": 0.1, **overrides}
    return build_app(BILLING, BillingSettings(**env.settings("billing", **settings)))


@pytest.fixture
async def pipeline(env: Environment) -> AsyncIterator[None]:
    """Order, approval and inventory: the pipeline a renewal order goes through."""
    order = build_app(ORDER, OrderSettings(**env.settings("order")))
    approval = build_app(APPROVAL, ServiceSettings(**env.settings("approval")))
    inventory = build_app(INVENTORY, InventorySettings(**env.settings("inventory")))
    async with running(order), running(approval), running(inventory):
        yield


@pytest.fixture
async def billing(env: Environment, clock: MovedClock, pipeline: None) -> AsyncIterator[OmsApp]:
    async with running(billing_app(env)) as app:
        with_clock(app, clock)
        yield app


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
async def notification(env: Environment, smtp: SmtpServer) -> AsyncIterator[OmsApp]:
    settings = NotificationSettings(
        **env.settings("notification", smtp_port=smtp.port, dispatch_interval_seconds=0.1)
    )
    async with running(build_app(NOTIFICATION, settings)) as app:
        yield app

"""In-process services for integration tests, each on the test's own vhost and databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.approval.app import create_app as approval_app
from services.approval.settings import ApprovalSettings
from services.order.app import create_app as order_app
from services.order.settings import OrderSettings
from shared.storage.mongo import Document, database
from tests.support.services import Environment, running


@pytest.fixture
async def order_service(env: Environment) -> AsyncIterator[Any]:
    async with running(order_app(OrderSettings(**env.settings("order")))) as app:
        yield app


@pytest.fixture
async def approval_service(env: Environment) -> AsyncIterator[Any]:
    async with running(approval_app(ApprovalSettings(**env.settings("approval")))) as app:
        yield app


@pytest.fixture
def order_db(env: Environment, mongo_client: Any) -> AsyncDatabase[Document]:
    return database(mongo_client, env.database("order"))


@pytest.fixture
def approval_db(env: Environment, mongo_client: Any) -> AsyncDatabase[Document]:
    return database(mongo_client, env.database("approval"))

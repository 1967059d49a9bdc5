"""In-process services for integration tests, each on the test's own vhost and databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.approval.app import SERVICE as APPROVAL
from services.order.app import SERVICE as ORDER
from services.order.settings import OrderSettings
from shared.runtime import build_app
from shared.settings import ServiceSettings
from shared.storage.mongo import Document, database
from tests.support.services import Environment, running


@pytest.fixture
async def order_service(env: Environment) -> AsyncIterator[Any]:
    async with running(build_app(ORDER, OrderSettings(**env.settings("order")))) as app:
        yield app


@pytest.fixture
async def approval_service(env: Environment) -> AsyncIterator[Any]:
    async with running(build_app(APPROVAL, ServiceSettings(**env.settings("approval")))) as app:
        yield app


@pytest.fixture
def order_db(env: Environment, mongo_client: Any) -> AsyncDatabase[Document]:
    return database(mongo_client, env.database("order"))


@pytest.fixture
def approval_db(env: Environment, mongo_client: Any) -> AsyncDatabase[Document]:
    return database(mongo_client, env.database("approval"))

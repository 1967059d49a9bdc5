"""The inventory service in-process, on the test's own vhost and database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.inventory.app import SERVICE as INVENTORY
from services.inventory.settings import InventorySettings
from shared.runtime import build_app
from shared.storage.mongo import Document, database
from tests.support.bus import Bus
from tests.support.inventory import InventoryDriver
from tests.support.services import Environment, running


def inventory_settings(env: Environment, **overrides: Any) -> InventorySettings:
    values = {"upkeep_interval_seconds": 0.3, "stale_after_seconds": 5.0, **overrides}
    return InventorySettings(**env.settings("inventory", **values))


@pytest.fixture
async def inventory_service(env: Environment) -> AsyncIterator[Any]:
    async with running(build_app(INVENTORY, inventory_settings(env))) as app:
        yield app


@pytest.fixture
def inventory_db(env: Environment, mongo_client: Any) -> AsyncDatabase[Document]:
    return database(mongo_client, env.database("inventory"))


@pytest.fixture
def inventory(bus: Bus, inventory_db: AsyncDatabase[Document]) -> InventoryDriver:
    return InventoryDriver(bus, inventory_db)

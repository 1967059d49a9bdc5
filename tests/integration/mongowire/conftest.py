"""A patched embedded server per engine (memory, SQLite), started by the development launcher
as the tests start theirs, and a fresh collection on it for each test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from tests.support.servers import MongoServer, launch_mongowire

Doc = dict[str, object]


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def patched(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[MongoServer, str]]:
    folder = tmp_path_factory.mktemp(f"mongowire-{request.param}")
    args = ["--engine", request.param]
    if request.param == "sqlite":
        args += ["--path", str(folder / "data.sqlite3")]
    log = folder / "stderr.log"
    with ExitStack() as stack, log.open("w") as stderr:
        server = launch_mongowire(stack, *args, stderr=stderr)
        yield server, log.read_text()


@pytest.fixture
async def collection(patched: tuple[MongoServer, str]) -> AsyncIterator[AsyncCollection[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(patched[0].url)
    yield client[f"patch_{uuid.uuid4().hex[:8]}"]["docs"]
    await client.close()

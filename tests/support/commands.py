"""What a database client sent, seen by PyMongo's command monitoring: for tests that count the
writes (or reads) an operation costs."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from pymongo import monitoring

from shared.storage.mongo import connect, database

WRITES = frozenset({"insert", "update"})


class Sent(monitoring.CommandListener):
    """Every command sent, as (command name, collection), in order."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, str]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        collection = event.command.get(event.command_name)
        self.commands.append(
            (event.command_name, collection if isinstance(collection, str) else "")
        )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def writes(self) -> list[str]:
        """The inserts and updates sent, by command name, in order."""
        return [name for name, _ in self.commands if name in WRITES]

    def written(self) -> Counter[tuple[str, str]]:
        """The inserts and updates sent, by command name and collection."""
        return Counter(sent for sent in self.commands if sent[0] in WRITES)

    def clear(self) -> None:
        self.commands.clear()


@contextlib.asynccontextmanager
async def counted(url: str, name: str, sent: Sent) -> AsyncIterator[Any]:
    """The database ``name`` on the server at ``url``, through a client whose commands ``sent``
    records."""
    client = connect(url, app_name="oms-tests", listeners=[sent])
    try:
        yield database(client, name)
    finally:
        await client.close()

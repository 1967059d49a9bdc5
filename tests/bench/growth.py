"""Stored data for the growth measure: copies of one finished order, written straight to the
services' databases in the shape the services themselves stored it.

Every document of every service that belongs to the sample order (its ``_id``, ``order_id``
or ``source_id`` is the order's id: the order, inventory's view of it, its approval request,
its ledger entries) is copied with the order id replaced by a new one. Outbox bookkeeping is
left out, so that no relay publishes a copy's events again.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient

from tests.support.services import SERVICES, Environment

Doc = dict[str, Any]
BATCH = 1000


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {_replace(k, old, new): _replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(item, old, new) for item in value]
    return value


def _copy(doc: Doc, old: str, new: str) -> Doc:
    copy: Doc = _replace({k: v for k, v in doc.items() if not k.startswith("outbox")}, old, new)
    if copy["_id"] == doc["_id"]:  # an id that does not name the order, e.g. a ledger entry's
        copy["_id"] = f"{doc['_id']}~{new}" if isinstance(doc["_id"], str) else ObjectId()
    return copy


async def _templates(client: AsyncMongoClient[Doc], env: Environment, sample: str) -> list[Any]:
    found = []
    for service in SERVICES:
        db = client[env.database(service)]
        for name in await db.list_collection_names():
            about = {"$or": [{"_id": sample}, {"order_id": sample}, {"source_id": sample}]}
            docs = await db[name].find(about).to_list()
            if docs:
                found.append((db[name], docs))
    return found


async def grow_orders(env: Environment, sample: str, target: int) -> tuple[int, float]:
    """Copy ``sample`` until the order service stores ``target`` orders: (stored, seconds)."""
    started = time.perf_counter()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(env.mongodb_url, tz_aware=True)
    try:
        orders = client[env.database("order")]["orders"]
        missing = target - await orders.count_documents({})
        templates = await _templates(client, env, sample)
        while missing > 0:
            batch = min(BATCH, missing)
            names = [f"GROW-{uuid.uuid4().hex[:12]}" for _ in range(batch)]
            for collection, docs in templates:
                copies = [_copy(doc, sample, name) for name in names for doc in docs]
                await collection.insert_many(copies, ordered=False)
            missing -= batch
        stored = await orders.count_documents({})
    finally:
        await client.close()
    return stored, time.perf_counter() - started

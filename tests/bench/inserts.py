"""Inserts and upserts per second on the embedded server as a collection grows, with and without
the launcher's mongoeco correction (``python -m tests.bench.inserts``).

For each engine, a collection is filled (in bulk) to each size, then single-document inserts
and upserts with fresh string ids are timed one after the other, as a service sends them.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from contextlib import ExitStack

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from tests.support.servers import launch_mongowire

Doc = dict[str, object]
SIZES = (200, 3000)


async def rate(collection: AsyncCollection[Doc], count: int, *, upsert: bool) -> float:
    started = time.perf_counter()
    for _ in range(count):
        key = uuid.uuid4().hex
        if upsert:
            await collection.update_one({"_id": key}, {"$set": {"n": 1}}, upsert=True)
        else:
            await collection.insert_one({"_id": key, "n": 1})
    return count / (time.perf_counter() - started)


async def measure(url: str, count: int) -> dict[str, float]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(url)
    collection = client["inserts_bench"]["docs"]
    results = {}
    for size in SIZES:
        missing = size - await collection.count_documents({})
        await collection.insert_many([{"_id": uuid.uuid4().hex, "n": 0} for _ in range(missing)])
        results[f"inserts_per_s_at_{size}"] = await rate(collection, count, upsert=False)
        await collection.delete_many({"n": 1})  # back to ``size`` documents
        results[f"upserts_per_s_at_{size}"] = await rate(collection, count, upsert=True)
        await collection.delete_many({"n": 1})
    await client.close()
    return results


def run(engine: str, patched: bool, count: int) -> dict[str, float]:
    with ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        args = ["--engine", engine, *(["--path", f"{folder}/db.sqlite3"] * (engine == "sqlite"))]
        server = launch_mongowire(stack, *args, *(["--unpatched"] * (not patched)))
        return asyncio.run(measure(server.url, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="timed writes per measure")
    args = parser.parse_args()
    print("| engine | mongoeco | measure | per second |\n| --- | --- | --- | ---: |")
    for engine in ("memory", "sqlite"):
        for patched in (False, True):
            label = "with mongoeco_patch" if patched else "as released"
            for key, value in run(engine, patched, args.count).items():
                print(f"| {engine} | {label} | {key} | {value:.0f} |", flush=True)


if __name__ == "__main__":
    main()

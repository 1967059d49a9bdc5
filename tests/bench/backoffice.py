"""``python -m tests.bench.backoffice``: how long the back office's pages take with 10,000 orders.

Starts the back office as its own process (RabbitMQ as for the tests; MongoDB from
``OMS_TEST_MONGODB_URL``, else the embedded MongoDB-wire server), writes 10,000 orders into its
order list and 2,000 approval levels straight into its database (as its views hold them), signs
in, and times each page over HTTP: the first page of orders, a filtered one, a deep page, the
reports. The target (the issue's): every page under 300 ms. Prints the table; ``--record``
appends it to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from services.backoffice.store import HASHER
from tests.support.servers import ROOT, start_mongo, start_rabbit
from tests.support.services import Environment, ServiceProcess

ORDERS, LEVELS, TARGET_MS = 10_000, 2_000, 300.0
PASSWORD = "bench passphrase"
PAGES = {
    "orders, first page": "/orders",
    "orders, status and branch": "/orders?status=approved&branch_id=BR-3",
    "orders, page 200": "/orders?page=200",
    "orders, by total, 100 a page": "/orders?sort=total&size=100",
    "orders as CSV, one branch": "/orders.csv?branch_id=BR-3",
    "reports": "/reports",
    "reports by goods-issue date": "/reports?basis=issued&tz=Europe/Berlin",
}
"""The pages that read only the back office's own database (the services are not started: the
inbox and an order's page add one of their queries each)."""


def orders(now: datetime) -> list[dict[str, Any]]:
    statuses = ("draft", "pending_approval", "approved", "rejected", "completed")
    return [
        {
            "_id": f"SO-{n:05d}",
            "kind": "sales" if n % 2 else "purchase",
            "party_id": f"C-{n % 300}",
            "branch_id": f"BR-{n % 7}",
            "created_by": "carl",
            "currency": "USD",
            "total": f"{(n % 977) + 0.5:.2f}",
            "status": statuses[n % len(statuses)],
            "status_at": now,
            "created_on": (now - timedelta(minutes=n)).isoformat(),
        }
        for n in range(ORDERS)
    ]


def sales(now: datetime) -> list[dict[str, Any]]:
    """The sales view's fields of the same orders: net, tax, one line, half of it issued."""
    found = []
    for order in orders(now):
        if order["kind"] != "sales":
            continue
        net = f"{(int(order['_id'][3:]) % 977) + 0.5:.2f}"
        found.append(
            {
                **{key: order[key] for key in ("_id", "kind", "party_id", "branch_id", "status")},
                "currency": "USD",
                "net": net,
                "tax": "1.90",
                "lines": [{"sku": "A", "net": net, "tax": "1.90"}],
                "ordered_at": datetime.fromisoformat(order["created_on"]),
                "issues": [
                    {
                        "issue_id": "GI-1",
                        "at": now,
                        "progress": [{"sku": "A", "ordered": "4", "issued": "2"}],
                    }
                ],
            }
        )
    return found


def levels(now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "_id": f"SO-{n:05d}:1:{1 + n % 2}",
            "order_id": f"SO-{n:05d}",
            "cycle_id": f"CYC-{n % 4}",
            "level": 1 + n % 2,
            "approver_id": f"approver-{n % 12}",
            "waiting_since": now - timedelta(hours=n % 50),
            **(
                {
                    "decision": "rejected" if n % 5 == 0 else "approved",
                    "decided_at": now,
                    "notes": "too many" if n % 5 == 0 else None,
                }
                if n % 3
                else {"decision": None}
            ),
        }
        for n in range(LEVELS)
    ]


async def seed(mongodb_url: str, database: str) -> None:
    client: AsyncMongoClient[Any] = AsyncMongoClient(mongodb_url, tz_aware=True)
    db, now = client[database], datetime.now(UTC)
    await db["people"].insert_one(
        {
            "_id": "ada",
            "name": "Ada",
            "admin": True,
            "active": True,
            "password_hash": HASHER.hash(PASSWORD),
        }
    )
    sold = {doc["_id"]: doc for doc in sales(now)}  # on the same documents as the list
    batch = [order | sold.get(order["_id"], {}) for order in orders(now)]
    for start in range(0, len(batch), 1000):
        await db["orders"].insert_many(batch[start : start + 1000])
    await db["approval_levels"].insert_many(levels(now))
    await client.close()


async def measure(url: str, rounds: int) -> dict[str, list[float]]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        login = await http.get("/login")
        csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
        signed = await http.post(
            "/login", data={"user_id": "ada", "password": PASSWORD, "csrf": csrf, "next": "/orders"}
        )
        assert signed.status_code == 303, signed.text
        times: dict[str, list[float]] = {name: [] for name in PAGES}
        for _ in range(rounds):
            for name, path in PAGES.items():
                began = time.perf_counter()
                response = await http.get(path)
                times[name].append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (path, response.status_code)
        return times


def table(times: dict[str, list[float]]) -> str:
    lines = [
        f"### Back office pages, {ORDERS:,} orders ({datetime.now(UTC):%Y-%m-%d}, "
        f"{platform.machine()}, {platform.python_version()})",
        "",
        "| page | median ms | slowest ms | target |",
        "| --- | --- | --- | --- |",
    ]
    for name, values in times.items():
        verdict = "ok" if max(values) < TARGET_MS else "MISSED"
        lines.append(
            f"| {name} | {statistics.median(values):.0f} | {max(values):.0f} | "
            f"< {TARGET_MS:.0f} ms: {verdict} |"
        )
    return "\n".join(lines) + "\n"


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--record", action="store_true", help="append the table to BENCHMARKS.md")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        rabbit, mongo = start_rabbit(stack), start_mongo(stack)
        vhost = rabbit.create_vhost()
        env = Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
        logs = ROOT / ".run" / "bench"
        logs.mkdir(parents=True, exist_ok=True)
        await seed(mongo.url, env.database("backoffice"))
        office = ServiceProcess("backoffice", env.env("backoffice"), logs).start()
        try:
            for _ in range(600):  # it answers pages before its broker's exchanges exist
                if office.health("live") == 200:
                    break
                await asyncio.sleep(0.1)
            times = await measure(f"http://127.0.0.1:{office.port}", args.rounds)
        finally:
            await office.stop()
            rabbit.delete_vhost(vhost)
    text = table(times)
    print(text)
    if args.record:
        with (ROOT / "BENCHMARKS.md").open("a") as out:
            out.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

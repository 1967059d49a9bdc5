"""Cart events from a simulated storefront: throughput and correct totals
(``python -m tests.bench.carts [--record]``).

One storefront (RabbitMQ user ``storefront-demo``) publishes the events of ``--carts`` carts
(``--events`` in all, 10,000 by default): created, items added, quantities changed, items
removed, interleaved across carts, neighbours within a cart swapped now and then, and a share
of them sent twice. The order service runs as its own OS process. Measured: events per second
from the first publish until every cart holds all its events; then each cart's stored value is
compared with its total computed here from the script (quantity x price, without the service's
code).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pymongo import AsyncMongoClient

from shared.contracts import CartEvent
from tests.support.servers import ROOT, start_mongo, start_rabbit
from tests.support.services import Environment, ServiceProcess
from tests.support.storefront import CartScript, Storefront, configure_storefront

SKUS = [f"SKU-{n}" for n in range(40)]
PRICES = {sku: Decimal(random.Random(sku).randint(100, 9999)) / 100 for sku in SKUS}


def cart_events(cart_id: str, count: int, rng: random.Random) -> tuple[list[CartEvent], Decimal]:
    """``count`` events of one cart, and the cart's total as a shopper would add it up."""
    script = CartScript(cart_id)
    script.created()
    basket: dict[str, Decimal] = {}
    while len(script.events) < count:
        roll = rng.random()
        if basket and roll < 0.2:
            sku = rng.choice(sorted(basket))
            basket[sku] = Decimal(rng.randint(1, 5))
            script.changed(sku, str(basket[sku]))
        elif basket and roll < 0.3:
            sku = rng.choice(sorted(basket))
            del basket[sku]
            script.removed(sku)
        else:
            sku = rng.choice(SKUS)
            quantity = Decimal(rng.randint(1, 3))
            basket[sku] = basket.get(sku, Decimal(0)) + quantity
            script.added(sku, str(quantity), str(PRICES[sku]))
    total = sum((q * PRICES[sku] for sku, q in basket.items()), Decimal(0))
    return script.events, total.quantize(Decimal("0.01"))


def delivery_order(
    carts: list[list[CartEvent]], rng: random.Random, duplicates: float
) -> list[CartEvent]:
    """Carts interleaved, neighbours within a cart swapped (10 %), some events twice."""
    for events in carts:
        for i in range(len(events) - 1):
            if rng.random() < 0.1:
                events[i], events[i + 1] = events[i + 1], events[i]
    queues = [list(events) for events in carts]
    sent: list[CartEvent] = []
    while queues:
        queue = rng.choice(queues)
        sent.append(queue.pop(0))
        if rng.random() < duplicates:
            sent.append(sent[-1])
        if not queue:
            queues.remove(queue)
    return sent


async def measure(env: Environment, args: argparse.Namespace, log_dir: Path) -> dict[str, object]:
    rng = random.Random(args.seed)
    per_cart = args.events // args.carts
    scripts = [cart_events(f"BENCH-{n:05d}", per_cart, rng) for n in range(args.carts)]
    expected = {events[0].cart_id: total for events, total in scripts}
    sent = delivery_order([events for events, _ in scripts], rng, args.duplicates)

    order = ServiceProcess("order", env.env("order"), log_dir).start()
    try:
        await order.wait_ready()
        # The storefront's prices are the ones it sends: its price list says the same.
        prices = tuple((sku, str(price)) for sku, price in PRICES.items())
        await configure_storefront(env.amqp_url, prices)
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(env.mongodb_url)
        carts = client[env.database("order")]["carts"]
        async with Storefront(env.amqp_url, "demo") as shop:
            began = time.perf_counter()
            for start in range(0, len(sent), args.batch):
                await shop.publish_all(sent[start : start + args.batch])
            published = time.perf_counter() - began
            while True:
                complete = await carts.count_documents({"through": per_cart})
                if complete == args.carts:
                    break
                if time.perf_counter() - began > args.timeout:
                    raise SystemExit(f"only {complete} of {args.carts} carts complete")
                await asyncio.sleep(0.25)
            elapsed = time.perf_counter() - began
        wrong = []
        async for doc in carts.find({}, {"value": 1}):
            value = doc.get("value")
            if value is None or Decimal(str(value)) != expected[str(doc["_id"])]:
                wrong.append(doc["_id"])
        await client.close()
    finally:
        await order.stop()
    unique_events = per_cart * args.carts
    return {
        "carts": args.carts,
        "events": unique_events,
        "deliveries": len(sent),
        "published_per_s": round(len(sent) / published),
        "applied_per_s": round(unique_events / elapsed),
        "seconds": round(elapsed, 1),
        "wrong_totals": len(wrong),
    }


def record(results: dict[str, object]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    host = f"{platform.machine()}, Python {platform.python_version()}"
    return (
        f"\n### Cart events, {stamp} — {host}, MongoDB: mongoeco (memory)\n\n"
        "`python -m tests.bench.carts`: one storefront publishes "
        f"{results['events']} cart events of {results['carts']} carts "
        f"({results['deliveries']} deliveries with duplicates), interleaved and partly "
        "reordered; the order service runs as its own process.\n\n"
        "| measure | value |\n| --- | --- |\n"
        + "".join(f"| {key} | {value} |\n" for key, value in results.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--carts", type=int, default=500)
    parser.add_argument("--duplicates", type=float, default=0.05)
    parser.add_argument("--batch", type=int, default=200, help="publishes awaited together")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--record", action="store_true", help="append to BENCHMARKS.md")
    args = parser.parse_args()
    with ExitStack() as stack, tempfile.TemporaryDirectory() as logs:
        rabbit, mongo = start_rabbit(stack), start_mongo(stack)
        vhost = rabbit.create_vhost()
        stack.callback(rabbit.delete_vhost, vhost)
        env = Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
        results = asyncio.run(measure(env, args, Path(logs)))
    text = record(results)
    print(text)
    if args.record:
        with (ROOT / "BENCHMARKS.md").open("a") as file:
            file.write(text)
    if results["wrong_totals"]:
        raise SystemExit(f"{results['wrong_totals']} carts have a wrong total")


if __name__ == "__main__":
    main()

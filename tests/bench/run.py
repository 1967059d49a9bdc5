"""``make bench``: throughput, latency and memory of the order flow, services as processes.

Starts order, approval and notification as OS processes on a fresh vhost and databases (real
RabbitMQ; MongoDB from ``OMS_TEST_MONGODB_URL`` or an embedded MongoDB-wire server), then:

- throughput: N purchase orders created and submitted at once, until all N are approved;
- latency: orders one at a time, create -> submit -> ``order.approved`` (p50/p95/p99), and the
  time for a command's answer on ``reply_to``;
- memory: resident set size of each service process afterwards (and its peak).

Results are checked against the targets below and, with ``--record``, appended to
BENCHMARKS.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from shared.contracts import SubmitOrder
from tests.support.bus import Bus, having
from tests.support.factories import purchase_order
from tests.support.servers import ROOT, start_mongo, start_rabbit
from tests.support.services import Environment, ServiceProcess

# The embedded MongoDB-wire server (one Python process) bounds throughput here; CPU per order
# is what the services themselves cost, whatever the database.
TARGETS = {
    "throughput_orders_per_s": (">=", 15.0),
    "cpu_order_ms_per_order": ("<=", 15.0),
    "cpu_approval_ms_per_order": ("<=", 8.0),
    "flow_p99_ms": ("<=", 250.0),
    "answer_p99_ms": ("<=", 50.0),
    "rss_max_mb": ("<=", 200.0),
}


def memory(process: ServiceProcess) -> tuple[float, float]:
    """(current, peak) resident memory of a process, in MB."""
    assert process.process is not None
    fields = {}
    for line in Path(f"/proc/{process.process.pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(process: ServiceProcess) -> float:
    """User plus system CPU time a process has used so far."""
    assert process.process is not None
    fields = Path(f"/proc/{process.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def throughput(bus: Bus, count: int) -> float:
    orders = [purchase_order() for _ in range(count)]
    started = time.perf_counter()
    await asyncio.gather(*(bus.send(o) for o in orders))
    await asyncio.gather(
        *(bus.send(SubmitOrder(order_id=o.order_id, submitted_by="alice")) for o in orders)
    )
    await bus.wait_for("order.approved", count=count, timeout=600)
    return count / (time.perf_counter() - started)


async def flow_latency(bus: Bus, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        order = purchase_order()
        started = time.perf_counter()
        await bus.send(order)
        await bus.send(SubmitOrder(order_id=order.order_id, submitted_by="alice"))
        await bus.wait_for("order.approved", having(order_id=order.order_id), timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def answer_latency(bus: Bus, count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        order = purchase_order()
        started = time.perf_counter()
        await bus.send(order, reply=True)
        await bus.reply_for(order)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def measure(env: Environment, args: argparse.Namespace) -> dict[str, float]:
    log_dir = ROOT / ".run" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    services = {
        name: ServiceProcess(name, env.env(name, log_level="WARNING"), log_dir).start()
        for name in ("order", "approval", "notification")
    }
    try:
        await asyncio.gather(*(s.wait_ready() for s in services.values()))
        async with Bus(env.amqp_url) as bus:
            await flow_latency(bus, 5)  # warm up
            cpu_before = {name: cpu_seconds(s) for name, s in services.items()}
            rate = await throughput(bus, args.orders)
            cpu = {
                name: (cpu_seconds(s) - cpu_before[name]) * 1000 / args.orders
                for name, s in services.items()
            }
            flow = await flow_latency(bus, args.samples)
            answers = await answer_latency(bus, args.samples)
        rss = {name: memory(s) for name, s in services.items()}
    finally:
        for service in services.values():
            await service.stop()
    return {
        "throughput_orders_per_s": rate,
        "cpu_order_ms_per_order": cpu["order"],
        "cpu_approval_ms_per_order": cpu["approval"],
        "flow_p50_ms": percentile(flow, 50),
        "flow_p95_ms": percentile(flow, 95),
        "flow_p99_ms": percentile(flow, 99),
        "answer_p50_ms": percentile(answers, 50),
        "answer_p99_ms": percentile(answers, 99),
        **{f"rss_{name}_mb": now for name, (now, _) in rss.items()},
        **{f"rss_peak_{name}_mb": peak for name, (_, peak) in rss.items()},
        "rss_max_mb": max(peak for _, peak in rss.values()),
    }


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def verdicts(results: dict[str, float]) -> dict[str, bool]:
    checks = {}
    for key, (op, limit) in TARGETS.items():
        value = results[key]
        checks[key] = value >= limit if op == ">=" else value <= limit
    return checks


def report(results: dict[str, float], mongo_origin: str, args: argparse.Namespace) -> str:
    checks = verdicts(results)
    machine = (
        f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, MongoDB: {mongo_origin}"
    )
    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {machine}",
        "",
        f"{args.orders} orders at once for throughput; {args.samples} one at a time for latency.",
        "",
        "| measure | value | target |",
        "| --- | ---: | --- |",
    ]
    for key, value in results.items():
        target = ""
        if key in TARGETS:
            op, limit = TARGETS[key]
            target = f"{op} {limit:g} {'✅' if checks[key] else '❌'}"
        lines.append(f"| {key} | {value:.1f} | {target} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--record", action="store_true", help="append to BENCHMARKS.md")
    args = parser.parse_args()
    with ExitStack() as stack:
        rabbit, mongo = start_rabbit(stack), start_mongo(stack)
        vhost = rabbit.create_vhost()
        stack.callback(rabbit.delete_vhost, vhost)
        env = Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
        results = asyncio.run(measure(env, args))
    text = report(results, mongo.origin, args)
    print(text)
    if args.record:
        with (ROOT / "BENCHMARKS.md").open("a") as file:
            file.write("\n" + text)
    if not all(verdicts(results).values()):
        sys.exit(1)


if __name__ == "__main__":
    main()

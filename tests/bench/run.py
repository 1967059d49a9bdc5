"""``make bench``: the full order flow against the infrastructure ceiling, in one run.

Starts all five services as OS processes on a fresh RabbitMQ vhost and fresh databases (MongoDB
from ``OMS_TEST_MONGODB_URL``, else the embedded MongoDB-wire server), then measures, in order:
the ceiling (raw aio-pika, raw PyMongo); auto-approved sales orders through goods issue, N in
flight (round trips and messages per order, throughput, latency, ratio to the ceiling); one
at a time; auto-approved purchase orders; a mixed load at a fixed offered rate; the flow's
throughput with ~1,000 and ~20,000 stored orders; a service's start-up and stop time.

The table (see BENCHMARKS.md) is printed; ``--record`` appends it to BENCHMARKS.md; only with
``--strict`` does a missed target make the exit status non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import Iterable
from contextlib import ExitStack

from tests.bench import ceiling, cpu, phases
from tests.bench.growth import grow_orders
from tests.bench.report import Results, table
from tests.bench.system import lone_start_stop, start_all, stop_all
from tests.support.flows import FlowBus, Stockroom, purchase_flow, sales_flow, stockroom
from tests.support.servers import ROOT, MongoServer, launch_mongowire, start_mongo, start_rabbit
from tests.support.services import Environment, ServiceProcess


async def measure(
    env: Environment, args: argparse.Namespace, database_pid: int | None = None
) -> Results:
    out = Results()
    v = out.values
    log_dir = ROOT / ".run" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes, v["start_all_five_s"] = await start_all(env, log_dir)
    try:
        v["ceiling_broker_msg_per_s"] = await ceiling.broker_messages_per_s(env.amqp_url)
        v["ceiling_db_updates_per_s"] = await ceiling.database_updates_per_s(env.mongodb_url)
        async with FlowBus(env.amqp_url) as bus:
            bus.timeout = 300.0  # under the mixed load, a backlog is what is being measured
            room = await stockroom(bus)
            await phases.one_at_a_time_ms(bus, room, 5)  # warm up

            def so() -> phases.Flow:
                return lambda: sales_flow(bus, room)

            pids = {name: p.pid for name, p in processes.items()} | {"bench": os.getpid()}
            if database_pid is not None:
                pids["database"] = database_pid
            if (broker := cpu.rabbitmq_pid()) is not None:
                pids["rabbitmq"] = broker
            cpu_before = cpu.snapshot(pids)
            flow = await phases.measured(bus, processes, so(), args.orders, args.in_flight)
            report_flow(out, flow, args)
            report_cpu(out, cpu_before, cpu.snapshot(pids), flow, processes)
            single = await phases.one_at_a_time_ms(bus, room, args.samples)
            v["so_one_at_a_time_p50_ms"] = phases.percentile(single, 50)
            po = await phases.measured(
                bus, processes, lambda: purchase_flow(bus), args.po_orders, args.in_flight
            )
            v["po_round_trips_per_order"] = po.round_trips.per_order
            v["po_messages_per_order"] = po.messages_per_order
            out.breakdowns["PO round trips by service, command, collection"] = po.round_trips.top()
            repeated = bus.duplicates()
            mixed = await phases.mixed_load(
                bus, room, rate=args.mixed_rate, seconds=args.mixed_seconds
            )
            await asyncio.sleep(3 * phases.SETTLE_SECONDS)
            v["mixed_p50_s"] = phases.percentile(mixed.latencies_s, 50)
            v["mixed_p95_s"] = phases.percentile(mixed.latencies_s, 95)
            v["mixed_failed"] = mixed.failed
            v["mixed_duplicates"] = bus.duplicates() - repeated
            await report_faults(out, bus, room, processes, args)
            sample = flow.done[0].order_id
            if args.skip_growth:
                return out
            for label, target in (("small", args.growth_small), ("large", args.growth_large)):
                v[f"growth_{label}_stored_orders"], v[f"growth_{label}_copy_s"] = await grow_orders(
                    env, sample, target
                )
                grown = await phases.measured(bus, processes, so(), args.orders, args.in_flight)
                v[f"growth_{label}_orders_per_s"] = grown.throughput
                v[f"growth_{label}_round_trips_per_order"] = grown.round_trips.per_order
            v["growth_throughput_ratio"] = (
                v["growth_large_orders_per_s"] / v["growth_small_orders_per_s"]
            )
        lone = await lone_start_stop(env, log_dir)
        v["service_start_to_ready_s"] = lone["start_to_ready_s"]
        v["service_sigterm_to_exit_s"] = lone["sigterm_to_exit_s"]
    finally:
        v["stop_all_five_s"] = await stop_all(processes)
    return out


async def report_faults(
    out: Results,
    bus: FlowBus,
    room: Stockroom,
    processes: dict[str, ServiceProcess],
    args: argparse.Namespace,
) -> None:
    """The mixed load again while each process is stopped with SIGTERM (how long each takes
    to exit, with orders arriving), then while each is killed with SIGKILL: every order must
    finish, and only a kill may publish an event twice (those it had published, not yet
    recorded)."""
    v = out.values
    term = await phases.under_faults(
        bus, room, processes, signal=signal.SIGTERM, rate=args.mixed_rate, gap=args.fault_gap
    )
    v["sigterm_slowest_stop_s"] = max(term.stop_seconds.values())
    v["sigterm_failed"] = term.mixed.failed
    v["sigterm_duplicates"] = term.duplicates
    out.breakdowns["SIGTERM under load: seconds to exit"] = list(term.stop_seconds.items())
    kill = await phases.under_faults(
        bus, room, processes, signal=signal.SIGKILL, rate=args.mixed_rate, gap=args.fault_gap
    )
    v["sigkill_slowest_ready_s"] = max(kill.ready_seconds.values())
    v["sigkill_failed"] = kill.mixed.failed
    v["sigkill_duplicates"] = kill.duplicates
    v["sigkill_p50_s"] = phases.percentile(kill.mixed.latencies_s, 50)


def report_flow(out: Results, flow: phases.Run, args: argparse.Namespace) -> None:
    v = out.values
    v["so_round_trips_per_order"] = flow.round_trips.per_order
    v["so_db_kib_per_order"] = flow.db_bytes.per_order / 1024
    out.breakdowns["SO KiB sent to the database by service, command, collection"] = [
        (name, kib / 1024) for name, kib in flow.db_bytes.top()
    ]
    v["so_messages_per_order"] = flow.messages_per_order
    v["so_orders_per_s"] = flow.throughput
    broker = v["ceiling_broker_msg_per_s"] / flow.messages_per_order
    database = v["ceiling_db_updates_per_s"] / flow.round_trips.per_order
    v["ceiling_orders_per_s"] = min(broker, database)
    v["ceiling_ratio"] = flow.throughput / v["ceiling_orders_per_s"]
    v["so_p50_ms"] = flow.latency_ms(50)
    v["so_p99_ms"] = flow.latency_ms(99)
    v["so_issue_retries"] = sum(d.retries for d in flow.done)
    out.breakdowns["SO round trips by service"] = list(flow.round_trips.per_service().items())
    out.breakdowns["SO round trips by service, command, collection"] = flow.round_trips.top()
    growth = (
        "growth skipped" if args.skip_growth else f"growth: {args.orders} sales orders at each size"
    )
    out.notes.append(
        f"Sales orders (auto-approved, through goods issue): {args.orders}, {args.in_flight} in "
        f"flight; {args.samples} one at a time; purchase orders (auto-approved): "
        f"{args.po_orders}; mixed load: {args.mixed_rate:g}/s offered for {args.mixed_seconds:g}"
        f" s; {growth}. Ceiling = min(broker msg/s ÷ "
        f"messages per SO, database updates/s ÷ round trips per SO) = {broker:,.1f} vs "
        f"{database:,.1f} orders/s."
    )


def report_cpu(
    out: Results,
    before: dict[str, float],
    after: dict[str, float],
    flow: phases.Run,
    processes_named: Iterable[str],
) -> None:
    """CPU per order of each process in the sales-order flow, and how many cores were busy:
    what the flow costs where every process shares the machine's cores."""
    per_order = {name: (after[name] - before[name]) * 1000 / len(flow.done) for name in after}
    out.breakdowns["SO CPU ms by process"] = sorted(per_order.items(), key=lambda kv: -kv[1])
    out.values["so_cpu_ms_per_order"] = sum(per_order.values())
    oms = set(processes_named) & set(per_order)
    out.values["so_oms_cpu_ms_per_order"] = sum(per_order[name] for name in oms)
    if "database" in per_order:
        out.values["so_database_cpu_ms_per_order"] = per_order["database"]
    # The counters span the phase's settling pauses too: a slight overestimate of busy cores.
    out.values["so_cores_busy"] = sum(per_order.values()) * len(flow.done) / 1000 / flow.seconds
    if "database" in per_order:
        round_trips = flow.round_trips.per_order
        out.values["so_database_cpu_ms_per_round_trip"] = per_order["database"] / round_trips


def database(stack: ExitStack, engine: str) -> MongoServer:
    if engine == "memory":
        return start_mongo(stack)
    folder = stack.enter_context(tempfile.TemporaryDirectory())
    return launch_mongowire(stack, "--engine", "sqlite", "--path", f"{folder}/bench.sqlite3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100, help="sales orders per flow run")
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--samples", type=int, default=20, help="sales orders one at a time")
    parser.add_argument("--po-orders", type=int, default=50)
    parser.add_argument("--mixed-rate", type=float, default=8.0, help="orders/s offered")
    parser.add_argument("--mixed-seconds", type=float, default=25.0)
    parser.add_argument("--growth-small", type=int, default=1000, help="stored orders")
    parser.add_argument("--growth-large", type=int, default=20000, help="stored orders")
    parser.add_argument(
        "--engine",
        choices=("memory", "sqlite"),
        default="sqlite",
        help="the embedded server's engine when no OMS_TEST_MONGODB_URL is set (make run uses "
        "sqlite)",
    )
    parser.add_argument(
        "--fault-gap", type=float, default=4.0, help="seconds between stops under load"
    )
    parser.add_argument("--skip-growth", action="store_true", help="end after the faults")
    parser.add_argument("--record", action="store_true", help="append to BENCHMARKS.md")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    with ExitStack() as stack:
        rabbit, mongo = start_rabbit(stack), database(stack, args.engine)
        vhost = rabbit.create_vhost()
        stack.callback(rabbit.delete_vhost, vhost)
        env = Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
        results = asyncio.run(measure(env, args, mongo.pid))
    origin = mongo.origin + (f" ({args.engine})" if mongo.origin == "mongoeco" else "")
    text = table(results, origin)
    print(text)
    if args.record:
        with (ROOT / "BENCHMARKS.md").open("a") as file:
            file.write("\n" + text)
    if args.strict and results.missed():
        sys.exit(f"missed: {', '.join(results.missed())}")


if __name__ == "__main__":
    main()

"""SIGTERM to chosen services, again and again, under ``make bench``'s mixed load; how long each
stop took, and the steps of each stop as its process logged them.

``python -m tests.bench.stops [--services approval inventory] [--rounds 3]``: the bench's
processes on a fresh vhost and database (sqlite engine), the mixed load at ``--rate`` orders/s,
and every ``--gap`` seconds the next service in turn gets SIGTERM and is started again; the
chosen services log at INFO (their stop steps), the others at WARNING as in the bench. Prints
each stop's seconds, the steps' times from the ``service_stopping`` line, and whether every
order finished with no event published twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from tests.bench import phases
from tests.bench.system import service_env
from tests.support.flows import FlowBus, stockroom
from tests.support.servers import ROOT, launch_mongowire, start_rabbit
from tests.support.services import SERVICES, Environment, ServiceProcess

STEPS = ("service_stopping", "consumers_stopped", "service_stopped")


def steps(log: Path) -> dict[str, float]:
    """Seconds from ``service_stopping`` to each later line of the stop (its last occurrence)."""
    lines = []
    for text in log.read_text(errors="replace").splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and "timestamp" in line:
            lines.append(line)
    began = next((i for i, line in enumerate(lines) if line["event"] == "service_stopping"), None)
    if began is None:
        return {}
    start = _seconds(lines[began]["timestamp"])
    return {
        line["event"]: round(_seconds(line["timestamp"]) - start, 3) for line in lines[began + 1 :]
    }


def _seconds(timestamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(timestamp).timestamp()


async def run(env: Environment, args: argparse.Namespace, log_dir: Path) -> None:
    processes: dict[str, ServiceProcess] = {}
    for name in (*SERVICES, "backoffice"):
        level = "INFO" if name in args.services else "WARNING"
        settings = service_env(env, name) | {"OMS_LOG_LEVEL": level}
        processes[name] = ServiceProcess(name, settings, log_dir).start()
    await asyncio.gather(*(p.until_ready_is(200, timeout=120) for p in processes.values()))
    stops: dict[str, list[float]] = {name: [] for name in args.services}
    try:
        async with FlowBus(env.amqp_url) as bus:
            bus.timeout = 300.0
            room = await stockroom(bus)
            await phases.one_at_a_time_ms(bus, room, 3)  # warm up
            repeated = bus.duplicates()
            order = [name for _ in range(args.rounds) for name in args.services]

            async def faults() -> None:
                for i, name in enumerate(order):
                    await asyncio.sleep(args.gap)
                    old = processes[name]
                    assert old.process is not None
                    began = time.perf_counter()
                    old.process.send_signal(signal.SIGTERM)
                    code = await old.wait_exit(timeout=60)
                    took = time.perf_counter() - began
                    stops[name].append(took)
                    print(f"{name}: exit {code} after {took:.2f} s; steps {steps(old.log_path)}")
                    again = ServiceProcess(name, old.env, log_dir)
                    again.log_path = log_dir / f"{name}-{i}.log"
                    processes[name] = again.start()
                    await again.until_ready_is(200, timeout=120)

            seconds = args.gap * (len(order) + 1)
            mixed, _ = await asyncio.gather(
                phases.mixed_load(bus, room, rate=args.rate, seconds=seconds), faults()
            )
            await asyncio.sleep(3 * phases.SETTLE_SECONDS)
            print(
                f"orders: {len(mixed.latencies_s)} finished, {mixed.failed} failed; "
                f"duplicates: {bus.duplicates() - repeated}"
            )
    finally:
        await asyncio.gather(*(p.stop() for p in processes.values()))
    for name, seconds in stops.items():
        rounded = [round(s, 2) for s in seconds]
        print(f"{name}: {rounded} median {statistics.median(seconds):.2f} max {max(seconds):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", nargs="+", default=["approval", "inventory"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=8.0, help="orders/s offered")
    parser.add_argument("--gap", type=float, default=4.0, help="seconds between stops")
    args = parser.parse_args()
    log_dir = ROOT / ".run" / "bench-stops"
    log_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        rabbit = start_rabbit(stack)
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        mongo = launch_mongowire(stack, "--engine", "sqlite", "--path", f"{folder}/b.sqlite3")
        vhost = rabbit.create_vhost()
        stack.callback(rabbit.delete_vhost, vhost)
        env = Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
        asyncio.run(run(env, args, log_dir))


if __name__ == "__main__":
    main()

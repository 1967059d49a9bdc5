"""Start-up and stop times under load, for BENCHMARKS.md (``tests/bench/run.py`` measures
throughput and latency; this measures the edges):

    .venv/bin/python -m tests.support.lifecycle_bench [--service inventory] [--trials 3]

Runs the five services as processes with orders coming at 8/s (purchase and sales orders,
created and submitted); then, ``--trials`` times: SIGTERM one service (how long until it
exits), wait until ``--backlog`` messages wait in its queues, start it again and time
``/health/ready`` (probes with a 1 s timeout, as Kubernetes' default) until 200, how slow
the probes are while the backlog drains, and the phases of its start-up (from its
``service_started`` log line). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from shared.contracts import SubmitOrder
from tests.support.bus import Bus
from tests.support.factories import purchase_order, sales_order
from tests.support.servers import RabbitServer, start_mongo, start_rabbit
from tests.support.services import SERVICES, Environment, ServiceProcess
from tests.support.smtp import SmtpServer


def probe(port: int, timeout: float = 1.0) -> tuple[int, float]:
    began = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=timeout) as r:
            status = int(r.status)
    except urllib.error.HTTPError as error:
        status = int(error.code)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        status = 0
    return status, time.monotonic() - began


def waiting(rabbit: RabbitServer, vhost: str, service: str) -> int:
    queues = rabbit.api("GET", f"queues/{urllib.parse.quote(vhost, safe='')}")
    assert isinstance(queues, list)
    return sum(
        int(q.get("messages", 0))
        for q in queues
        if q["name"].startswith(f"{service}.") and not q["name"].endswith(".dlq")
    )


def phases(log: Path) -> dict[str, Any]:
    for line in reversed(log.read_text(errors="replace").splitlines()):
        if '"service_started"' in line:
            return dict(json.loads(line))
    return {}


async def restart(
    process: ServiceProcess, rabbit: RabbitServer, vhost: str, backlog: int, log: Path
) -> dict[str, Any]:
    began = time.monotonic()
    process.terminate()
    code = await process.wait_exit(timeout=60)
    result: dict[str, Any] = {"exit_status": code, "stop_s": time.monotonic() - began}
    while waiting(rabbit, vhost, process.service) < backlog:
        await asyncio.sleep(0.5)
    result["waiting"] = waiting(rabbit, vhost, process.service)
    fresh = ServiceProcess(process.service, process.env, log.parent)
    fresh.log_path = log
    began = time.monotonic()
    fresh.start()
    latencies: list[float] = []
    while time.monotonic() - began < 300:
        status, latency = await asyncio.to_thread(probe, fresh.port)
        if status == 200 and "ready_s" not in result:
            result["ready_s"] = time.monotonic() - began
        if "ready_s" in result:
            latencies.append(latency)
            if waiting(rabbit, vhost, process.service) <= 20:
                break
        await asyncio.sleep(0.2)
    result["drained_s"] = time.monotonic() - began
    result["probe_max_s"] = max(latencies, default=0.0)
    result["probe_timeouts"] = sum(latency >= 1.0 for latency in latencies)
    started = phases(log)
    result["since_built_s"] = started.get("startup_seconds")
    result["phases"] = started.get("phases")
    result["process"] = fresh
    return result


async def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    with ExitStack() as stack:
        rabbit, mongo = start_rabbit(stack), start_mongo(stack)
        vhost = rabbit.create_vhost()
        stack.callback(rabbit.delete_vhost, vhost)
        smtp = SmtpServer().start()
        stack.callback(smtp.stop)
        env = Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
        logs = Path(tempfile.mkdtemp(prefix="oms-lifecycle-"))
        extra = {"notification": {"smtp_port": smtp.port}}
        processes = {
            name: ServiceProcess(
                name, env.env(name, graceful_timeout=20, **extra.get(name, {})), logs
            ).start()
            for name in SERVICES
        }
        await asyncio.gather(*(p.wait_ready(60) for p in processes.values()))
        results = []
        async with Bus(env.amqp_url) as bus:
            sending = True

            async def load() -> None:
                count = 0
                while sending:
                    order = purchase_order() if count % 2 else sales_order()
                    await bus.send(order)
                    await bus.send(SubmitOrder(order_id=order.order_id, submitted_by="alice"))
                    count += 1
                    await asyncio.sleep(1 / 8)

            loader = asyncio.create_task(load())
            await asyncio.sleep(8)
            for trial in range(args.trials):
                log = logs / f"{args.service}-restart-{trial}.log"
                result = await restart(processes[args.service], rabbit, vhost, args.backlog, log)
                processes[args.service] = result.pop("process")
                results.append(result)
                print(json.dumps(result, default=str), flush=True)
            sending = False
            await loader
        for process in processes.values():
            await process.stop()
    return results


def table(results: list[dict[str, Any]]) -> str:
    rows = [
        "| trial | stop (s) | waiting | ready (s) | app built → started (s) | phases (s) "
        "| probe max (s) | probe timeouts | drained (s) |",
        "| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for n, r in enumerate(results, 1):
        steps = ", ".join(f"{k} {v:.2f}" for k, v in (r.get("phases") or {}).items())
        rows.append(
            f"| {n} | {r['stop_s']:.2f} | {r['waiting']} | {r.get('ready_s', float('nan')):.2f} "
            f"| {r.get('since_built_s')} | {steps} | {r['probe_max_s']:.2f} "
            f"| {r['probe_timeouts']} | {r['drained_s']:.1f} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--service", default="inventory", choices=SERVICES)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--backlog", type=int, default=300)
    args = parser.parse_args()
    print(table(asyncio.run(measure(args))))


if __name__ == "__main__":
    main()

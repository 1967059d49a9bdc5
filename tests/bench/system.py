"""The five services as OS processes, paced as operators run them, and how long they take to
start (process start -> ``/health/ready`` 200) and to stop (SIGTERM -> exit)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from shared.registry import GATEWAYS
from shared.settings import ServiceSettings
from tests.support.services import SERVICES, Environment, ServiceProcess

PRODUCTION_PACE = {
    # The tests poll outboxes and retry faster than production does; the bench must not, or
    # the pollers' round trips would count five times over.
    field: ServiceSettings.model_fields[field].default
    for field in (
        "outbox_poll_seconds",
        "outbox_idle_poll_seconds",
        "retry_backoff_seconds",
        "graceful_timeout",
    )
}


def service_env(env: Environment, name: str) -> dict[str, str]:
    return env.env(name, log_level="WARNING", **PRODUCTION_PACE)


async def _ready_after(process: ServiceProcess, started: float, timeout: float = 60.0) -> float:
    deadline = started + timeout
    while await asyncio.to_thread(process.health) != 200:
        assert process.process is not None
        if process.process.poll() is not None or time.perf_counter() > deadline:
            raise AssertionError(f"{process.service} not ready; log:\n{process.log()}")
        await asyncio.sleep(0.02)
    return time.perf_counter() - started


async def start_all(env: Environment, log_dir: Path) -> tuple[dict[str, ServiceProcess], float]:
    """Every process ``make run`` starts (the five services and the back office, whose order
    list and reports follow the events) at once; returns them and the time until the last one
    was ready."""
    started = time.perf_counter()
    processes = {
        name: ServiceProcess(name, service_env(env, name), log_dir).start()
        for name in (*SERVICES, *(gateway.name for gateway in GATEWAYS))
    }
    waits = await asyncio.gather(*(_ready_after(p, started) for p in processes.values()))
    return processes, max(waits)


async def stop_all(processes: dict[str, ServiceProcess]) -> float:
    """SIGTERM to every service; the time until the last one exited (each must exit 0)."""
    started = time.perf_counter()
    codes = await asyncio.gather(*(p.stop() for p in processes.values()))
    assert set(codes) == {0}, dict(zip(processes, codes, strict=True))
    return time.perf_counter() - started


async def lone_start_stop(env: Environment, log_dir: Path, name: str = "order") -> dict[str, float]:
    """One more replica of ``name``, alone: seconds to ready, and from SIGTERM to exit."""
    started = time.perf_counter()
    process = ServiceProcess(name, service_env(env, name), log_dir).start()
    ready = await _ready_after(process, started)
    stopping = time.perf_counter()
    code = await process.stop()
    assert code == 0, process.log()
    return {"start_to_ready_s": ready, "sigterm_to_exit_s": time.perf_counter() - stopping}

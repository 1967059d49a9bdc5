"""Run services for tests: in-process (integration) or as real OS processes (e2e)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.registry import SERVICES as REGISTRY
from shared.runtime import OmsApp
from tests.support.answers import check_answer
from tests.support.credentials import DEFAULT_CALLER, headers
from tests.support.servers import ROOT, as_user

SERVICES = tuple(service.name for service in REGISTRY)


@dataclass(frozen=True)
class Environment:
    """Where one test's services connect: its own virtual host and database names."""

    amqp_url: str
    mongodb_url: str
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")

    def database(self, service: str) -> str:
        return f"{self.prefix}_{service}"

    def settings(self, service: str, **overrides: Any) -> dict[str, Any]:
        return {
            "amqp_url": as_user(self.amqp_url, service),
            "mongodb_url": self.mongodb_url,
            "mongodb_database": self.database(service),
            "environment": "test",
            "outbox_poll_seconds": 0.2,
            "outbox_idle_poll_seconds": 1.0,
            "retry_backoff_seconds": 0.1,
            "graceful_timeout": 5.0,
            **overrides,
        }

    def env(self, service: str, **overrides: Any) -> dict[str, str]:
        values = self.settings(service, log_format="json", http_port=free_port(), **overrides)
        return {f"OMS_{key.upper()}": str(value) for key, value in values.items()}


@asynccontextmanager
async def running(app: OmsApp) -> AsyncIterator[OmsApp]:
    """Start a service inside the test's event loop and stop it gracefully afterwards.

    The app lives in a task of its own: its task group must be entered and left by one task,
    while pytest may set a fixture up and tear it down from different ones.
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifecycle() -> None:
        async with app.start_lifespan_context():
            # The lifespan yields before the broker has started; the service says when it
            # is ready (subscribers consuming, relay running), as its readiness probe does.
            await app.runtime.started.wait()
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifecycle())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # raises why the service did not start
    try:
        yield app
    finally:
        stop.set()
        await task


async def asgi_get(
    app: OmsApp, path: str, query: str = "", *, caller: str | None = DEFAULT_CALLER
) -> tuple[int, Any]:
    """Call one of the app's JSON routes in process, as its HTTP server would, with the
    credential of ``caller`` (an operator's by default; None: without a credential)."""
    status, text = await asgi_text(app, path, query, caller=caller)
    body = json.loads(text)
    check_answer(app.runtime.name, path, status, body)
    return status, body


async def asgi_text(
    app: OmsApp, path: str, query: str = "", *, caller: str | None = DEFAULT_CALLER
) -> tuple[int, str]:
    """Call one of the app's HTTP routes in process (``/metrics`` too); the body as text."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [
            (name.encode(), value.encode())
            for name, value in (headers(app.runtime.name, caller) if caller else {}).items()
        ],
        "root_path": "",
    }
    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return int(sent[0]["status"]), body.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServiceProcess:
    """One service as its own OS process, started the way operators start it."""

    def __init__(
        self, service: str, env: dict[str, str], log_dir: Path, *, module: str | None = None
    ) -> None:
        self.service = service
        self.module = module or f"services.{service}"
        self.env = env
        self.port = int(env["OMS_HTTP_PORT"])
        self.log_path = log_dir / f"{service}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def query(self, path: str, caller: str = DEFAULT_CALLER) -> Any:
        """The JSON answer of one of the service's queries, read with ``caller``'s credential."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers(self.service, caller)
        )
        with urllib.request.urlopen(request, timeout=5) as reply:
            body = json.loads(reply.read())
        check_answer(self.service, path, 200, body)
        return body

    def health(self, probe: str = "ready") -> int:
        return self.probe(probe)[0]

    def probe(self, probe: str = "ready") -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of a health endpoint; (0, {}) when nothing answers."""
        url = f"http://127.0.0.1:{self.port}/health/{probe}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), json.loads(error.read() or b"{}")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return 0, {}

    async def until_ready_is(self, status: int, timeout: float = 10.0) -> float:
        """Seconds until /health/ready answered ``status`` (the answer's arrival counts)."""
        began = time.monotonic()
        while (await asyncio.to_thread(self.health)) != status:
            if time.monotonic() - began > timeout:
                raise AssertionError(f"{self.service} never answered {status}:\n{self.log()}")
            await asyncio.sleep(0.05)
        return time.monotonic() - began

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.service} is not started"
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.health() != 200:
            assert self.process is not None
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.service} not ready; log:\n{self.log()}")
            await asyncio.sleep(0.1)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    async def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while (code := self.process.poll()) is None:
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"{self.service} did not exit; log:\n{self.log()}")
            await asyncio.sleep(0.05)
        return code

    async def stop(self) -> int:
        self.terminate()
        return await self.wait_exit()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

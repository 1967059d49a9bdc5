"""Real servers for the tests, chosen in this order.

1. URLs from the environment: ``OMS_TEST_AMQP_URL`` (with ``OMS_TEST_RABBITMQ_API_URL`` for the
   management API) and ``OMS_TEST_MONGODB_URL``, e.g. a real MongoDB or hosted-CI services;
2. testcontainers (``rabbitmq:3-management``, ``mongo:7``) when a Docker daemon answers;
3. the local RabbitMQ on 127.0.0.1:5672 (``deploy/local/ensure-rabbitmq.sh`` makes sure of it)
   and an in-memory MongoDB-wire server (mongoeco) started for the test session.

Every test gets its own RabbitMQ virtual host and its own database names, so tests can run in
any order and leave nothing behind for the next.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
MONGOWIRE = ROOT / "deploy" / "local" / "mongowire.py"
"""The embedded MongoDB-wire server's launcher (a development tool, not in the image)."""


@dataclass(frozen=True)
class RabbitServer:
    amqp_url: str  # without a virtual host path
    api_url: str
    user: str
    password: str
    origin: str

    def url_for(self, vhost: str) -> str:
        return f"{self.amqp_url.rstrip('/')}/{urllib.parse.quote(vhost, safe='')}"

    def api(self, method: str, path: str, body: object | None = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.api_url.rstrip('/')}/api/{path}", data=data, method=method
        )
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def create_vhost(self) -> str:
        """A virtual host of its own, with every OMS user and the permissions a deployment
        gives them (deploy/rabbitmq/definitions.json): services and callers log in as
        themselves in tests too."""
        name = f"oms-test-{uuid.uuid4().hex[:12]}"
        vhost = urllib.parse.quote(name, safe="")
        self.api("PUT", f"vhosts/{vhost}", {})
        self.api(
            "PUT",
            f"permissions/{vhost}/{urllib.parse.quote(self.user)}",
            {"configure": ".*", "write": ".*", "read": ".*"},
        )
        definitions = oms_definitions()
        self._ensure_users(definitions)
        for grant in definitions["permissions"]:
            if grant["user"] != "admin":
                user = urllib.parse.quote(grant["user"])
                self.api("PUT", f"permissions/{vhost}/{user}", _without(grant, "user", "vhost"))
        for grant in definitions["topic_permissions"]:
            user = urllib.parse.quote(grant["user"])
            self.api("PUT", f"topic-permissions/{vhost}/{user}", _without(grant, "user", "vhost"))
        return name

    def _ensure_users(self, definitions: dict[str, Any]) -> None:
        if _USERS_MADE.get(self.api_url):
            return
        for user in definitions["users"]:
            if user["name"] != "admin":
                body = {**_without(user, "name"), "tags": ""}
                self.api("PUT", f"users/{urllib.parse.quote(user['name'])}", body)
        _USERS_MADE[self.api_url] = True

    def url_as(self, vhost: str, user: str) -> str:
        """The vhost's URL for an OMS user, with its development password."""
        return as_user(self.url_for(vhost), user)

    def delete_vhost(self, name: str) -> None:
        with contextlib.suppress(urllib.error.URLError):
            self.api("DELETE", f"vhosts/{urllib.parse.quote(name, safe='')}")

    def queue_info(self, vhost: str, queue: str) -> dict[str, object]:
        path = f"queues/{urllib.parse.quote(vhost, safe='')}/{urllib.parse.quote(queue, safe='')}"
        info = self.api("GET", path)
        assert isinstance(info, dict)
        return info


_USERS_MADE: dict[str, bool] = {}


def oms_definitions() -> dict[str, Any]:
    """The RabbitMQ users and permissions a deployment gets (generated from the registry)."""
    from deploy.generate import rabbitmq_definitions  # imports every service
    from shared.registry import SERVICES

    definitions: dict[str, Any] = json.loads(rabbitmq_definitions(SERVICES))
    return definitions


def _without(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if key not in keys}


def as_user(url: str, user: str) -> str:
    """``url`` with an OMS user's development credentials (``<user>-dev``)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:{user}-dev@{host}"))


def docker_available() -> bool:
    if os.environ.get("OMS_TEST_NO_DOCKER"):
        return False
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def _split_credentials(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.username or "guest", parts.password or "guest"


def start_rabbit(stack: ExitStack) -> RabbitServer:
    if url := os.environ.get("OMS_TEST_AMQP_URL"):
        user, password = _split_credentials(url)
        api = os.environ.get("OMS_TEST_RABBITMQ_API_URL", "http://127.0.0.1:15672")
        base = urllib.parse.urlsplit(url)
        return RabbitServer(f"{base.scheme}://{base.netloc}", api, user, password, "environment")
    if docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3-management").with_exposed_ports(15672)
        stack.enter_context(container)
        host = container.get_container_host_ip()
        amqp = f"amqp://guest:guest@{host}:{container.get_exposed_port(5672)}"
        api = f"http://{host}:{container.get_exposed_port(15672)}"
        _wait_for_api(api)
        return RabbitServer(amqp, api, "guest", "guest", "testcontainers")
    subprocess.run([str(ROOT / "deploy/local/ensure-rabbitmq.sh")], check=True)
    return RabbitServer(
        "amqp://guest:guest@127.0.0.1:5672", "http://127.0.0.1:15672", "guest", "guest", "local"
    )


def _wait_for_api(api: str) -> None:
    import time

    server = RabbitServer("", api, "guest", "guest", "")
    deadline = time.monotonic() + 60
    while True:
        try:
            server.api("GET", "overview")
            return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@dataclass(frozen=True)
class MongoServer:
    url: str
    origin: str
    pid: int | None = None
    """The embedded server's process, when this run started it."""


def start_mongo(stack: ExitStack) -> MongoServer:
    if url := os.environ.get("OMS_TEST_MONGODB_URL"):
        return MongoServer(url, "environment")
    if docker_available():
        from testcontainers.mongodb import MongoDbContainer

        container = stack.enter_context(MongoDbContainer("mongo:7"))
        return MongoServer(container.get_connection_url(), "testcontainers")
    return launch_mongowire(stack)


def launch_mongowire(stack: ExitStack, *args: str, stderr: IO[str] | None = None) -> MongoServer:
    """Start the development launcher (in memory unless ``args`` say otherwise) for this stack."""
    process = subprocess.Popen(
        [sys.executable, str(MONGOWIRE), "--port", "0", *(args or ("--engine", "memory"))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    stack.callback(_stop, process)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("READY "):
        raise RuntimeError(f"the MongoDB-wire server did not start: {line!r}")
    port = int(line.split()[1])
    return MongoServer(
        f"mongodb://127.0.0.1:{port}/?directConnection=true", "mongoeco", process.pid
    )


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


class RestartableMongo:
    """A MongoDB-wire server of a test's own, on SQLite so that its data survives a restart;
    the test stops and starts it to play a database outage."""

    def __init__(self, path: Path, port: int) -> None:
        self.path = path
        self.port = port
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> None:
        command = [sys.executable, str(MONGOWIRE), "--port", str(self.port)]
        command += ["--engine", "sqlite", "--path", str(self.path)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError(f"the MongoDB-wire server did not start: {line!r}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            _stop(self.process)

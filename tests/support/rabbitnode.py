"""A RabbitMQ node of a test's own, on its own ports and directories, that the test may stop and
start again; the shared node on 5672 is never touched.

It runs Debian's ``rabbitmq-server`` (``deploy/local/ensure-rabbitmq.sh`` installs it) as the
``rabbitmq`` user, so it needs root; elsewhere (hosted CI with a broker container) the tests
that need it are skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.support.services import free_port


def unavailable() -> str | None:
    """Why a node of our own cannot run here, or None."""
    if shutil.which("rabbitmq-server") is None:
        return "rabbitmq-server is not installed (deploy/local/ensure-rabbitmq.sh)"
    if os.geteuid() != 0:
        return "starting a RabbitMQ node of our own needs root (it runs as user rabbitmq)"
    return None


class RabbitNode:
    def __init__(self) -> None:
        # Not under pytest's tmp_path: the node runs as user rabbitmq, who cannot enter it.
        self.base = base = Path(tempfile.mkdtemp(prefix="oms-rabbitmq-"))
        self.port = free_port()
        self.name = f"oms-test-{uuid.uuid4().hex[:8]}@localhost"
        for folder in ("mnesia", "log"):
            (base / folder).mkdir(parents=True, exist_ok=True)
        (base / "enabled_plugins").write_text("[].\n")  # no management plugin: no port 15672
        (base / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (base / "rabbitmq-env.conf").write_text("")
        shutil.chown(base, "rabbitmq", "rabbitmq")
        for path in base.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        base = self.base
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_PID_FILE": str(base / "node.pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def start(self, timeout: float = 60.0) -> None:
        """Start the node and return once it accepts AMQP connections."""
        subprocess.run(["rabbitmq-server", "-detached"], env=self._env(), check=True)
        deadline = time.monotonic() + timeout
        while not self.accepting():
            if time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ node {self.name} did not start; see {self.base}")
            time.sleep(0.1)

    def add_user(self, name: str, *, permissions: str = ".*") -> None:
        """An OMS user with its development password on this node's vhost ``/``."""
        for command in (
            ["add_user", name, f"{name}-dev"],
            ["set_permissions", "-p", "/", name, permissions, permissions, permissions],
        ):
            subprocess.run(
                ["rabbitmqctl", "-n", self.name, *command],
                env=self._env(),
                check=True,
                capture_output=True,
            )

    def accepting(self) -> bool:
        import socket

        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the node (SIGTERM: a clean Erlang shutdown) and wait until it is gone."""
        pid_file = self.base / "node.pid"
        deadline = time.monotonic() + timeout
        while not pid_file.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"no pid file for {self.name}")
            time.sleep(0.05)
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        while Path(f"/proc/{pid}").exists() or self.accepting():
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                raise RuntimeError(f"RabbitMQ node {self.name} did not stop")
            time.sleep(0.05)

    def remove(self) -> None:
        """Stop the node if it runs, and delete its directories."""
        if self.accepting():
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

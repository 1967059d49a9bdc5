"""Run the whole system on this machine: every service its own process (``make run``).

RabbitMQ must answer on 127.0.0.1:5672 (``deploy/local/ensure-rabbitmq.sh`` sees to it). MongoDB
is the one at ``MONGODB_URL`` if given, otherwise an embedded MongoDB-wire server that keeps its
data in ``.data/mongo.sqlite3``. Logs go to ``.run/logs/``. Ctrl-C (or SIGTERM) stops it all.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from shared.registry import GATEWAYS  # noqa: E402 - after the path is set
from shared.registry import SERVICES as REGISTRY  # noqa: E402

SERVICES = {service.name: service.port for service in (*REGISTRY, *GATEWAYS)}
BACKOFFICE_URL = f"http://127.0.0.1:{SERVICES['backoffice']}"
LINK_KEY = os.environ.get("OMS_LINK_SIGNING_KEY", "backoffice-dev-link-key")
"""Notification signs the pending e-mail's link to the back office with it; the back office
checks it."""
LOGS = ROOT / ".run" / "logs"


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - this is a command-line program


def start_embedded_mongo() -> tuple[subprocess.Popen[str], str]:
    data = ROOT / ".data" / "mongo.sqlite3"
    port = os.environ.get("OMS_LOCAL_MONGODB_PORT", "27017")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "deploy" / "local" / "mongowire.py"),
            "--port",
            port,
            "--engine",
            "sqlite",
            "--path",
            str(data),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=(LOGS / "mongowire.log").open("w"),
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("READY "):
        sys.exit(f"the embedded MongoDB-wire server did not start; see {LOGS / 'mongowire.log'}")
    return process, f"mongodb://127.0.0.1:{line.split()[1]}/?directConnection=true"


def start_mailcatcher() -> tuple[subprocess.Popen[str], int, int]:
    """The local SMTP catcher the notification service sends to; e-mails are read over HTTP."""
    smtp = os.environ.get("OMS_LOCAL_SMTP_PORT", "1025")
    web = os.environ.get("OMS_LOCAL_MAIL_PORT", "8025")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "deploy" / "local" / "mailcatcher.py"),
            "--smtp-port",
            smtp,
            "--http-port",
            web,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=(LOGS / "mailcatcher.log").open("w"),
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("READY "):
        sys.exit(f"the SMTP catcher did not start; see {LOGS / 'mailcatcher.log'}")
    return process, int(smtp), int(web)


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


RABBITMQ_API = os.environ.get("OMS_LOCAL_RABBITMQ_API", "http://127.0.0.1:15672")
RABBITMQ_ADMIN = os.environ.get("OMS_LOCAL_RABBITMQ_ADMIN", "guest:guest")


def load_rabbitmq_definitions() -> None:
    """The vhost ``oms``, its exchanges, one user per service and caller, and what each may
    publish: the same definitions Compose and Kubernetes load (deploy/rabbitmq/)."""
    body = (ROOT / "deploy" / "rabbitmq" / "definitions.json").read_bytes()
    request = urllib.request.Request(  # noqa: S310 - a local URL
        f"{RABBITMQ_API}/api/definitions", data=body, method="POST"
    )
    token = base64.b64encode(RABBITMQ_ADMIN.encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310
        pass


def amqp_url(user: str) -> str:
    return f"amqp://{user}:{user}-dev@127.0.0.1:5672/oms"


def main() -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    load_rabbitmq_definitions()
    mongo, mongodb_url = None, os.environ.get("MONGODB_URL")
    if not mongodb_url:
        mongo, mongodb_url = start_embedded_mongo()
    mail, mail_env, smtp_port, mail_port = None, {}, 0, 0
    if not os.environ.get("OMS_SMTP_HOST"):
        mail, smtp_port, mail_port = start_mailcatcher()
        mail_env = {"OMS_SMTP_HOST": "127.0.0.1", "OMS_SMTP_PORT": str(smtp_port)}
    services = list(SERVICES)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for name in services:
        env = {
            **os.environ,
            "OMS_MONGODB_URL": mongodb_url,
            "OMS_AMQP_URL": amqp_url(name),  # each service logs in as itself
            "OMS_HTTP_PORT": str(SERVICES[name]),
            "OMS_LOG_FORMAT": "json",
            "OMS_LINK_SIGNING_KEY": LINK_KEY,
            "OMS_BACKOFFICE_URL": BACKOFFICE_URL,
            **(mail_env if name == "notification" else {}),
        }
        processes[name] = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", f"services.{name}"],
            cwd=ROOT,
            env=env,
            stdout=(LOGS / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )

    def stop(*_: object) -> None:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            process.wait(timeout=60)
        for helper in (mongo, mail):
            if helper is not None:
                helper.terminate()
                helper.wait(timeout=30)
        say("stopped")
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + 60
    while not all(ready(SERVICES[name]) for name in services):
        failed = [name for name, p in processes.items() if p.poll() is not None]
        if failed or time.monotonic() > deadline:
            say(f"not started: {failed or 'timeout'}; see {LOGS}")
            stop()
        time.sleep(0.3)

    say("\nOMS is running (Ctrl-C stops it)\n")
    say(f"  {'service':<13} {'health':<40} {'AsyncAPI':<38} log")
    gateways = {gateway.name for gateway in GATEWAYS}
    for name in services:
        base = f"http://127.0.0.1:{SERVICES[name]}"
        docs = base + "/" if name in gateways else base + "/docs/asyncapi"
        say(
            f"  {name:<13} {base + '/health/ready':<40} {docs:<38} "
            f"{(LOGS / f'{name}.log').relative_to(ROOT)}"
        )
    say(f"\n  Back office  {BACKOFFICE_URL}  (README: The back office, for the first password)")
    say(f"  MongoDB   {mongodb_url}" + (" (embedded, data in .data/)" if mongo else ""))
    say(
        f"  RabbitMQ  vhost oms; callers log in as {amqp_url('backoffice')} (or storefront, "
        "operator)"
    )
    if mail is not None:
        say(
            f"  E-mails   http://127.0.0.1:{mail_port} (or omsctl mail list); the notification "
            f"service sends to SMTP 127.0.0.1:{smtp_port}; kept in .run/mail/"
        )
    say(
        "  Queries   need a credential (README: Reading the queries); omsctl sends one "
        "signed with the development key of its login. /metrics on every service port"
    )
    say("  omsctl    .venv/bin/omsctl --help (commands, orders, approvals, dead letters)\n")
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                say(f"{name} exited with {process.returncode}; see {LOGS / f'{name}.log'}")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()

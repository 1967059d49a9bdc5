"""``make run``'s SMTP catcher: the approval e-mails can be read locally (page, API, omsctl)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from omsctl.outcome import Exit
from tests.e2e.conftest import start
from tests.support.factories import unique
from tests.support.omsctl import omsctl, until
from tests.support.servers import ROOT
from tests.support.services import SERVICES, Environment, ServiceProcess, free_port


class Catcher:
    def __init__(self, directory: Path) -> None:
        self.smtp_port, self.http_port = free_port(), free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "deploy" / "local" / "mailcatcher.py"),
                "--smtp-port",
                str(self.smtp_port),
                "--http-port",
                str(self.http_port),
                "--dir",
                str(directory),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().startswith("READY ")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> None:
        self.process.terminate()
        assert self.process.wait(timeout=10) == 0


@pytest.fixture(scope="module")
def catcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catcher]:
    running = Catcher(tmp_path_factory.mktemp("mail"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
async def system(
    system_env: Environment, catcher: Catcher, log_dir: Path
) -> AsyncIterator[dict[str, ServiceProcess]]:
    """The five services, notification sending to the catcher as under ``make run``."""
    extra = {"notification": {"smtp_port": catcher.smtp_port, "dispatch_interval_seconds": 0.2}}
    processes = {name: start(system_env, name, log_dir, **extra.get(name, {})) for name in SERVICES}
    try:
        await asyncio.gather(*(p.wait_ready() for p in processes.values()))
        yield processes
    finally:
        for process in processes.values():
            process.terminate()
        codes = {name: await p.wait_exit() for name, p in processes.items()}
        assert codes == dict.fromkeys(SERVICES, 0), codes


def fetch(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


async def test_the_pending_approval_email_is_readable_locally(
    omsctl_env: dict[str, str], catcher: Catcher
) -> None:
    env = {**omsctl_env, "OMSCTL_MAIL_URL": catcher.url}
    manager, clerk, vendor, cycle = unique("mgr"), unique("clerk"), unique("V"), unique("CYC")
    for args in (
        [
            "send",
            "approval.upsert_user",
            "--user-id",
            manager,
            "--name",
            "Manager",
            "--email",
            f"{manager}@example.com",
            "--admin",
            "true",
        ],
        [
            "send",
            "approval.upsert_user",
            "--user-id",
            clerk,
            "--name",
            "Clerk",
            "--email",
            f"{clerk}@example.com",
            "--manager-id",
            manager,
        ],
        [
            "cycles",
            "define",
            cycle,
            "--name",
            "purchases",
            "--kind",
            "purchase",
            "--level",
            "manager",
            "--fallback",
            manager,
        ],
        ["cycles", "assign", cycle, vendor],
    ):
        assert (run := await omsctl(env, "--as", "root", *args)).code == Exit.DONE, run
    order = unique("PO")
    for args in (
        [
            "orders",
            "create",
            order,
            "--vendor",
            vendor,
            "--branch",
            "NORTH",
            "--currency",
            "USD",
            "--line",
            "BOLT:10:1.00",
        ],
        ["orders", "submit", order],
    ):
        assert (run := await omsctl(env, "--as", clerk, *args)).code == Exit.DONE, run

    address = f"{manager}@example.com"
    caught = await until(env, lambda rows: len(rows) == 1, "mail", "list", "--to", address)
    [message] = caught.json
    assert order in message["subject"]
    shown = await omsctl(env, "mail", "show", message["id"])
    assert shown.code == Exit.DONE, shown
    assert "approval.approve" in shown.out
    assert f"To: {address}" in shown.out
    api = json.loads(fetch(f"{catcher.url}/api/v1/messages"))
    assert api["total"] >= 1
    page = fetch(catcher.url)
    assert order in page
    assert (await omsctl(env, "mail", "show", "999999")).code == Exit.NOT_FOUND

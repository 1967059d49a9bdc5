"""``make run``'s SMTP catcher: the approval e-mails can be read locally (page, API, omsctl)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from omsctl.outcome import Exit
from tests.e2e.conftest import five_services
from tests.support.factories import unique
from tests.support.omsctl import omsctl, purchase_cycle, until
from tests.support.servers import ROOT
from tests.support.services import Environment, ServiceProcess, free_port


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
    async with five_services(system_env, log_dir, smtp_port=catcher.smtp_port) as processes:
        yield processes


def fetch(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


async def test_the_pending_approval_email_is_readable_locally(
    omsctl_env: dict[str, str], catcher: Catcher
) -> None:
    env = {**omsctl_env, "OMSCTL_MAIL_URL": catcher.url}
    manager, clerk, vendor, _ = await purchase_cycle(
        env, lambda manager: ["manager", "--fallback", manager]
    )
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

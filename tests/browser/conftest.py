"""The whole system as OS processes, the back office included, for tests in a real browser."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.bus import Bus
from tests.support.servers import ROOT, MongoServer, RabbitServer
from tests.support.services import SERVICES, Environment, ServiceProcess
from tests.support.smtp import SmtpServer

LINK_KEY = "browser-test-link-key-" + os.urandom(8).hex()
CHROMIUM = Path(os.environ.get("OMS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / ".run" / "screenshots"


@dataclass
class System:
    env: Environment
    smtp: SmtpServer
    processes: dict[str, ServiceProcess]

    @property
    def backoffice(self) -> ServiceProcess:
        return self.processes["backoffice"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.backoffice.port}"

    def set_password(self, user_id: str, password: str) -> int:
        """``python -m services.backoffice set-password``, as an operator sets the first one."""
        done = subprocess.run(
            [sys.executable, "-m", "services.backoffice", "set-password", user_id],
            input=password + "\n",
            text=True,
            capture_output=True,
            cwd=ROOT,
            env={**os.environ, **self.backoffice.env},
            check=False,
        )
        return done.returncode

    async def until_password_set(self, user_id: str, password: str, timeout: float = 15) -> None:
        """Once the back office has learnt the user from approval.user_upserted."""
        for _ in range(int(timeout / 0.3)):
            if await asyncio.to_thread(self.set_password, user_id, password) == 0:
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"the back office never learnt {user_id}")

    async def link_in_email(self, address: str, count: int) -> str:
        mail = (await self.smtp.wait_for(address, count=count, timeout=20))[count - 1]
        found = re.search(r"(http://\S+/link\?token=\S+)", mail.body)
        assert found, mail.body
        return found.group(1)


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
async def system(
    rabbit: RabbitServer, mongo: MongoServer, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    vhost = rabbit.create_vhost()
    env = Environment(amqp_url=rabbit.url_for(vhost), mongodb_url=mongo.url)
    logs = tmp_path_factory.mktemp("browser-logs")
    smtp = SmtpServer().start()
    office_env = env.env("backoffice", link_signing_key=LINK_KEY)
    processes = {"backoffice": ServiceProcess("backoffice", office_env, logs)}
    office_url = f"http://127.0.0.1:{processes['backoffice'].port}"
    extra = {
        "notification": {
            "smtp_port": smtp.port,
            "dispatch_interval_seconds": 0.2,
            "backoffice_url": office_url,
            "link_signing_key": LINK_KEY,
        }
    }
    for name in SERVICES:
        processes[name] = ServiceProcess(name, env.env(name, **extra.get(name, {})), logs)
    for name in SERVICES:
        office_env[f"OMS_{name.upper()}_URL"] = f"http://127.0.0.1:{processes[name].port}"
    for process in processes.values():
        process.start()
    try:
        await asyncio.gather(*(p.wait_ready() for p in processes.values()))
        yield System(env, smtp, processes)
    finally:
        for process in processes.values():
            process.terminate()
        codes = {name: await p.wait_exit() for name, p in processes.items()}
        smtp.stop()
        rabbit.delete_vhost(vhost)
        assert set(codes.values()) == {0}, codes


@pytest.fixture
async def operator(system: System) -> AsyncIterator[Bus]:
    async with Bus(system.env.amqp_url) as bus:
        yield bus


@pytest.fixture(scope="module")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

"""The README's examples of getting and sending a query credential, run as written (only the
ports are the test's) against the five services as processes: what an outside tester does
first."""

from __future__ import annotations

import asyncio
import re
import subprocess

from shared.registry import entry
from tests.support.servers import ROOT
from tests.support.services import ServiceProcess


def credential_examples() -> list[str]:
    """The README's shell examples that send a query credential."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)
    return [block for block in blocks if "Authorization: Bearer" in block]


def run(example: str, system: dict[str, ServiceProcess]) -> str:
    for name, process in system.items():
        example = example.replace(f"127.0.0.1:{entry(name).port}/", f"127.0.0.1:{process.port}/")
    ran = subprocess.run(
        ["bash", "-ec", example],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, (example, ran.stderr)
    return ran.stdout


async def test_the_readme_credential_examples_work_as_written(
    system: dict[str, ServiceProcess],
) -> None:
    storefront, operator = credential_examples()
    carts = await asyncio.to_thread(run, storefront, system)
    assert carts.startswith("["), carts  # the storefront's own open carts, none yet
    cycles = await asyncio.to_thread(run, operator, system)
    assert cycles.startswith("["), cycles  # read with the operator's credential
    assert "HTTP/1.1 401 Unauthorized" in cycles
    assert 'www-authenticate: Bearer realm="oms-approval"' in cycles
    assert '"reason":"missing_credential"' in cycles

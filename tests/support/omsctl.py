"""Running omsctl as its users do: the installed command, as a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.factories import unique
from tests.support.servers import ROOT

OMSCTL = Path(sys.executable).with_name("omsctl")


class Run:
    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"exit {self.code}\nstdout: {self.out}\nstderr: {self.err}"


async def omsctl(env: dict[str, str], *args: str, **extra_env: str) -> Run:
    completed = await asyncio.to_thread(
        subprocess.run,
        [str(OMSCTL), *args],
        cwd=ROOT,
        env={**os.environ, **env, **extra_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return Run(completed)


async def until(env: dict[str, str], check: Any, *args: str, timeout: float = 10.0) -> Run:
    """Run ``omsctl --json *args`` until ``check(result)`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        run = await omsctl(env, "--json", *args)
        if run.code == 0 and check(run.json):
            return run
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.3)


async def purchase_cycle(
    env: dict[str, str], level: Callable[[str], list[str]]
) -> tuple[str, str, str, list[Run]]:
    """As root: a manager (an admin), a clerk reporting to them, a one-level purchase cycle whose
    level is ``level(manager)`` (its ``--level`` arguments) and a vendor in it. Returns
    (manager, clerk, vendor) and the runs, each of which must be done."""
    manager, clerk, vendor, cycle = unique("mgr"), unique("clerk"), unique("V"), unique("CYC")
    steps = [
        _person(manager, "Manager", "--admin", "true"),
        _person(clerk, "Clerk", "--manager-id", manager),
    ]
    runs = [await omsctl(env, "--as", "root", "send", *args) for args in steps]
    kind = ["--name", "purchases", "--kind", "purchase"]
    define = ["define", cycle, *kind, "--level", *level(manager)]
    for args in (define, ["assign", cycle, vendor]):
        runs.append(await omsctl(env, "--as", "root", "cycles", *args))
    for run in runs:
        assert run.code == 0, run
    return manager, clerk, vendor, runs


def _person(user_id: str, name: str, *more: str) -> list[str]:
    email = f"{user_id}@example.com"
    return ["approval.upsert_user", "--user-id", user_id, "--name", name, "--email", email, *more]

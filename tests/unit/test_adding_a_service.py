"""Adding a service takes the hand-written files the README lists, and no more: the example
service in ``tests/example/`` is written with exactly those, and what else a service needs is
generated from them."""

from __future__ import annotations

import re
from pathlib import Path

from deploy import generate
from shared.asyncapi import document
from shared.registry import SERVICES
from tests.example import EXAMPLES
from tests.example.parcels.app import SERVICE as PARCELS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "tests" / "example"
MOST = 10
"""Issue 26's bound: a new service is at most this many hand-written files."""
TESTS = {"tests/unit/test_example_parcels.py", "tests/integration/test_new_service.py"}
"""The example's tests: its business rules, and its bad input over the real broker."""


def section() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("\n## Adding a service\n", 1)[1].split("\n## ", 1)[0]


def listed() -> dict[str, str]:
    """The README's table: each hand-written file of a new service, and the example's."""
    rows = re.findall(r"^\| `([^`]+)` \| [^\n]* \| ([^|\n]+) \|$", section(), re.MULTILINE)
    return {file: example.strip().strip("`") for file, example in rows}


def test_the_readme_states_how_many_files_a_service_is_and_lists_them() -> None:
    stated = re.search(r"A new service is these (\d+)\s+hand-written files", section())
    assert stated is not None, "README: 'A new service is these N hand-written files'"
    files = listed()
    assert len(files) == int(stated.group(1)), files
    assert len(files) <= MOST, f"a new service takes {len(files)} files: at most {MOST}"
    assert {"shared/registry.py", "services/<name>/app.py", "README.md"} <= set(files)


def test_the_example_service_is_exactly_the_files_the_readme_lists() -> None:
    written = {
        str(path.relative_to(ROOT))
        for path in EXAMPLE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    examples = {example for example in listed().values() if example.startswith("tests/")}
    assert written | TESTS == examples, (
        "the example service needs a file the README's table does not list (or lists one it "
        "does not need): update both, and keep a new service under "
        f"{MOST} hand-written files"
    )
    assert all((ROOT / test).exists() for test in TESTS)


def test_what_the_example_does_not_write_by_hand_is_generated_for_it() -> None:
    [entry] = EXAMPLES
    files = generate.render((*SERVICES, entry))
    assert f"deploy/k8s/{entry.name}.yaml" in files
    manifest = files[f"deploy/k8s/{entry.name}.yaml"]
    assert f'command: ["python", "-m", "{entry.module}"]' in manifest
    assert f'command: ["{entry.module}"]' in files["docker-compose.yml"]
    assert f"EXPOSE 8081 8082 8083 8084 8085 {entry.port} 8090\n" in files["Dockerfile"]
    assert f'"name": "{entry.name}"' in files["deploy/rabbitmq/definitions.json"]
    doc = document(PARCELS)
    assert "parcels.register:receive" in doc["operations"]

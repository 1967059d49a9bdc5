"""Write each service's AsyncAPI document, generated from its code, to ``docs/asyncapi/``.

    python -m shared.asyncapi            # write the documents
    python -m shared.asyncapi --check    # exit 1 if a committed document is stale

Each document lists what the service consumes (queues, bindings, message schemas) and what it
publishes; a service serves the same document at ``/docs/asyncapi``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

SERVICES = ("order", "approval", "inventory", "billing", "notification")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "asyncapi"


def document(service: str) -> dict[str, Any]:
    app = importlib.import_module(f"services.{service}.app").create_app()
    spec: dict[str, Any] = app.schema.to_specification().to_jsonable()
    return spec


def render(service: str) -> str:
    return json.dumps(document(service), indent=2, sort_keys=True) + "\n"


def available() -> list[str]:
    root = Path(__file__).resolve().parents[1]
    return [s for s in SERVICES if (root / "services" / s / "app.py").exists()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a document is stale")
    args = parser.parse_args(argv)
    stale = []
    DOCS.mkdir(parents=True, exist_ok=True)
    for service in available():
        path = DOCS / f"{service}.json"
        fresh = render(service)
        if args.check:
            if not path.exists() or path.read_text() != fresh:
                stale.append(path.name)
        else:
            path.write_text(fresh)
    if stale:
        print(f"stale AsyncAPI documents: {stale}; run `make docs`", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

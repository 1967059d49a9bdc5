"""The committed AsyncAPI documents match the code (``make docs`` refreshes them)."""

from shared import asyncapi
from shared.registry import SERVICES


def test_committed_asyncapi_documents_are_current() -> None:
    assert asyncapi.main(["--check"]) == 0, "run `make docs` and commit docs/asyncapi/"


def test_every_service_documents_what_it_consumes_and_publishes() -> None:
    for entry in SERVICES:
        spec = asyncapi.document(asyncapi.load(entry.name))
        operations = spec["operations"].values()
        actions = {op["action"] for op in operations}
        assert actions == {"receive", "send"}, entry.name

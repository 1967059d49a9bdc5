"""The committed AsyncAPI documents match the code (``make docs`` refreshes them)."""

from shared import asyncapi


def test_committed_asyncapi_documents_are_current() -> None:
    assert asyncapi.main(["--check"]) == 0, "run `make docs` and commit docs/asyncapi/"


def test_every_service_documents_what_it_consumes_and_publishes() -> None:
    for service in asyncapi.available():
        spec = asyncapi.document(service)
        operations = spec["operations"].values()
        actions = {op["action"] for op in operations}
        assert actions == {"receive", "send"}, service

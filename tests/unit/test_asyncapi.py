"""The committed AsyncAPI documents match the code (``make docs`` refreshes them)."""

import json
from decimal import Decimal

from shared import asyncapi
from shared.contracts.ledger import JournalEntryPosted
from shared.registry import SERVICES


def test_committed_asyncapi_documents_are_current() -> None:
    assert asyncapi.main(["--check"]) == 0, "run `make docs` and commit docs/asyncapi/"


def test_every_service_documents_what_it_consumes_and_publishes() -> None:
    for entry in SERVICES:
        spec = asyncapi.document(asyncapi.load(entry.name))
        operations = spec["operations"].values()
        actions = {op["action"] for op in operations}
        assert actions == {"receive", "send"}, entry.name


def test_a_contracts_examples_are_its_messages_examples_and_valid() -> None:
    """The journal entry's example (for an accounting system's connector) is shown on its
    message, and is a valid, balanced entry."""
    spec = asyncapi.document(asyncapi.load("billing"))
    [example] = spec["components"]["messages"]["JournalEntryPosted"]["examples"]
    entry = JournalEntryPosted.model_validate_json(json.dumps(example["payload"]))
    assert sum(line.debit for line in entry.lines) == entry.total == Decimal("34.50")
    assert sum(line.credit for line in entry.lines) == entry.total
    description = spec["operations"]["billing.journal_entry_posted:send"]["description"]
    assert "needs nothing else" in description
    assert "examples" not in spec["components"]["messages"]["InvoiceIssued"]

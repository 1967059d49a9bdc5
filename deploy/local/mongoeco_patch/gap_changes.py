"""A change recorded as a gap (nobody watching) is recorded without the written document.

Why: with every write, the SQLite engine appends the change to its change outbox
(``engines/_sqlite_outbox.append_change``). While no change stream watches, the change is
recorded as a gap (``ChangePublicationPolicy.RECORD_GAP``): a row with no payload, so that a
stream resumed across it learns that events are missing. Yet the function first serializes
the whole change, the full written document included (``serialize_document``: validation,
encoding, JSON), only to hash it into the row's replay fingerprint. The services' documents
carry their outbox, answers and lines, and the services never open a change stream: about
6 % of the server's CPU under the development load.

What: for a gap, the change is appended as mongoeco appends it, but without its full
document (``full_document=None``): the same rows (the gap, its identity, the compaction),
with a fingerprint of the change's kind, namespace and document key. Changes that are
published (a stream watches) are appended as released.

Why exact: a gap's payload is not stored, so nothing a stream or the hub reads changes: the
rows, their order and sequence numbers are the same. The fingerprint only serves to refuse
an operation that is replayed under the same operation id with a different effect; a gap's
replay is now compared on its kind, namespace and key, not on the document. Operation ids
are fresh per operation (``uuid4``) and the services use no transactions, so no replay of a
gap compares documents under the development load.

Drop once mongoeco skips the document for a gap upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_MARK = "__oms_gap_changes__"


def install() -> None:
    """Record gaps without serializing the written document (idempotent)."""
    from mongoeco.core.operation_context import ChangePublicationPolicy
    from mongoeco.engines import sqlite

    original = vars(sqlite)["_sqlite_append_change"]
    if not getattr(original, _MARK, False):
        sqlite._sqlite_append_change = _without_document(  # type: ignore[attr-defined]
            original, ChangePublicationPolicy.RECORD_GAP
        )


def _without_document(append: Callable[..., Any], gap: object) -> Callable[..., Any]:
    @functools.wraps(append)
    def append_change(conn: Any, *, context: Any, **change: Any) -> Any:
        if context is not None and context.publication is gap:
            change["full_document"] = None
        return append(conn, context=context, **change)

    setattr(append_change, _MARK, True)
    return append_change

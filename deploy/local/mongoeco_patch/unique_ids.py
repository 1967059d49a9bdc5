"""Inserts and upserts stop comparing a new ``_id`` with every stored document.

Why: on every single-document insert and upsert, mongoeco passes ``scan_payload_id=True`` to
its unique-index check (``MemoryEngine._ensure_unique_indexes``, and
``SQLiteEngine._validate_document_against_unique_indexes`` near line 3151 of
``engines/sqlite.py``), which then compares the new ``_id`` with every stored document's by
BSON equality, even for a string id. Inserts and upserts get slower with every stored
document (memory engine 521 -> 97 inserts/s from 200 to 3,000 documents, SQLite 151 -> 23/s),
so the embedded server's cost grows with the data while a real MongoDB's does not.

What: the scan is kept only when the id holds a numeric value, tested with mongoeco's own
``id_contains_numeric_value`` (which it already uses for the same purpose elsewhere): numeric
ids need it because ``1`` and ``1.0`` are the same ``_id`` but different storage keys. Any
other id is already refused by the exact storage-key lookup that runs before the scan.
Nothing else changes: multi-document inserts, updates and secondary unique indexes take
mongoeco's own path. ``tests/integration/mongowire/`` checks that duplicates
(strings, integers, ``1`` vs ``1.0``, compound ids) are still refused and upserts stay unique.

Drop once mongoeco limits the scan upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_MARK = "__oms_narrowed_id_scan__"


def install() -> None:
    """Narrow both engines' unique-``_id`` scan (idempotent)."""
    from mongoeco.core.identity import id_contains_numeric_value
    from mongoeco.engines.memory import MemoryEngine
    from mongoeco.engines.sqlite import SQLiteEngine

    targets = (
        (MemoryEngine, "_ensure_unique_indexes"),
        (SQLiteEngine, "_validate_document_against_unique_indexes"),
    )
    for engine, name in targets:
        original = getattr(engine, name)
        if not getattr(original, _MARK, False):
            setattr(engine, name, _narrowed(original, id_contains_numeric_value))


def _narrowed(original: Callable[..., None], numeric: Callable[[Any], bool]) -> Callable[..., None]:
    """``original`` with ``scan_payload_id`` honoured only for ids holding a numeric value."""

    @functools.wraps(original)
    def check(
        self: object,
        db_name: str,
        coll_name: str,
        document: dict[str, Any],
        *args: Any,
        scan_payload_id: bool = False,
        **kwargs: Any,
    ) -> None:
        scan = scan_payload_id and numeric(document.get("_id"))
        original(self, db_name, coll_name, document, *args, scan_payload_id=scan, **kwargs)

    setattr(check, _MARK, True)
    return check

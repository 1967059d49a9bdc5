"""A narrow correction to mongoeco 4.11.0, applied by the development launcher only.

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
mongoeco's own path. ``tests/integration/test_mongowire_patch.py`` checks that duplicates
(strings, integers, ``1`` vs ``1.0``, compound ids) are still refused and upserts stay unique.

Pinned: applied only to mongoeco ``4.11.0``, the version it was read against; with any other
version the launcher warns and runs mongoeco unpatched. Drop this module once mongoeco limits
the scan upstream. Production never loads it: the image runs against a real MongoDB.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from importlib import metadata
from typing import Any

PINNED_VERSION = "4.11.0"
_MARK = "__oms_narrowed_id_scan__"


def _warn(event: str, **fields: object) -> None:
    # stdout carries the launcher's READY line; diagnostics go to stderr.
    details = " ".join(f"{key}={value}" for key, value in fields.items())
    print(f"{event} {details}".strip(), file=sys.stderr, flush=True)  # noqa: T201


def apply() -> bool:
    """Narrow mongoeco's unique-``_id`` scan; False (and a warning) when it cannot be applied."""
    try:
        installed = metadata.version("mongoeco")
    except metadata.PackageNotFoundError:
        return False
    if installed != PINNED_VERSION:
        _warn("mongoeco_patch_skipped", installed=installed, pinned=PINNED_VERSION)
        return False
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
    _warn("mongoeco_patch_applied", version=installed, scope="unique_id_scan")
    return True


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

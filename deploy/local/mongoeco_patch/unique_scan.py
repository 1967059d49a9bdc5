"""A unique index without single-field entries is checked against its candidates, not all.

Why: before each insert, upsert, update or replace, ``SQLiteEngine`` checks every unique
index the document is in (``_validate_document_against_unique_indexes``, ``engines/sqlite.py``
near line 3121). Only a single-field index holding a non-numeric scalar is answered from its
scalar entries (``_unique_index_conflict_via_scalar_entries``); for any other, e.g. the
compound ``(series, number)`` and ``(order_id, bill)`` of ``customer_invoices``, it decodes
every stored document of the collection and compares its key (near line 3237). Writes get
slower with every stored document: with those two indexes, 124 inserts/s on an empty
collection, 8/s at 3,000 documents, 7 updates/s.

What: when mongoeco finds no scalar entry to ask, this asks SQLite for the documents whose
indexed fields could hold an equal key, with mongoeco's own index expressions
(``index_expressions_sql``, which each of these indexes is built on, so the lookup is an
index search: ``SEARCH documents USING INDEX``, once per numeric field's two stored forms),
and compares each of them as mongoeco does: ``document_in_virtual_index``, then the tuple of
``_index_value``. None equal: no conflict, the scan is skipped. One equal: mongoeco's own
scan runs and raises its own error, so a refusal reads as before.

Why exact: the candidates hold every stored document whose key is equal, because a field
is narrowed only when its key is one of these, whose every stored form the lookup covers:

- a string: a plain JSON string (``Code`` and other tagged values have other keys);
- a boolean: JSON ``true``/``false`` (read as 1/0; an integer 1 is a candidate too);
- null or missing (one key for both, as in MongoDB): no JSON value at the path;
- a date: its tag with the ISO text of the UTC millisecond value the key holds;
- a whole number up to 2**53: ``1``, ``1.0``, ``Int64(1)`` and ``Decimal128("1.0")`` share
  its key. JSON integers and reals (plain or tagged ``int32``, ``int64``, ``double``) are
  compared as numbers, which SQLite does exactly in that range, and every decimal (stored as
  text) is a candidate.

Anything else (other numbers, documents, arrays, other types), a collation, a dotted or
unusual field name, or a query SQLite cannot run (a stored NaN is not JSON to it) keeps
mongoeco's full scan. Arrays never reach this check: mongoeco sends an index whose fields
hold an array, in the document or anywhere in the collection, to its multikey scan first.
``tests/integration/mongowire/`` checks that duplicates (on each write path,
``1`` vs ``1.0``, ``Int64`` and ``Decimal128``, null vs missing) are still refused and
that sparse and partial unique indexes answer as unpatched.

Drop once mongoeco looks up compound unique keys through its indexes upstream.
"""

from __future__ import annotations

import functools
import itertools
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

_MARK = "__oms_unique_candidates__"
_NAME = "_unique_index_conflict_via_scalar_entries"
_PLAIN_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXACT_INTEGERS = 2**53
_NUMBER_TAGS = "'', 'int32', 'int64', 'double'"
_DECIMAL_TAGS = "'decimal', 'decimal128', 'decimal128_public'"

Expressions = Callable[[str], tuple[str, str]]
Alternative = tuple[str, tuple[object, ...]]


def install() -> None:
    """Check unique indexes without scalar entries against their candidates (idempotent)."""
    from mongoeco.engines.sqlite import SQLiteEngine
    from mongoeco.engines.sqlite_query import index_expressions_sql
    from mongoeco.engines.virtual_indexes import document_in_virtual_index

    original = getattr(SQLiteEngine, _NAME)
    if not getattr(original, _MARK, False):
        wrapped = _narrowed(original, index_expressions_sql, document_in_virtual_index)
        setattr(wrapped, _MARK, True)
        setattr(SQLiteEngine, _NAME, wrapped)


def _narrowed(
    original: Callable[..., bool | None],
    expressions: Expressions,
    in_index: Callable[[Any, Any], bool],
) -> Callable[..., bool | None]:
    """``original``, answering False instead of None when no candidate has an equal key."""

    @functools.wraps(original)
    def conflict(
        self: Any,
        conn: sqlite3.Connection,
        collection_id: int | None,
        index: Any,
        document: Any,
        *,
        exclude_storage_key: str | None,
    ) -> bool | None:
        answer = original(
            self, conn, collection_id, index, document, exclude_storage_key=exclude_storage_key
        )
        if answer is not None:
            return answer
        fields = index["fields"]
        key = tuple(self._index_value(document, field) for field in fields)
        query = _candidates(conn, collection_id, index, key, expressions)
        if query is None:
            return None
        try:
            rows = conn.execute(*query).fetchall()
        except sqlite3.OperationalError:
            return None
        for storage_key, payload in rows:
            existing = self._deserialize_document(payload)
            if (
                storage_key != exclude_storage_key
                and in_index(existing, index)
                and tuple(self._index_value(existing, field) for field in fields) == key
            ):
                return None  # mongoeco's own scan finds it and raises its own error
        return False

    return conflict


def _candidates(
    conn: sqlite3.Connection,
    collection_id: int | None,
    index: Any,
    key: tuple[Any, ...],
    expressions: Expressions,
) -> tuple[str, tuple[object, ...]] | None:
    """The SQL for the documents that may hold ``key``; None where that is not proven."""
    if collection_id is None or index.get("collation") is not None:
        return None
    per_field: list[list[Alternative]] = []
    for field, value in zip(index["fields"], key, strict=True):
        options = _alternatives(field, value, expressions)
        if options is None:
            return None
        per_field.append(options)
    namespace = conn.execute(
        "SELECT db_name, coll_name FROM collections WHERE collection_id = ?", (collection_id,)
    ).fetchone()
    if namespace is None:
        return None
    selects, params = [], []
    for branch in itertools.product(*per_field):
        selects.append(
            "SELECT storage_key, document FROM documents WHERE db_name = ? AND coll_name = ?"  # noqa: S608 - mongoeco's expressions; values are bound
            + "".join(f" AND {condition}" for condition, _ in branch)
        )
        params += [*namespace, *(value for _, values in branch for value in values)]
    return " UNION ALL ".join(selects), tuple(params)


def _alternatives(field: str, key: Any, expressions: Expressions) -> list[Alternative] | None:
    """The ways a value with ``key`` (mongoeco's ``_index_value``) can be stored at ``field``."""
    if not _PLAIN_FIELD.fullmatch(field) or not isinstance(key, tuple) or len(key) != 2:
        return None
    stored_type, stored_value = expressions(field)
    kind, value = key
    plain = f"{stored_type} = '' AND {stored_value}"
    options: list[Alternative] | None = None
    if kind == "str" and isinstance(value, str):
        options = [(f"{plain} = ?", (value,))]
    elif kind == "bool" and isinstance(value, bool):
        options = [(f"{plain} = ?", (int(value),))]
    elif kind == "none":
        options = [(f"{plain} IS NULL", ())]
    elif kind == "datetime" and isinstance(value, datetime):
        options = [(f"{stored_type} = 'datetime' AND {stored_value} = ?", (value.isoformat(),))]
    elif kind == "number" and _exact_integer(value):
        options = [
            (f"{stored_type} IN ({_NUMBER_TAGS}) AND {stored_value} = ?", (int(value),)),
            (f"{stored_type} IN ({_DECIMAL_TAGS})", ()),
        ]
    return options


def _exact_integer(value: object) -> bool:
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and value == value.to_integral_value()
        and abs(value) <= _EXACT_INTEGERS
    )

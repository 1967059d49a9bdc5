"""A read whose filter names documents by ``_id`` (equal to a value, or ``$in`` a list, among
other plain conditions) reads those documents by their keys, not every document of the
collection.

Why: mongoeco looks a document up by its key for a read only when the filter is
``{"_id": value}`` alone and at most one document is asked for (``find_one``). Any other read
naming ids (``find({"_id": {"$in": ids}})``, or ``find({"_id": value})`` without a limit) is
translated to SQL that tests ``json_extract`` of every document of the collection: 2.3 ms of
server CPU with 500 documents stored, 17 ms with 5,000, and growing with the data. The
services read this way where one query answers several deliveries (the approval service's
parties, the user directory).

What: when the read has no text search, sort, skip, hint or collation and its filter is a
top-level ``_id`` equality or ``$in`` of plain ids (strings, ObjectIds), alone or in
an ``$and`` of plain field conditions (as ``id_lookup`` accepts), each id is looked up by its
key (mongoeco's own lookup, the one ``find_one`` uses) and the whole filter is tested on what
is found with mongoeco's query matcher (``QueryEngine.match_plan``); the projection is
applied as mongoeco's fast path applies it, and the limit, if any, is kept. Any other read is
planned as released.

Why exact: ``_id`` is unique, so only the documents named can match; each matches exactly
when the matcher says so (the matcher mongoeco itself uses whenever its SQL cannot filter).
Without a sort, MongoDB promises no order of results; the documents come in the order their
ids are listed. Values that ``$in`` would treat otherwise (a regular expression, an array, a
document, ``null``) are left to the released plan, and so are numbers: an equal number of
another type is stored under another key, and mongoeco's own lookup, when the key misses,
compares numbers only in Python (through the key it raised ``NotImplementedError``, "Numeric
identity comparisons require BSON equality", for a number not stored under its own type).

Drop once mongoeco reads a filter naming ``_id`` values by key upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from deploy.local.mongoeco_patch.id_lookup import plain_conditions

_MARK = "__oms_id_reads__"


def install() -> None:
    """Read the documents a filter names by ``_id`` by their keys (idempotent)."""
    import bson
    from mongoeco import _types
    from mongoeco.core import query_plan as plans
    from mongoeco.core.filtering import QueryEngine
    from mongoeco.core.projections import apply_projection
    from mongoeco.engines.sqlite import SQLiteEngine

    original = SQLiteEngine._open_scan_documents_sync
    if getattr(original, _MARK, False):
        return
    plain = plain_conditions()
    keys = (str, bson.ObjectId, _types.ObjectId)

    def a_key(value: Any) -> bool:
        return type(value) in keys

    def named_ids(plan: Any) -> tuple[Any, ...] | None:
        """The ids a plan names at its top level, when the rest of it is plain."""
        clauses = plan.clauses if isinstance(plan, plans.AndCondition) else (plan,)
        if not plain(plan):
            return None
        for clause in clauses:
            if getattr(clause, "field", None) != "_id":
                continue
            if isinstance(clause, plans.EqualsCondition) and a_key(clause.value):
                return (clause.value,)
            if isinstance(clause, plans.InCondition) and all(map(a_key, clause.values)):
                return tuple({(type(v), v): v for v in clause.values}.values())
        return None

    def by_keys(
        engine: Any, reader: Any, ids: tuple[Any, ...], plan: Any
    ) -> Iterator[dict[str, Any]]:
        semantics = reader.semantics
        found = 0
        for key in ids:
            selected = engine._select_first_document_for_plan(
                reader.db_name,
                reader.coll_name,
                plans.EqualsCondition("_id", key),
                context=reader.context,
            )
            if selected is None or not QueryEngine.match_plan(selected[1], plan):
                continue
            yield apply_projection(
                selected[1],
                semantics.projection,
                selector_filter=semantics.filter_spec,
                dialect=semantics.dialect,
            )
            found += 1
            if semantics.limit and found >= abs(semantics.limit):
                return

    def ids_of(engine: Any, reader: Any) -> tuple[Any, ...] | None:
        semantics = reader.semantics
        if (
            semantics.text_query is not None
            or semantics.sort is not None
            or semantics.skip
            or semantics.hint is not None
            or semantics.collation is not None
            or engine._is_profile_namespace(reader.coll_name)
        ):
            return None
        return named_ids(semantics.query_plan)

    replacement = _reading_by_key(original, ids_of, by_keys)
    setattr(SQLiteEngine, "_open_scan_documents_sync", replacement)  # noqa: B010


def _reading_by_key(
    original: Callable[..., Any],
    ids_of: Callable[[Any, Any], tuple[Any, ...] | None],
    by_keys: Callable[[Any, Any, tuple[Any, ...], Any], Iterator[dict[str, Any]]],
) -> Callable[..., Any]:
    @functools.wraps(original)
    def open_scan_documents_sync(self: Any, reader: Any) -> Any:
        ids = ids_of(self, reader)
        if ids is None:
            return original(self, reader)
        # Read now, under the reader's binding (a returned iterator must not keep it).
        return iter(list(by_keys(self, reader, ids, reader.semantics.query_plan)))

    setattr(open_scan_documents_sync, _MARK, True)
    return open_scan_documents_sync

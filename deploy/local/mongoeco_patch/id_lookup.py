"""A write whose filter names the document's ``_id`` among other conditions reads that one
document by its key, not every document of the collection.

Why: an update or a delete first selects the document it changes
(``SQLiteEngine._select_first_document_for_plan``). mongoeco looks a document up by its key
only when the filter is ``{"_id": value}`` alone; any other filter, such as the services'
conditional saves ``{"_id": id, "version": n}`` or the outbox relay's claims ``{"_id": id,
"outbox_pending": true, "$or": [...]}``, is translated to SQL that tests ``json_extract`` of
every document of the collection. Each such write reads and parses the whole collection:
under the mixed load, the order service's update of one order went from 8.6 to 16 ms of
server CPU as 600 more orders were stored (replayed one request at a time), most of it in
that query.

What: when there is no index hint and the filter is an ``$and`` (explicit or implied by
several fields) of plain field conditions (equality, inequality, ranges, ``$in``,
``$nin``, ``$exists``, ``$and``, ``$or``) one of which is the top-level ``_id`` equal to a
value, the document is looked up by that ``_id`` alone (mongoeco's own lookup by key, with its
own check of the ``_id``) and the whole filter is then tested on it with mongoeco's query
matcher (``QueryEngine.match_plan``); any other filter is selected as released.

Why exact: ``_id`` is unique, so at most that one document can match the filter; the filter
holds for it exactly when the matcher says so, the matcher being the one mongoeco itself
uses to filter documents whenever its SQL translation cannot (and the memory engine's). The
callers (update, delete) already leave collations and sorts to their Python path before
selecting; the conditions allowed carry no expressions or variables.

A text ``_id`` that is not stored is not looked for any further. mongoeco's lookup by key
answers "not found" and "cannot say" alike, so after a miss it selects again with SQL that
tests ``json_type(document, '$._id') = 'text' AND json_extract(document, '$._id') = ?`` on
every document of the collection (``select_first_document_for_plan`` in
``engines/_sqlite_read_fast_path_runtime.py``): 0.4-0.8 ms with a few hundred documents,
growing with the collection, for each upsert of a new document (the back office's views) and
each read of an id that is not there (a party without an approval cycle). Now, when the
``_id`` is a ``str`` (every string that comes over the wire), the lookup by key is the whole
answer, found or not: the document is read with mongoeco's own lookup by key
(``_sqlite_fast_paths.select_first_document_for_plan``, the one ``find_one`` uses, with its
check of the ``_id``), and a miss is final. Exact because of the three facts that make the
second query redundant: mongoeco stores a ``str`` as JSON text and every other type as a
tagged object, so the rows that query can return hold a ``str`` ``_id``; a document's key is
``repr(canonical_document_id(_id))``, which for a ``str`` is ``repr((str, value))``; and
``_id`` is unique. So the one row with that text ``_id``, if there is one, is the row under
that key.

Drop once mongoeco looks a compound ``_id`` filter up by key upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_MARK = "__oms_id_lookup__"


def install() -> None:
    """Look a filter naming an ``_id`` up by that key (idempotent)."""
    from mongoeco.core import query_plan as plans
    from mongoeco.core.filtering import QueryEngine
    from mongoeco.engines.sqlite import SQLiteEngine

    original = SQLiteEngine._select_first_document_for_plan
    if getattr(original, _MARK, False):
        return
    plain = plain_conditions()
    by_text_key = _text_key_lookup()

    def id_clause(plan: Any) -> Any:
        """The plan's top-level ``_id`` equality, when the rest is plain too."""
        if not isinstance(plan, plans.AndCondition) or not plain(plan):
            return None
        return next(
            (
                clause
                for clause in plan.clauses
                if isinstance(clause, plans.EqualsCondition) and clause.field == "_id"
            ),
            None,
        )

    def text_id(plan: Any) -> bool:
        return (
            isinstance(plan, plans.EqualsCondition)
            and plan.field == "_id"
            and type(plan.value) is str
        )

    replacement = _by_key(original, id_clause, text_id, by_text_key, QueryEngine.match_plan)
    setattr(SQLiteEngine, "_select_first_document_for_plan", replacement)  # noqa: B010


def plain_conditions() -> Callable[[Any], bool]:
    """Whether a query plan holds only plain field conditions (equality, inequality, ranges,
    ``$in``, ``$nin``, ``$exists``, joined by ``$and`` and ``$or``): no expressions, no
    variables, nothing the matcher would read beyond the document."""
    from mongoeco.core import query_plan as plans

    simple = (
        plans.EqualsCondition,
        plans.NotEqualsCondition,
        plans.GreaterThanCondition,
        plans.GreaterThanOrEqualCondition,
        plans.LessThanCondition,
        plans.LessThanOrEqualCondition,
        plans.InCondition,
        plans.NotInCondition,
        plans.ExistsCondition,
    )
    branches = (plans.AndCondition, plans.OrCondition)

    def plain(node: Any) -> bool:
        if isinstance(node, branches):
            return all(plain(clause) for clause in node.clauses)
        return isinstance(node, simple)

    return plain


def _text_key_lookup() -> Callable[..., Any]:
    """mongoeco's lookup of ``{"_id": value}`` by key, without its second query on a miss."""
    from mongoeco.engines._sqlite_connection import sqlite_read_scope
    from mongoeco.engines._sqlite_fast_paths import select_first_document_for_plan as by_key

    def unused(*_: Any) -> None:  # only for conditions on other fields than ``_id``
        raise AssertionError("an _id lookup asked for a scalar index")

    def lookup(engine: Any, db_name: str, coll_name: str, plan: Any, context: Any) -> Any:
        conn = engine._require_connection(context)
        with engine._bind_connection(conn), sqlite_read_scope(conn):
            return by_key(
                db_name=db_name,
                coll_name=coll_name,
                plan=plan,
                storage_key_for_id=engine._storage_key,
                fetchone=lambda sql, params: conn.execute(sql, params).fetchone(),
                deserialize_document=engine._deserialize_document,
                select_first_document_for_scalar_index_fn=unused,
                select_first_document_for_scalar_range_fn=unused,
            )

    return lookup


def _by_key(
    original: Callable[..., Any],
    id_clause: Callable[[Any], Any],
    text_id: Callable[[Any], bool],
    by_text_key: Callable[..., Any],
    match_plan: Callable[[Any, Any], bool],
) -> Callable[..., Any]:
    @functools.wraps(original)
    def select_first_document_for_plan(
        self: Any,
        db_name: str,
        coll_name: str,
        plan: Any,
        *,
        hint: Any = None,
        context: Any = None,
    ) -> Any:
        if hint is None and text_id(plan):
            return by_text_key(self, db_name, coll_name, plan, context)
        clause = id_clause(plan) if hint is None else None
        if clause is None:
            return original(self, db_name, coll_name, plan, hint=hint, context=context)
        if text_id(clause):
            selected = by_text_key(self, db_name, coll_name, clause, context)
        else:
            selected = original(self, db_name, coll_name, clause, context=context)
        if selected is None or not match_plan(selected[1], plan):
            return None
        return selected

    setattr(select_first_document_for_plan, _MARK, True)
    return select_first_document_for_plan

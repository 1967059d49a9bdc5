"""A write whose filter asks for fields equal to a text or a boolean reads only the documents
holding those values, through their index, not every document of the collection.

Why: a write selects the document it changes in one of two ways, and both read the whole
collection when the filter is more than a key or one plain equality:

- An update with a ``sort`` (a ``findAndModify`` naming one) goes to the Python path of
  ``_sqlite_modify_ops.update_with_operation``, which loads, decodes and tests every document
  (``load_documents``) before sorting the few that match. The notification service's claim of
  the next due e-mail is one (``status: "queued"``, sorted by ``next_attempt_at``), about once
  a second while idle and once per e-mail: with 3,000 sent e-mails kept, 120 ms of the server's
  time per claim on this vm (60 ms with nothing due), growing with every e-mail sent.
- Any other update or delete selects its document with SQL (``_select_first_document_for_plan``)
  whose conditions are ``json_extract`` of the document: no index serves them, so SQLite reads
  every document of the collection until one matches, all of them when none does. The outbox
  relays' claim of a document with entries left (``outbox_pending: true`` and a lease run out)
  is one: 30 ms with 3,000 orders stored and 85 ms with 10,000, for each claim and for the
  last one that finds nothing; after a crash every document left is claimed this way.

A real MongoDB walks the ``(status, next_attempt_at)`` and ``outbox_pending`` indexes.

What: the documents holding the values are selected by SQL written with the very expressions
mongoeco indexes a field by (``index_expressions_sql``: the value's type tag, empty for a text
or a boolean, and its value), so that SQLite reads them through an index that begins with that
field, when there is one. Used for a filter of plain field conditions (as ``id_lookup`` allows
them, mongoeco's own dialect, no collation, no hint) with at least one top-level field equal to
a text or a boolean:

- for an update with a ``sort``: its Python path loads those documents instead of the whole
  collection and runs as released on them (the whole filter tested, the matches sorted, the
  first taken);
- for an update or delete without one, whose filter has more conditions than that equality and
  names no ``_id`` (``id_lookup`` reads those by key): the first of those documents that the
  whole filter matches, tested by mongoeco's own matcher (``QueryEngine.match_plan``), each
  read and decoded in turn, so that none is read after the first match.

When a document of the collection holds an array in one of those fields (mongoeco's own
per-collection answer, ``_field_is_top_level_array_in_collection``), both go as released.

Why exact: a document the filter matches meets each of its top-level conditions, so each of
those fields holds its value, stored as JSON (mongoeco tags every other type, never a ``str``
or a ``bool``): no type tag, and the text, or SQLite's 1 or 0 for ``true`` and ``false``, as
value. So it is among those selected (a stored 1 or 0 is selected with the booleans and then
refused by the matcher, as any selected document the filter does not match); an array holding
the value would match too, and is the case left as released. Every selected document is tested
against the whole filter by the matcher mongoeco itself uses whenever its SQL cannot decide.
With a sort, the same matches are sorted the same way, so the first is the same document
(documents that tie on every sort key may come in another order than the whole scan's; MongoDB
does not order ties either). Without one, MongoDB names no document among several matches,
and mongoeco's SQL (``LIMIT 1`` with no order) none either: the first in the index's order is
as right as the first in the table's.

Drop once mongoeco selects a write's document through its indexes upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Iterator
from typing import Any

_MARK = "__oms_equal_selection__"


def install() -> None:
    """Select a write's documents by their equal values (idempotent; after ``id_lookup``)."""
    import mongoeco.engines.sqlite as sqlite_engine
    from mongoeco.core.filtering import QueryEngine
    from mongoeco.engines.sqlite import SQLiteEngine

    from deploy.local.mongoeco_patch.id_lookup import plain_conditions

    update = getattr(sqlite_engine, "_sqlite_update_with_operation")  # noqa: B009 - not exported
    if getattr(update, _MARK, False):
        return
    plain = plain_conditions()
    setattr(sqlite_engine, "_sqlite_update_with_operation", _sorted(update, plain))  # noqa: B010
    first = _first(SQLiteEngine._select_first_document_for_plan, plain, QueryEngine.match_plan)
    setattr(SQLiteEngine, "_select_first_document_for_plan", first)  # noqa: B010


def equalities(plan: Any) -> dict[str, str | bool]:
    """The plan's top-level conditions that compare a field (not a dotted path, not ``_id``)
    with a text or a boolean."""
    from mongoeco.core import query_plan as plans

    clauses = plan.clauses if isinstance(plan, plans.AndCondition) else (plan,)
    return {
        clause.field: clause.value
        for clause in clauses
        if isinstance(clause, plans.EqualsCondition)
        and "." not in clause.field
        and not clause.field.startswith("$")
        and clause.field != "_id"
        and isinstance(clause.value, str | bool)  # not numbers: equal across types
    }


def selection_sql(fields: list[str]) -> str:
    """The documents of one namespace whose ``fields`` hold the given values (bound after the
    namespace), written with the expressions mongoeco indexes a field by."""
    from mongoeco.engines.sqlite_query import index_expressions_sql

    conditions = []
    for field in fields:
        type_sql, value_sql = index_expressions_sql(field)
        conditions.append(f"{type_sql} = '' AND {value_sql} = ?")
    return (
        "SELECT storage_key, document FROM documents WHERE db_name = ? AND coll_name = ? AND "  # noqa: S608 - mongoeco's expressions; values are bound
        + " AND ".join(conditions)
    )


def _arrays(engine: Any, db_name: str, coll_name: str, values: dict[str, str | bool]) -> bool:
    """Whether one of the fields holds an array in some document (SQL would not find the
    value inside it)."""
    return any(
        engine._field_is_top_level_array_in_collection(db_name, coll_name, field)
        for field in values
    )


def _selected(
    engine: Any, conn: Any, db_name: str, coll_name: str, values: dict[str, str | bool]
) -> Generator[tuple[str, Any]]:
    """The documents holding ``values``, read and decoded one at a time (a caller that stops
    early reads no further)."""
    params = (db_name, coll_name, *(int(v) if type(v) is bool else v for v in values.values()))
    rows = conn.execute(selection_sql(list(values)), params)
    try:
        for key, document in rows:
            yield key, engine._deserialize_document(document)
    finally:
        rows.close()


def _sorted(update: Callable[..., Any], plain: Callable[[Any], bool]) -> Callable[..., Any]:
    from mongoeco.compat import MONGODB_DIALECT_70

    @functools.wraps(update)
    def update_with_operation(**kwargs: Any) -> Any:
        semantics = kwargs.get("prepared_semantics")
        if (
            semantics is None
            or not getattr(semantics, "sort", None)
            or semantics.collation is not None
            or semantics.dialect is not MONGODB_DIALECT_70
            or not plain(semantics.query_plan)
            or not (values := equalities(semantics.query_plan))
        ):
            return update(**kwargs)
        engine = kwargs["select_first_document_for_plan"].__self__
        load, conn = kwargs["load_documents"], kwargs["require_connection"]()

        def load_documents(db_name: str, coll_name: str) -> Iterator[tuple[str, Any]]:
            if _arrays(engine, db_name, coll_name, values):
                whole: Iterator[tuple[str, Any]] = load(db_name, coll_name)
                return whole
            return _selected(engine, conn, db_name, coll_name, values)

        return update(**{**kwargs, "load_documents": load_documents})

    setattr(update_with_operation, _MARK, True)
    return update_with_operation


def _first(
    original: Callable[..., Any],
    plain: Callable[[Any], bool],
    match_plan: Callable[[Any, Any], bool],
) -> Callable[..., Any]:
    from mongoeco.core import query_plan as plans
    from mongoeco.engines._sqlite_connection import sqlite_read_scope

    def named_id(plan: Any) -> bool:
        return any(getattr(clause, "field", None) == "_id" for clause in plan.clauses)

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
        if (
            hint is not None
            or not isinstance(plan, plans.AndCondition)
            or named_id(plan)
            or not plain(plan)
            or not (values := equalities(plan))
            or _arrays(self, db_name, coll_name, values)
        ):
            return original(self, db_name, coll_name, plan, hint=hint, context=context)
        conn = self._require_connection(context)
        with self._bind_connection(conn), sqlite_read_scope(conn):
            selected = _selected(self, conn, db_name, coll_name, values)
            try:
                return next((found for found in selected if match_plan(found[1], plan)), None)
            finally:
                selected.close()

    setattr(select_first_document_for_plan, _MARK, True)
    return select_first_document_for_plan

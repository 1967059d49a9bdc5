"""An update with a ``sort`` reads only the documents whose fields hold the texts its filter
asks for, not every document of the collection.

Why: ``_sqlite_modify_ops.update_with_operation`` leaves any update with a ``sort`` (a
``findAndModify`` that names one) to its Python path, which loads, decodes and tests every
document of the collection (``load_documents``) before sorting the few that match. The
notification service's claim of the next due e-mail is such an update (a
``find_one_and_update`` on ``status: "queued"`` sorted by ``next_attempt_at``), made about
once a second while idle and once per e-mail sent: with 3,000 sent e-mails kept it cost 120
ms of the server's time per claim on this vm (60 ms when nothing is due), growing with every
e-mail sent, where a real MongoDB walks its ``(status, next_attempt_at)`` index.

What: while such an update runs (no collation, mongoeco's own dialect, a filter of plain field
conditions as ``id_lookup`` allows them, at least one of them a top-level field equal to a
text), its Python path loads only the documents whose fields hold those texts, selected by SQL
written with the very expressions mongoeco indexes a field by (``index_expressions_sql``), so
that SQLite reads them through an index that begins with those fields (the e-mails' compound
index): 3 ms per claim with 3,000 or 10,000 e-mails kept. The Python path then runs as
released on what is loaded: the whole filter tested on each document, the matches sorted, the
first taken. When a document of the collection holds an array in one of those fields
(mongoeco's own per-collection answer, ``_field_is_top_level_array_in_collection``), or for any
other update, it loads the whole collection as released.

Why exact: a document the filter matches meets each of its top-level conditions, so each of
those fields holds its text: stored as JSON text (mongoeco tags every other type, never a
``str``), so with no type tag and with that text as value, which is what the SQL selects; an
array holding the text would also match, and is the case left to the whole load. Every
document loaded is tested against the whole filter by the same matcher and sorted by the same
sort, so the first is the same document. Documents that tie on every sort key may come in
another order than the whole scan's; MongoDB does not order ties either.

Drop once mongoeco selects a sorted update's document in SQL upstream.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

_MARK = "__oms_sorted_updates__"


def install() -> None:
    """Narrow a sorted update's Python path to its filter's equalities (idempotent)."""
    import mongoeco.engines.sqlite as sqlite_engine

    from deploy.local.mongoeco_patch.id_lookup import plain_conditions

    original = getattr(sqlite_engine, "_sqlite_update_with_operation")  # noqa: B009 - not exported
    if getattr(original, _MARK, False):
        return
    narrowed = _narrowed(original, plain_conditions())
    setattr(sqlite_engine, "_sqlite_update_with_operation", narrowed)  # noqa: B010


def equalities(plan: Any) -> dict[str, str]:
    """The plan's top-level conditions that compare a field (not a dotted path) with a text."""
    from mongoeco.core import query_plan as plans

    clauses = plan.clauses if isinstance(plan, plans.AndCondition) else (plan,)
    return {
        clause.field: clause.value
        for clause in clauses
        if isinstance(clause, plans.EqualsCondition)
        and "." not in clause.field
        and not clause.field.startswith("$")
        and type(clause.value) is str
    }


def selection_sql(fields: list[str]) -> str:
    """The documents of one namespace whose ``fields`` hold the given texts, written with the
    expressions mongoeco indexes a field by, so that SQLite reads them through an index that
    begins with those fields."""
    from mongoeco.engines.sqlite_query import index_expressions_sql

    conditions = []
    for field in fields:
        type_sql, value_sql = index_expressions_sql(field)
        conditions.append(f"{type_sql} = '' AND {value_sql} = ?")
    return (
        "SELECT storage_key, document FROM documents WHERE db_name = ? AND coll_name = ? AND "  # noqa: S608 - mongoeco's expressions; values are bound
        + " AND ".join(conditions)
    )


def _narrowed(update: Callable[..., Any], plain: Callable[[Any], bool]) -> Callable[..., Any]:
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
            or not (texts := equalities(semantics.query_plan))
        ):
            return update(**kwargs)
        engine = kwargs["select_first_document_for_plan"].__self__
        load = kwargs["load_documents"]
        conn = kwargs["require_connection"]()
        sql = selection_sql(list(texts))

        def load_documents(db_name: str, coll_name: str) -> Iterator[tuple[str, Any]]:
            if any(
                engine._field_is_top_level_array_in_collection(db_name, coll_name, field)
                for field in texts
            ):  # an array holding the text matches too: SQL would not find it
                yield from load(db_name, coll_name)
                return
            rows = conn.execute(sql, (db_name, coll_name, *texts.values())).fetchall()
            for storage_key, document in rows:
                yield storage_key, engine._deserialize_document(document)

        return update(**{**kwargs, "load_documents": load_documents})

    setattr(update_with_operation, _MARK, True)
    return update_with_operation

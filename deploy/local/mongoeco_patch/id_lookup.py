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

    replacement = _by_key(original, id_clause, QueryEngine.match_plan)
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


def _by_key(
    original: Callable[..., Any],
    id_clause: Callable[[Any], Any],
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
        clause = id_clause(plan) if hint is None else None
        if clause is None:
            return original(self, db_name, coll_name, plan, hint=hint, context=context)
        selected = original(self, db_name, coll_name, clause, context=context)
        if selected is None or not match_plan(selected[1], plan):
            return None
        return selected

    setattr(select_first_document_for_plan, _MARK, True)
    return select_first_document_for_plan

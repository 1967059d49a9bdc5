"""A ``$unionWith`` whose pipeline begins with ``$match`` reads only documents that can match.

Why: before running a pipeline, ``AsyncAggregationCursor._load_pipeline_resources`` loads every
collection a ``$unionWith`` names, whole (``_load_collection_documents``: a find with an empty
filter), and ``_apply_union_with`` deep-copies each document before the sub-pipeline's ``$match``
drops nearly all of them. Every OMS outbox relay asks, in one round trip, which of its
collections hold entries to publish: a ``$match`` on ``outbox_pending`` in each collection,
joined by ``$unionWith``. Each poll therefore read, decoded and copied every document of the
service: 110 ms of server CPU for ten collections of 300 documents, growing with the stored
data, where the same ``$match`` on one collection (index-backed) costs 1.5 ms.

What: a collection that the pipeline names exactly once, in a top-level ``$unionWith`` whose
sub-pipeline begins with ``{"$match": filter}`` and names no collection itself, is loaded with
the conditions of that filter that compare a field with a plain value (``outbox_pending:
true``; the rest, such as an ``$or``, cost the SQLite planner more than they save) instead of
whole. Any other reference (a second one, ``$lookup``, ``$graphLookup``, a nested one, the
aggregated collection itself), or a filter without such a condition, loads as released.

Why exact: the sub-pipeline still runs in full on what is loaded, its ``$match`` first; every
document that ``$match`` keeps meets the conditions loaded by (the same matcher evaluates
them), and the SQLite engine's filtered scan keeps the whole scan's relative order (checked by
``tests/integration/mongowire/test_mongowire_union_scan.py``, with a ``$limit`` after the
match). Nothing else reads the loaded copy of that collection, since nothing else names it.

Drop once mongoeco pushes a ``$unionWith``'s leading ``$match`` down upstream.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any

_MARK = "__oms_union_scan__"
_NAMING = ("$lookup", "$graphLookup", "$unionWith")
_narrowed: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "oms_union_scan", default=None
)


def install() -> None:
    """Load a ``$unionWith``'s collection through its leading ``$match`` (idempotent)."""
    from mongoeco.api._async.aggregation_cursor import AsyncAggregationCursor

    if getattr(AsyncAggregationCursor._load_pipeline_resources, _MARK, False):
        return
    resources = AsyncAggregationCursor._load_pipeline_resources
    load = AsyncAggregationCursor._load_collection_documents
    setattr(AsyncAggregationCursor, "_load_pipeline_resources", _narrowing(resources))  # noqa: B010
    setattr(AsyncAggregationCursor, "_load_collection_documents", _filtered(load))  # noqa: B010


def union_filters(pipeline: object, root: str | None) -> dict[str, Any]:
    """The collections that only a top-level ``$unionWith`` with a leading ``$match`` reads,
    with that filter."""
    if not isinstance(pipeline, list):
        return {}
    candidates: dict[str, Any] = {}
    named: dict[str, int] = {}
    for stage in pipeline:
        for name in _names(stage):
            named[name] = named.get(name, 0) + 1
        spec = stage.get("$unionWith") if isinstance(stage, dict) and len(stage) == 1 else None
        if not isinstance(spec, dict) or not isinstance(spec.get("coll"), str):
            continue
        sub = spec.get("pipeline")
        if not isinstance(sub, list) or not sub or any(True for _ in _names(sub)):
            continue
        first = sub[0]
        leading = first.get("$match") if isinstance(first, dict) and len(first) == 1 else None
        if isinstance(leading, dict) and (narrowing := _equalities(leading)):
            candidates[spec["coll"]] = narrowing
    return {name: flt for name, flt in candidates.items() if named.get(name) == 1 and name != root}


def _equalities(flt: dict[str, Any]) -> dict[str, Any]:
    """The conditions of ``flt`` that compare a field with a plain value (text, a number, a
    boolean): a document ``flt`` matches meets them all, and SQLite finds them by index."""
    return {
        name: value
        for name, value in flt.items()
        if not name.startswith("$") and isinstance(value, str | int | float | bool)
    }


def _names(value: object) -> Iterator[str]:
    """Every collection named (or ``""``, an unnamed one) anywhere in ``value``."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in _NAMING:
                target = inner.get("from", inner.get("coll")) if isinstance(inner, dict) else inner
                yield target if isinstance(target, str) else ""
            yield from _names(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _names(inner)


def _narrowing(resources: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(resources)
    async def load_resources(self: Any) -> Any:
        root = getattr(self._collection, "_collection_name", None)
        narrowed = union_filters(self._effective_pipeline(), root)
        if not narrowed:
            return await resources(self)
        token = _narrowed.set(narrowed)
        try:
            return await resources(self)
        finally:
            _narrowed.reset(token)

    setattr(load_resources, _MARK, True)
    return load_resources


def _filtered(load: Callable[..., Any]) -> Callable[..., Any]:
    from mongoeco.api.operations import compile_find_operation
    from mongoeco.compat import MONGODB_DIALECT_70

    @functools.wraps(load)
    async def load_collection(self: Any, collection_name: str) -> list[Any]:
        flt = (_narrowed.get() or {}).get(collection_name)
        if flt is None:
            whole: list[Any] = await load(self, collection_name)
            return whole
        operation = compile_find_operation(
            flt,
            comment=self._comment,
            max_time_ms=self._max_time_ms,
            dialect=getattr(self._collection, "mongodb_dialect", MONGODB_DIALECT_70),
        )
        return [
            doc async for doc in self._scan_collection_with_operation(collection_name, operation)
        ]

    return load_collection

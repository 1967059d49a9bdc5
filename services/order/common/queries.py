"""The query every document of the order service answers the same way: one document by its id,
or the latest few by a filter."""

from __future__ import annotations

from typing import Any

from shared.http import Query
from shared.runtime import Runtime
from shared.storage.aggregates import HIDE_BOOKKEEPING

LIST_LIMIT = 100
LISTED = {**HIDE_BOOKKEEPING, "history": 0, "revisions": 0, "timeline": 0}
"""A list shows each document without its history, earlier versions and timeline (ask for one
for them)."""


def document_query(
    runtime: Runtime[Any], collection: str, key: str, what: str, *, filters: tuple[str, ...] = ()
) -> Query:
    """``GET /<collection>?<key>=...``: one document as stored; by ``filters``, the latest."""

    async def query(params: dict[str, str]) -> tuple[int, Any]:
        if doc_id := params.get(key):
            doc = await runtime.database[collection].find_one({"_id": doc_id}, HIDE_BOOKKEEPING)
            if doc is None:
                return 404, {"error": f"no {what} {doc_id}"}
            return 200, {key: doc.pop("_id"), **doc}
        if wanted := {name: params[name] for name in filters if params.get(name)}:
            cursor = runtime.database[collection].find(
                wanted, LISTED, sort=[("updated_at", -1)], limit=LIST_LIMIT
            )
            return 200, [{key: doc.pop("_id"), **doc} async for doc in cursor]
        either = f" (or {' and/or '.join(filters)})" if filters else ""
        return 400, {"error": f"{key} is required{either}"}

    listed = (
        f"; by {' and/or '.join(filters)}: the latest {LIST_LIMIT}, without history or "
        "earlier versions"
        if filters
        else ""
    )
    query.__doc__ = (
        f"``GET /{collection}?{key}=...``: one {what} as stored, without bookkeeping "
        f"fields{listed}."
    )
    return query

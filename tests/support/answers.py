"""Query answers checked against what each service's AsyncAPI document says they are.

:func:`check_answer` validates an answer against its query's documented JSON Schema, made
strict (an object may carry no field its schema does not name): a query that answers a stored
document, or a field its model does not declare, fails every test that reads it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema

from shared.asyncapi import document, load
from shared.registry import SERVICES

REFUSED = frozenset({401, 403})
"""The credential check's refusals, documented with the query credential instead."""


@cache
def documented(service: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The service's documented queries (by path) and its schemas, made strict."""
    spec = document(load(service))
    queries = spec["servers"]["queries"].get("x-oms-queries", {})
    return queries, strict(spec["components"]["schemas"])


def strict(node: Any) -> Any:
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    found = {key: strict(value) for key, value in node.items()}
    if "properties" in found:
        found.setdefault("additionalProperties", False)
    return found


def check_answer(service: str, path: str, status: int, body: Any) -> None:
    """Raise when a documented query's answer is not what its document says (a query that
    documents no answer yet is not checked)."""
    if service not in {entry.name for entry in SERVICES}:
        return
    queries, schemas = documented(service)
    query = queries.get(path.partition("?")[0])
    if query is None or status in REFUSED:
        return
    schema = query["answer"] if status == 200 else query["error"]
    jsonschema.validate(body, {**schema, "components": {"schemas": schemas}})

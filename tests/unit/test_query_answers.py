"""Every query of every service names a model, and answers only through it: a stored
document's other fields (bookkeeping, outbox, leases) never reach a caller, and the AsyncAPI
document gives each answer's schema."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

import pytest
from faststream._internal.di.config import FastDependsConfig
from pydantic import BaseModel

from shared.access.guard import call
from shared.asyncapi import document, load
from shared.http import Answer, QueryHandler, json_query
from shared.registry import SERVICES
from tests.support.answers import check_answer, documented

DOCUMENTED = tuple(entry.name for entry in SERVICES)
"""Every service of the registry: each query names its answer."""


def models(shape: Any) -> list[type[BaseModel]]:
    """The models an answer type is made of: its own and those of its fields, nested."""
    if get_origin(shape) in {list, dict, Union, types.UnionType}:
        return [model for arg in get_args(shape) for model in models(arg)]
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        nested = [models(field.annotation) for field in shape.model_fields.values()]
        return [shape, *(model for found in nested for model in found)]
    return []


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_query_names_a_frozen_answer_model_that_ignores_what_else_is_stored(
    name: str,
) -> None:
    routes = load(name).queries(None)  # type: ignore[arg-type]
    assert routes, name
    for path, app in routes:
        assert isinstance(app, QueryHandler), f"{name} {path} answers no documented model"
        own = models(app.answer)
        assert own, (name, path)
        assert issubclass(own[0], Answer), (name, path, own[0])
        for model in own:
            assert model.model_config.get("frozen"), (name, path, model)
            assert model.model_config.get("extra", "ignore") == "ignore", (name, path, model)


@pytest.mark.parametrize("name", DOCUMENTED)
def test_the_asyncapi_document_gives_every_query_its_answer_and_error_schemas(name: str) -> None:
    spec = document(load(name))
    queries = spec["servers"]["queries"]["x-oms-queries"]
    paths = [path for path, _ in load(name).queries(None)]  # type: ignore[arg-type]
    assert list(queries) == paths
    schemas = spec["components"]["schemas"]
    assert schemas["QueryError"]["required"] == ["error"]
    for path, query in queries.items():
        assert query["description"], path
        assert query["error"] == {"$ref": "#/components/schemas/QueryError"}
        for ref in refs(query["answer"]):
            assert ref.rsplit("/", 1)[1] in schemas, (name, path)


def refs(schema: dict[str, Any]) -> list[str]:
    """The schemas an answer refers to: a model, a list of one, or either (one document, or
    a list)."""
    if "anyOf" in schema:
        return [ref for option in schema["anyOf"] for ref in refs(option)]
    found = schema.get("$ref") or schema["items"]["$ref"]
    return [found]


class Thing(Answer):
    thing_id: str
    count: int = 0


async def test_a_stored_document_is_answered_through_the_model_only() -> None:
    async def things(params: dict[str, str]) -> tuple[int, Any]:
        """``GET /things?thing_id=``: things."""
        if not params.get("thing_id"):
            return 400, {"error": "thing_id is required", "trace": "internal"}
        stored = {"thing_id": params["thing_id"], "count": 2, "outbox": [{"x": 1}], "version": 3}
        return 200, [stored | {"applied_messages": ["m-1"], "send_lease": {"owner": "me"}}]

    handler = json_query(things, list[Thing])
    handler.update_fd_config(FastDependsConfig())
    assert await call(handler, {"thing_id": "T-1"}) == (200, [{"thing_id": "T-1", "count": 2}])
    assert await call(handler, {}) == (400, {"error": "thing_id is required"})


def test_an_answer_with_a_field_its_model_does_not_name_fails_the_check() -> None:
    queries, _ = documented("approval")
    assert "/users" in queries
    user = {
        "id": "ada",
        "name": "Ada",
        "email": None,
        "admin": True,
        "manager_id": None,
        "active": True,
        "updated_at": "2026-12-01T10:00:00Z",
        "version": 1,
    }
    check_answer("approval", "/users", 200, [user])
    check_answer("approval", "/users?x=1", 400, {"error": "no"})
    with pytest.raises(Exception, match="applied_messages"):
        check_answer("approval", "/users", 200, [{**user, "applied_messages": ["m"]}])
    with pytest.raises(Exception, match="outbox"):
        check_answer("approval", "/users", 400, {"error": "no", "outbox": []})

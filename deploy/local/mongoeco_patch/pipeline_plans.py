"""A pipeline update is prepared and compiled once, not twice.

Why: for every update, ``api/operations._compile_update_plans`` compiles the update's plan and,
beside it, the plan an upsert would apply to the document it inserts
(``is_upsert_insert=True``), whether or not the update is an upsert. For an aggregation
pipeline each compilation validates the pipeline, copies and prepares each stage's
specification (``prepare_pipeline``: the services' pipelines carry their outbox entries, lines
and history entries as literals) and compiles it (``compile_pipeline``): about 8 % of the
embedded server's Python time under the development load went to these two compilations.

What: for a pipeline, the plan is compiled once as mongoeco compiles it, and the upsert's plan
is that same plan with the execution context mongoeco builds for an upsert's insert
(``UpdateEngine.build_execution_context(..., is_upsert_insert=True)``). Updates given as
operators (``$set``, ``$inc``...) are compiled as released.

Why exact: in mongoeco 4.11.0 (``core/operators.py``) ``compile_update_plan`` sends a pipeline
to ``compile_update_pipeline_plan``, whose validation, preparation (``prepare_pipeline`` with
the same pipeline, dialect, scope and variables) and compilation (``compile_pipeline`` with the
context's dialect and collation, equal in both contexts) do not depend on
``is_upsert_insert``: the two plans differ only in their ``context``. A pipeline that fails
to compile fails on the first compilation, as it did before the second ran; under
``PlanningMode.RELAXED`` such a failure gives no plans, as released. The prepared pipeline
and its compiled form are shared by the two plans; applying a plan does not change them (each
application runs on copies of the document, with variables of its own).

Drop once mongoeco compiles the upsert plan only for upserts, or shares it, upstream.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

_MARK = "__oms_pipeline_plans_once__"


def install() -> None:
    """Compile a pipeline update's plans once (idempotent)."""
    from mongoeco._types.documents import PlanningMode
    from mongoeco.api import operations
    from mongoeco.core.operators import UpdateEngine
    from mongoeco.errors import OperationFailure

    original = vars(operations)["_compile_update_plans"]
    if getattr(original, _MARK, False):
        return
    operations._compile_update_plans = _once(
        original, UpdateEngine, OperationFailure, PlanningMode.RELAXED
    )


def _once(
    original: Callable[..., Any], engine: Any, failure: type[Exception], relaxed: object
) -> Callable[..., Any]:
    @functools.wraps(original)
    def compile_update_plans(update_spec: Any, **options: Any) -> Any:
        if not isinstance(update_spec, list):
            return original(update_spec, **options)
        planning_mode = options["planning_mode"]
        try:
            plan = engine.compile_update_plan(
                update_spec,
                dialect=options["dialect"],
                selector_filter=options["selector_filter"],
                collation=options["collation"],
                array_filters=options["array_filters"],
                variables=options["variables"],
            )
            upsert_context = engine.build_execution_context(
                dialect=options["dialect"],
                collation=options["collation"],
                selector_filter=options["selector_filter"],
                array_filters=options["array_filters"],
                is_upsert_insert=True,
            )
        except failure:
            if planning_mode is relaxed:
                return None, None
            raise
        return plan, dataclasses.replace(plan, context=upsert_context)

    setattr(compile_update_plans, _MARK, True)
    return compile_update_plans

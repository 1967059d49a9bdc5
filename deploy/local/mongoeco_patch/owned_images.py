"""An update's before and after images are deep-copied once for its outcome, not three times.

Why: the SQLite engine's single-document update (``_sqlite_modify_ops.update_with_operation``)
returns ``MutationOutcome(before_document=deepcopy(original), after_document=deepcopy(document))``;
the outcome's ``__post_init__`` (``engines/results.py``) deep-copies both images again, and
``SQLiteEngine._update_with_operation_sync`` then builds the final outcome with
``dataclasses.replace(result, commit_sequence=...)``, whose ``__post_init__`` copies both a third
time. Each copy walks the whole document (the services' documents carry their outbox, answers
and applied-message window): about 4.5 % of the server's CPU under the development load.

What: while ``update_with_operation`` constructs its outcome, and while
``_update_with_operation_sync`` replaces only the ``commit_sequence`` of a ``MutationOutcome``,
the outcome's ``__post_init__`` keeps the images it is given instead of copying them. Every
other construction, of this class or any other outcome, copies as released.

Why exact: the copies skipped are copies of objects nobody else holds. Every
``MutationOutcome(...)`` in ``_sqlite_modify_ops`` (mongoeco 4.11.0: five, read one by one) is
given ``deepcopy(...)`` of its images in its own argument list, or no image; and the one
``replace`` of a ``MutationOutcome`` in ``engines/sqlite.py`` rebinds the only reference to the
outcome it replaces (``result = replace(result, ...)``), so the new outcome is the sole holder
of the images they would share. The outcome's checks (counts, images, commit sequence) run
unchanged; only the copies are left out, so every image holds the same values as before.

Drop once mongoeco copies each image once upstream.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from deploy.local.mongoeco_patch.plain_copies import plain_deepcopy

_MARK = "__oms_owned_images__"
_owned = threading.local()


def install() -> None:
    """Skip the outcome's copies of images made for it alone (idempotent)."""
    from mongoeco.engines import _sqlite_modify_ops, results, sqlite

    copies, replace = vars(results)["deepcopy"], vars(sqlite)["replace"]
    if getattr(copies, _MARK, False):
        return
    outcome = results.MutationOutcome
    replacements: list[tuple[object, str, object]] = [
        (results, "deepcopy", _copy_unless_owned),
        (_sqlite_modify_ops, "MutationOutcome", _owning(outcome)),
        (sqlite, "replace", _replacing(replace, outcome)),
    ]
    for owner, name, replacement in replacements:
        setattr(owner, name, replacement)


def _copy_unless_owned(value: Any, memo: dict[int, Any] | None = None) -> Any:
    if getattr(_owned, "active", False):
        return value
    return plain_deepcopy(value, memo)


setattr(_copy_unless_owned, _MARK, True)


@contextmanager
def _owning_images() -> Iterator[None]:
    outer = getattr(_owned, "active", False)
    _owned.active = True
    try:
        yield
    finally:
        _owned.active = outer


def _owning(outcome: type) -> Callable[..., Any]:
    """``outcome`` for callers that pass images copied for it alone."""

    @functools.wraps(outcome)
    def construct(*args: Any, **kwargs: Any) -> Any:
        with _owning_images():
            return outcome(*args, **kwargs)

    setattr(construct, _MARK, True)
    return construct


def _replacing(replace: Callable[..., Any], outcome: type) -> Callable[..., Any]:
    """``dataclasses.replace``; a ``MutationOutcome`` given a commit sequence keeps its images."""

    @functools.wraps(replace)
    def replacing(obj: Any, /, **changes: Any) -> Any:
        if type(obj) is outcome and set(changes) == {"commit_sequence"}:
            with _owning_images():
                return replace(obj, **changes)
        return replace(obj, **changes)

    setattr(replacing, _MARK, True)
    return replacing

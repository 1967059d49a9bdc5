"""A write no longer makes the SQLite planner rescan the collection for decimals and arrays.

Why: before it translates a filter to SQL, ``SQLiteEngine`` asks per field whether any stored
document holds a decimal-tagged value there (``_field_contains_tagged_value_type_in_collection``,
from ``_plan_requires_python_for_decimal_numeric``) or a top-level array
(``_field_is_top_level_array_in_collection``), and caches the answer per collection. Every
write to the collection drops all of its answers (``_invalidate_collection_features_cache``,
called at the end of each write in ``engines/_sqlite_write_ops.py``,
``engines/_sqlite_modify_ops.py`` and ``engines/sqlite.py``), so the next read runs a
``json_extract`` scan over the whole collection for each field and type: about 13 % of the
server's CPU under the development load, growing with the data.

What: on a per-collection invalidation the answers of these two kinds survive. A ``True``
stays as it is. A ``False`` stays only if none of the documents written since the last
invalidation has the feature at that field, tested with the paths and comparisons of
mongoeco's own scan, restricted to those documents (its answer flips to ``True`` otherwise;
the tagged types' paths of all the answers are read in one ``json_extract`` call, one parse of
each document). The
written documents are known exactly: a ``TEMP`` trigger on the connection records the key of
every row an ``INSERT`` or ``UPDATE`` writes to ``documents`` (upserts and renames included)
in a ``TEMP`` table, inside the writer's own transaction, so a rolled-back write leaves no
record. Other kinds of answers, invalidations of every collection (rollbacks, reconnects,
dropped databases) and any invalidation outside a write transaction, or before the trigger
exists on the writing connection, take mongoeco's own path. The answers are kept in a dict that
also knows each collection's keys (``_ByCollection``), so that the invalidation after each
write takes its collection's answers without walking those of every collection (mongoeco's
own loop compared every key's prefix: about 5 % of the server's Python time under the
development load, growing with the collections and fields queried).

Why exact: a ``False`` can only become wrong by a document that gains the feature, i.e. by a
written row, and every row written to the collection is re-checked (mongoeco 4.11.0 writes
documents only in those write paths, each ending with the invalidation, under the engine's
lock). A ``True`` that turns stale (its documents deleted or changed) only sends the planner
down its general path, which it must take anyway whenever some other document of the
collection has the feature, so the answers are the same. ``TEMP`` objects live on one
connection and never reach the database file.

Drop once mongoeco maintains these answers per written document upstream.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable
from typing import Any

from deploy.local.mongoeco_patch.reconcile import writer

_MARK = "__oms_kept_feature_answers__"
_KINDS = ("tagged_type:", "top_level_array:")
_JOURNAL = "oms_written_documents"
_TRIGGERS = (f"{_JOURNAL}_insert", f"{_JOURNAL}_update")

Answers = dict[tuple[str, str, str], Any]


def install() -> None:
    """Keep the two kinds of answers across per-collection invalidations (idempotent)."""
    from mongoeco.core.codec import DocumentCodec
    from mongoeco.engines.sqlite import SQLiteEngine
    from mongoeco.engines.sqlite_query import json_path_for_field

    def tagged_type_path(field: str) -> str:
        # The path mongoeco's own scan tests, ``_field_contains_tagged_value_type_in_collection``.
        return f'{json_path_for_field(field)}."{DocumentCodec._MARKER}".{DocumentCodec._TYPE}'

    name = "_invalidate_collection_features_cache"
    original = getattr(SQLiteEngine, name)
    if not getattr(original, _MARK, False):
        setattr(SQLiteEngine, name, _keeping(original, json_path_for_field, tagged_type_path))


def _keeping(
    original: Callable[..., None],
    field_path: Callable[[str], str],
    tagged_type_path: Callable[[str], str],
) -> Callable[..., None]:
    checks = _Checks(field_path, tagged_type_path)

    @functools.wraps(original)
    def invalidate(self: Any, db_name: str | None = None, coll_name: str | None = None) -> None:
        if db_name is None or coll_name is None:
            original(self, db_name, coll_name)
            return
        cache = _by_collection(self._cache_state)
        keys = cache.keys_of(db_name, coll_name)
        learnt = {key: cache[key] for key in keys if key[2].startswith(_KINDS)}
        for key in keys:  # mongoeco's own per-collection invalidation, without the scan
            cache.pop(key, None)
        cache.update(_still_true(writer(self), db_name, coll_name, learnt, checks))

    setattr(invalidate, _MARK, True)
    return invalidate


def _by_collection(state: Any) -> _ByCollection:
    """The engine's answers, as a :class:`_ByCollection` (made one the first time)."""
    cache = state.collection_features_cache
    if type(cache) is not _ByCollection:
        cache = state.collection_features_cache = _ByCollection(cache)
    return cache


class _ByCollection(dict[tuple[str, str, str], Any]):
    """mongoeco's answers per (database, collection, question), which also knows the keys of
    each collection: a per-collection invalidation (one per write) no longer walks the answers
    of every collection, twice (``SQLiteEngine._invalidate_collection_features_cache`` compares
    each key's prefix; the copy of the answers kept did the same). Every way mongoeco 4.11.0
    changes the dict (``[key] = value``, ``pop``, ``clear``) and this module's ``update`` keep
    the index; the others are kept exact too."""

    def __init__(self, answers: Answers | None = None) -> None:
        super().__init__()
        self._keys: dict[tuple[str, str], set[tuple[str, str, str]]] = {}
        self.update(answers or {})

    def keys_of(self, db_name: str, coll_name: str) -> list[tuple[str, str, str]]:
        return list(self._keys.get((db_name, coll_name), ()))

    def __setitem__(self, key: tuple[str, str, str], value: Any) -> None:
        super().__setitem__(key, value)
        self._keys.setdefault(key[:2], set()).add(key)

    def __delitem__(self, key: tuple[str, str, str]) -> None:
        super().__delitem__(key)
        self._unindex(key)

    def pop(self, key: tuple[str, str, str], *default: Any) -> Any:
        if key in self:
            self._unindex(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[tuple[str, str, str], Any]:
        key, value = super().popitem()
        self._unindex(key)
        return key, value

    def setdefault(self, key: tuple[str, str, str], default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *others: Any, **more: Any) -> None:
        for key, value in dict(*others, **more).items():
            self[key] = value

    def clear(self) -> None:
        super().clear()
        self._keys.clear()

    def _unindex(self, key: tuple[str, str, str]) -> None:
        keys = self._keys.get(key[:2])
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._keys[key[:2]]


class _Checks:
    """The SQL predicate mongoeco's scan uses for an answer's key, on one document row."""

    def __init__(self, field_path: Callable[[str], str], tagged_path: Callable[[str], str]):
        self._field_path = field_path
        self._tagged_path = tagged_path

    def array_path(self, kind: str) -> str | None:
        """For a ``top_level_array:`` answer, the field's path (``json_type(document, path) =
        'array'`` is mongoeco's predicate); else ``None``."""
        if not kind.startswith("top_level_array:"):
            return None
        return self._field_path(kind.removeprefix("top_level_array:"))

    def tagged(self, kind: str) -> tuple[str, str]:
        """For a ``tagged_type:`` answer, the path and the value its predicate compares
        (``json_extract(document, path) = value``)."""
        field, _, value_type = kind.removeprefix("tagged_type:").rpartition(":")
        return self._tagged_path(field), value_type


def _still_true(
    connection: sqlite3.Connection | None,
    db_name: str,
    coll_name: str,
    learnt: Answers,
    checks: _Checks,
) -> Answers:
    """``learnt`` re-checked against the documents written since; empty when not known exactly."""
    if connection is None or not connection.in_transaction:
        return {}
    try:
        if not _journal_ready(connection):
            _create_journal(connection)
            return {}
        kept = _recheck(connection, db_name, coll_name, learnt, checks)
        connection.execute(
            f"DELETE FROM temp.{_JOURNAL} WHERE db_name = ? AND coll_name = ?",  # noqa: S608
            (db_name, coll_name),
        )
    except (sqlite3.Error, ValueError, TypeError):
        return {}
    return kept


def _recheck(
    connection: sqlite3.Connection,
    db_name: str,
    coll_name: str,
    learnt: Answers,
    checks: _Checks,
) -> Answers:
    kept = {key: True for key, value in learnt.items() if value is True}
    open_questions = [key for key, value in learnt.items() if value is False]
    if not open_questions:
        return kept
    arrays = [(key, path) for key in open_questions if (path := checks.array_path(key[2]))]
    of_arrays = {key for key, _ in arrays}
    tagged = [(key, *checks.tagged(key[2])) for key in open_questions if key not in of_arrays]
    # The tagged paths are read in one json_extract call (one parse of each document, where a
    # call per path parsed it again for each: 200 us for 30 answers on a 9 KB document, 28 us
    # in one call), and compared here as mongoeco's ``=`` compares them.
    columns = ["json_type(d.document, ?) = 'array'" for _ in arrays]
    params = [path for _, path in arrays]
    if tagged:
        columns.append(f"json_extract(d.document, {', '.join('?' * len(tagged))})")
        params += [path for _, path, _ in tagged]
    # The journal's rows drive the lookups (CROSS JOIN keeps that order), and the documents
    # are matched to them, not to the bound names: a bound ``db_name = ?``/``coll_name = ?`` on
    # ``documents`` beside a term the key alone does not settle (as ``storage_key IN (SELECT
    # ...)`` was) is compared with the WHERE of each of mongoeco's partial indexes on that
    # table (one per MongoDB index, about 90 here), which makes SQLite prepare the statement
    # again at every execution: 200 us per re-check, 34 us now (about 7 % of the server's CPU
    # under the development load, BENCHMARKS.md, issue 27, eleventh pass).
    rows = connection.execute(
        f"""
        SELECT {", ".join(columns)} FROM temp.{_JOURNAL} AS w CROSS JOIN main.documents AS d
        WHERE w.db_name = ? AND w.coll_name = ? AND d.db_name = w.db_name
            AND d.coll_name = w.coll_name AND d.storage_key = w.storage_key
        """,  # noqa: S608 - identifiers are this module's constants, values are bound
        (*params, db_name, coll_name),
    ).fetchall()
    found = dict.fromkeys(open_questions, False)
    for row in rows:
        for (key, _), is_array in zip(arrays, row, strict=False):
            found[key] = found[key] or bool(is_array)
        if tagged:
            extracted = row[len(arrays)]
            # One path gives the value itself; several give a JSON array of the values.
            values = [extracted] if len(tagged) == 1 else json.loads(extracted)
            for (key, _, value_type), value in zip(tagged, values, strict=True):
                found[key] = found[key] or _sql_equal(value, value_type)
    return kept | found


def _sql_equal(value: object, expected: str) -> bool:
    """SQLite's ``=`` between a value json_extract gave and a text: true only for that same
    text (a number, a null or a boolean never equals a text)."""
    return type(value) is str and value == expected


def _journal_ready(connection: sqlite3.Connection) -> bool:
    (count,) = connection.execute(
        "SELECT COUNT(*) FROM temp.sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
        _TRIGGERS,
    ).fetchone()
    return bool(count == len(_TRIGGERS))


def _create_journal(connection: sqlite3.Connection) -> None:
    """Record each written row's key; created inside the write, so a rollback removes it too."""
    # No uniqueness constraint: an outer statement's conflict clause would override the
    # trigger's, so a duplicate must never be able to fail mongoeco's own write.
    key = "db_name, coll_name, storage_key"
    connection.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_JOURNAL} ({key})")
    connection.execute(f"CREATE INDEX IF NOT EXISTS temp.{_JOURNAL}_key ON {_JOURNAL} ({key})")
    for trigger, event in zip(_TRIGGERS, ("INSERT", "UPDATE"), strict=True):
        connection.execute(
            f"""
            CREATE TEMP TRIGGER IF NOT EXISTS {trigger} AFTER {event} ON main.documents BEGIN
                INSERT INTO {_JOURNAL} SELECT NEW.db_name, NEW.coll_name, NEW.storage_key
                WHERE NOT EXISTS (
                    SELECT 1 FROM {_JOURNAL} WHERE db_name = NEW.db_name
                    AND coll_name = NEW.coll_name AND storage_key = NEW.storage_key
                );
            END
            """  # noqa: S608 - identifiers are this module's constants
        )

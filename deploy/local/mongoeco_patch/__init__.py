"""Narrow corrections to mongoeco 4.11.0, applied by the development launcher only.

Each correction removes work whose cost grows with the data or with the write rate while
a real MongoDB's does not, and leaves every answer the server gives unchanged. Each module
says why, what, why it is exact, and when to drop it:

- ``unique_ids``: inserts and upserts stop comparing a new string ``_id`` with every stored
  document.
- ``feature_cache``: a write no longer makes the SQLite planner rescan the whole collection
  to learn again whether a field holds decimals or arrays; only the written documents are
  looked at.
- ``change_dispatch``: while no change stream watches, committed changes are handed to the
  change hub at most every 200 ms instead of after each write (one SQLite write transaction,
  one thread start and join each); any read of the hub first delivers what is pending.
- ``owned_images``: an update's before and after images are deep-copied once for its
  outcome instead of three times.
- ``single_validation``: storing a document checks each of its values once, not once per
  enclosing document.
- ``namespace_indexes``: each collection's SQLite expression indexes hold only that
  collection's documents, so a write no longer updates every index of every collection.
- ``unique_scan``: a unique index without single-field entries (a compound one, or a
  number's) is checked against the documents SQLite finds with an equal key, not against
  every document of the collection.
- ``union_scan``: a ``$unionWith`` whose pipeline begins with ``$match`` loads only the
  documents that meet that match's plain field conditions (in the whole scan's order), not its
  whole collection: the outbox relays' poll of a service's collections no longer reads all of
  their documents.
- ``plain_copies``: a document is deep-copied as the tree of dicts, lists and immutable values
  it is, without ``copy.deepcopy``'s memo and without rebuilding dates and decimals.
- ``gap_changes``: a change recorded as a gap (no change stream watches) is recorded without
  serializing the written document.
- ``pipeline_plans``: a pipeline update is prepared and compiled once, not once more for the
  upsert it may not be.
- ``scalar_encoding``: a plain string, number, boolean or null is encoded without testing it
  against every BSON type.
- ``inline_engine``: an engine with one worker (the launcher's) runs its short calls on the
  server's own thread instead of handing each to that worker and back; bulk writes, counts,
  index builds and listings still go to the worker, so the server keeps answering meanwhile.
- ``codec_parameters``: whether the decoder takes ``preserve_bson_wrappers`` is asked once,
  not with ``inspect.signature`` per document read.
- ``id_lookup``: an update or delete whose filter names the document's ``_id`` among other
  conditions (a conditional save, an outbox claim) reads that document by its key, not every
  document of the collection; and a text ``_id`` missing from its key is missing, not looked
  for again in every document (an upsert of a new document, a read of an absent id).
- ``id_reads``: a read whose filter names documents by ``_id`` (a text or an ObjectId, or
  ``$in`` a list of them) reads them by their keys, not every document of the collection.
- ``reader_pool``: a read of several documents reuses an idle SQLite connection (its read
  transaction ended) instead of opening and closing one of its own.
- ``scalar_indexes``: the single-field indexes' entries are kept in one SQLite index instead
  of one identical copy per index, so a write no longer rewrites every copy.
- ``equal_selection``: a write whose filter asks for fields equal to a text or a boolean (the
  e-mail dispatcher's sorted claim of the next due e-mail, the outbox relays' claims) reads the
  documents holding those values through their index, not every document of the collection.
- ``bson_sizes``: a decimal (and a number kept with its BSON type) has a BSON size, so
  ``listDatabases``, ``dbStats``, ``collStats`` and ``$bsonSize`` answer for the services'
  documents instead of failing.

``tests/integration/mongowire/`` checks each against the server over the wire.

Pinned: applied only to mongoeco ``4.11.0``, the version they were read against; with any
other version the launcher warns and runs mongoeco unpatched. Production never loads this:
the image runs against a real MongoDB.
"""

from __future__ import annotations

import sys
from importlib import metadata

PINNED_VERSION = "4.11.0"


def _warn(event: str, **fields: object) -> None:
    # stdout carries the launcher's READY line; diagnostics go to stderr.
    details = " ".join(f"{key}={value}" for key, value in fields.items())
    print(f"{event} {details}".strip(), file=sys.stderr, flush=True)  # noqa: T201


def apply() -> bool:
    """Apply every correction (idempotent); False (and a warning) when they cannot be applied."""
    try:
        installed = metadata.version("mongoeco")
    except metadata.PackageNotFoundError:
        return False
    if installed != PINNED_VERSION:
        _warn("mongoeco_patch_skipped", installed=installed, pinned=PINNED_VERSION)
        return False
    from deploy.local.mongoeco_patch import (
        bson_sizes,
        change_dispatch,
        codec_parameters,
        equal_selection,
        feature_cache,
        gap_changes,
        id_lookup,
        id_reads,
        inline_engine,
        namespace_indexes,
        owned_images,
        pipeline_plans,
        plain_copies,
        reader_pool,
        scalar_encoding,
        scalar_indexes,
        single_validation,
        union_scan,
        unique_ids,
        unique_scan,
    )

    unique_ids.install()
    feature_cache.install()
    change_dispatch.install()
    owned_images.install()
    single_validation.install()
    namespace_indexes.install()
    unique_scan.install()
    union_scan.install()
    plain_copies.install()
    gap_changes.install()
    pipeline_plans.install()
    scalar_encoding.install()
    inline_engine.install()
    codec_parameters.install()
    id_lookup.install()
    id_reads.install()
    bson_sizes.install()
    reader_pool.install()
    scalar_indexes.install()
    equal_selection.install()
    _warn(
        "mongoeco_patch_applied",
        version=installed,
        scope=(
            "unique_id_scan,feature_cache,change_dispatch,owned_images,single_validation,"
            "namespace_indexes,unique_scan,union_scan,plain_copies,gap_changes,"
            "pipeline_plans,scalar_encoding,inline_engine,codec_parameters,id_lookup,id_reads,"
            "bson_sizes,reader_pool,scalar_indexes,equal_selection"
        ),
    )
    return True

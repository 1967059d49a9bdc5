"""Aggregates this process wrote or read lately, so that a change need not read them first.

A remembered copy is never trusted for a write: the write is conditional on the version, so a
copy that someone else (another replica) made stale fails it, and the store reads the document
again. For plain reads it is trusted for a short while only (``fresh_seconds``).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from shared.storage.mongo import Document


class RecentDocuments:
    def __init__(self, *, size: int = 1000, fresh_seconds: float = 2.0) -> None:
        self.size = size
        self.fresh_seconds = fresh_seconds
        self._docs: OrderedDict[str, tuple[float, Document]] = OrderedDict()

    def get(self, doc_id: str, *, max_age: float | None) -> Document | None:
        """The document as last written or read, if it is not older than ``max_age`` seconds
        (``None``: however old). It is shared: build the aggregate from it (pydantic copies
        what it validates), never change it."""
        found = self._docs.get(doc_id)
        if found is None:
            return None
        seen_at, doc = found
        if max_age is not None and time.monotonic() - seen_at > max_age:
            return None
        self._docs.move_to_end(doc_id)
        return doc

    def put(self, doc_id: str, doc: Document) -> None:
        self._docs[doc_id] = (time.monotonic(), doc)
        self._docs.move_to_end(doc_id)
        while len(self._docs) > self.size:
            self._docs.popitem(last=False)

    def drop(self, doc_id: str) -> None:
        self._docs.pop(doc_id, None)

"""What this process last wrote of each order's facts to a view: an event that brings the same
facts again writes only what it changes (the status, say), not another copy of them.

Every order event carries the order's facts (kind, party, branch, amounts), because any of them
may be the first the view learns of the order. Once the database acknowledged a write of them,
the same values need not be sent again; a value that differs from what this process wrote last
is written, so a changed order (``order.updated``) changes its row. With several replicas, each
remembers only its own writes: at worst a replica writes a value another one wrote already."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

Document = dict[str, Any]
REMEMBERED = 10_000
"""Orders remembered (the most recently written): one whose facts are forgotten writes them
again with its next event, as before."""
_NONE = object()
"""A fact not written yet (its value may be ``None``)."""


class WrittenFacts:
    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._facts: OrderedDict[str, Document] = OrderedDict()

    def new(self, order_id: str, facts: Document) -> Document:
        """The ``facts`` whose value this process has not written for the order last."""
        known = self._facts.get(order_id)
        if known is None:
            return facts
        return {name: value for name, value in facts.items() if known.get(name, _NONE) != value}

    def written(self, order_id: str, facts: Document) -> None:
        """The database acknowledged a write of ``facts`` to the order's row."""
        if not facts:
            return
        known = self._facts.setdefault(order_id, {})
        known.update(facts)
        self._facts.move_to_end(order_id)
        while len(self._facts) > self.size:
            self._facts.popitem(last=False)

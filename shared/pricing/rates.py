"""Which version of a tax rate prices a document: the order service prices with it, and the
back office previews a total with it, so both must choose alike."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.contracts.pricing import TaxRate


def in_force(versions: Iterable[TaxRate], at: datetime) -> TaxRate | None:
    """The version that prices a document at ``at``: the latest ``effective_from`` not after
    ``at`` (the later version on a tie); ``None`` before the first starts."""
    started = [v for v in versions if v.effective_from and v.effective_from <= at]
    return max(started, key=lambda v: (v.effective_from, v.version), default=None)

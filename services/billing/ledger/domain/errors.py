"""Refusals of the ledger's rules, each with a stable reason code."""

from __future__ import annotations

from shared.domain import DomainError


class InvalidChart(DomainError):
    """A chart of accounts that cannot post what it maps: an item group without a revenue
    account."""

    reason = "invalid_chart"

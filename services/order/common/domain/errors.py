"""Refusals that more than one part of the order service makes, each with a stable reason
code."""

from __future__ import annotations

from shared.domain import DomainError


class ValidityInPast(DomainError):
    """A validity (``valid_until``) must lie in the future."""

    reason = "validity_in_past"

"""What a command or query came to, and the exit code a script reads from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from shared.messaging.client import Unreachable

__all__ = ["INVALID_REASONS", "Exit", "Outcome", "Unreachable"]


class Exit(IntEnum):
    """omsctl's exit codes (``2`` is Click's: the command line itself was wrong)."""

    DONE = 0
    FAILED = 1
    USAGE = 2
    REFUSED = 3
    """A service refused the command: a business rule, or the caller may not send it."""
    INVALID = 4
    """The input does not match the contract (found before sending, or answered
    ``invalid_message``)."""
    UNREACHABLE = 5
    """The broker or a service's HTTP port did not answer, or no answer came in time."""
    NOT_FOUND = 6
    """A query found nothing (e.g. no such order)."""


INVALID_REASONS = frozenset({"invalid_message", "unknown_message_type", "unknown_command"})


@dataclass(frozen=True)
class Outcome:
    """One result to print: ``exit`` for the shell, ``data`` for ``--json``, ``text`` for
    people."""

    exit: Exit
    data: Any
    text: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    """Rows of a table to show people (``data`` is what ``--json`` prints)."""
    more: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    """Further tables, each with a title."""

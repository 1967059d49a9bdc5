"""CSV for people: every cell a spreadsheet would run as a formula is made plain text.

A text cell that starts with ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a tab, a
carriage return or another control character is prefixed with an apostrophe (OWASP's advice on
CSV injection); the spreadsheet shows the text as it was typed. Numbers stay numbers. Every CSV
OMS writes goes through it: the services' CSV queries and the back office's downloads, so that
no cell a person typed (a rejection note, a name) opens as a formula in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")


def neutralised(value: Any) -> Any:
    """The cell as it is written: a text that a spreadsheet would run is made plain text."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text and (text[0] in FORMULA_STARTS or unicodedata.category(text[0]) == "Cc"):
        return "'" + text
    return text


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A header row, then every row, each cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralised(name) for name in columns])
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return out.getvalue()

"""A CSV query answers its rows under a header of its model's fields, every text cell safe
from spreadsheet formulas, numbers as numbers; an error answers JSON."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from datetime import date
from decimal import Decimal
from typing import Any

from faststream._internal.di import FastDependsConfig

from shared.http import Answer, csv_query


class Row(Answer):
    day: date
    name: str
    note: str | None = None
    amount: Decimal


async def call(rows: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    async def query(params: dict[str, str]) -> tuple[int, Any]:
        assert params == {"from": "2026-01-01"}
        return status, rows

    handler = csv_query(query, Row)
    handler.update_fd_config(FastDependsConfig())
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/x", "query_string": b"from=2026-01-01"}
    await handler({**scope, "headers": []}, receive, send)
    start, body = sent
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body["body"]


async def test_rows_are_written_as_csv_with_formulas_neutralised() -> None:
    rows = [
        {"day": date(2026, 1, 31), "name": "=HYPERLINK(1)", "amount": Decimal("-12.50")},
        {"day": date(2026, 2, 1), "name": "tea", "note": "+1", "amount": Decimal(3), "x": 1},
    ]
    status, headers, body = await call(rows)
    assert status == 200
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert body.decode().splitlines() == [
        "day,name,note,amount",
        "2026-01-31,'=HYPERLINK(1),,-12.50",
        "2026-02-01,tea,'+1,3",
    ]


async def test_an_error_is_answered_as_json() -> None:
    status, headers, body = await call({"error": "to is before from"}, status=400)
    assert (status, headers["content-type"]) == (400, "application/json")
    assert json.loads(body) == {"error": "to is before from"}

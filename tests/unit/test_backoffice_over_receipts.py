"""The back office's approval pages show an over-receipt request: the inbox names the held
receipt, the request page its lines against the order, and the order's history tells it
apart from the order's attempts."""

from __future__ import annotations

from typing import Any

from tests.unit.test_backoffice_away import render

ATTEMPT: dict[str, Any] = {
    "id": "PO-1:1",
    "order_id": "PO-1",
    "order_kind": "purchase",
    "party_id": "V-1",
    "attempt": 1,
    "creator": {"user_id": "alice"},
    "status": "approved",
    "level": 0,
    "levels": [],
    "decisions": [],
    "opened_at": "2026-07-01T06:00:00Z",
}
HELD: dict[str, Any] = {
    **ATTEMPT,
    "id": "PO-1:receipt:GR-7",
    "subject": "over_receipt",
    "status": "pending",
    "level": 1,
    "levels": [{"approver": "creator_manager"}],
    "approver": {"user_id": "mary", "name": "Mary Manager"},
    "receipt": {
        "receipt_id": "GR-7",
        "location_id": "L-1",
        "received_by": "clerk",
        "tolerance_percent": "5",
        "lines": [
            {
                "sku": "BOLT",
                "ordered": "20",
                "received": "21",
                "offered": "1",
                "allowed": "21.00",
                "excess": "1.00",
            }
        ],
    },
    "opened_at": "2026-07-02T06:00:00Z",
}


def test_the_request_page_shows_the_held_receipt_and_the_decision() -> None:
    page = render("request.html", req=HELD, order=None, attempts=[ATTEMPT, HELD], closed=None)
    assert "Over-receipt GR-7 of purchase order" in page
    assert "Received by clerk at L-1" in page
    assert "5% tolerance" in page
    cells = '<td>BOLT</td><td class="num">20</td><td class="num">21</td><td class="num">1</td>'
    assert cells in page
    assert '<td class="num">21.00</td><td class="num">1.00</td>' in page
    assert 'action="/requests/PO-1:receipt:GR-7/decide"' in page
    assert "Attempt 1: approved" in page
    assert "Over-receipt GR-7: pending" in page


def test_the_inbox_names_the_held_receipt() -> None:
    page = render(
        "inbox.html",
        requests=[HELD],
        orders={"PO-1": {"currency": "USD", "pricing": {"grand_total": "90.00"}}},
    )
    assert '<a href="/requests/PO-1:receipt:GR-7">PO-1</a>' in page
    assert "<td>over-receipt GR-7</td>" in page


def test_an_order_request_reads_as_before() -> None:
    page = render("request.html", req=ATTEMPT, order=None, attempts=[ATTEMPT], closed="Done.")
    assert "Purchase order" in page
    assert "held receipt" not in page

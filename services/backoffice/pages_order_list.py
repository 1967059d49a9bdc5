"""The list of orders: filters, sorting, page size, how many match, and the same list as CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.orders_view import EXPORT_LIMIT, SORTS, STATUSES, Filters
from services.backoffice.reports import Report
from services.backoffice.web import backoffice, render, signed_in

DEFAULTS = asdict(Filters())
FIELDS = ("order_id", "kind", "status", "party_id", "branch_id", "created_by", "currency", "total")
COLUMNS = ("order", "kind", "status", "party", "branch", "created by", "currency", "total")
"""The CSV's header: ``FIELDS`` in words, then the day the order was created."""
DESCENDING_FIRST = frozenset({"created", "total"})
"""Sorted by these, a first click shows the newest or largest first; by the others, A to Z."""


def _wanted(filters: Filters, **changes: Any) -> dict[str, Any]:
    """The query that asks for ``filters`` (with ``changes``), without what is the default."""
    chosen = asdict(filters) | changes
    return {key: value for key, value in chosen.items() if value != DEFAULTS[key]}


def _sort_links(filters: Filters) -> dict[str, dict[str, str]]:
    """Each column's link: sorted by it already, the other way round; else its usual way."""
    links = {}
    for key in SORTS:
        if key == filters.sort:
            direction = "asc" if filters.direction == "desc" else "desc"
            shown = "ascending" if filters.direction == "asc" else "descending"
        else:
            direction = "desc" if key in DESCENDING_FIRST else "asc"
            shown = "none"
        query = urlencode(_wanted(filters, sort=key, direction=direction, page=1))
        links[key] = {"href": f"/orders?{query}", "aria_sort": shown}
    return links


@signed_in
async def orders(request: Request) -> Response:
    """Orders with filters (kind, status, party, branch, creation dates), sorted by any column,
    25, 50 or 100 a page, with how many match; or straight to the order with a given id."""
    if order_id := request.query_params.get("order_id", "").strip():
        return RedirectResponse(f"/orders/{order_id}", status_code=303)
    office = backoffice(request)
    filters = Filters.read(dict(request.query_params))
    found, more = await office.orders.page(filters)
    count, more_than = await office.orders.count(filters)
    return render(
        request,
        "orders.html",
        orders=found,
        filters=filters,
        more=more,
        count=count,
        more_than=more_than,
        statuses=STATUSES,
        sorts=_sort_links(filters),
        previous=urlencode(_wanted(filters, page=filters.page - 1)),
        following=urlencode(_wanted(filters, page=filters.page + 1)),
        download=urlencode(_wanted(filters, page=1)),
        export_limit=EXPORT_LIMIT,
    )


@signed_in
async def orders_csv(request: Request) -> Response:
    """The orders the filters select (every page, in the list's order) as CSV."""
    filters = Filters.read(dict(request.query_params))
    found = await backoffice(request).orders.export(filters)
    rows: list[Sequence[Any]] = [
        [*(o.get(field) or "" for field in FIELDS), str(o.get("created_on") or "")[:10]]
        for o in found
    ]
    table = Report("orders", "Orders", [*COLUMNS, "created"], rows, [])
    return Response(
        table.csv(),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="orders.csv"'},
    )


ROUTES = [
    Route("/orders", orders),
    Route("/orders.csv", orders_csv),
]

"""The audit trail for administrators: who read or changed what, filtered, with a CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.backoffice.audit import AuditTrail
from services.backoffice.domain import require_admin
from services.backoffice.web import render, signed_in, viewer
from shared.exports import csv_text

COLUMNS = ("at", "person", "action", "method", "path", "query", "about", "status")


def trail(request: Request) -> AuditTrail:
    found: AuditTrail = request.app.state.audit
    return found


async def _found(request: Request) -> tuple[dict[str, str], list[dict[str, Any]], str]:
    require_admin(viewer(request), "see the audit trail")
    asked = {k: request.query_params.get(k, "").strip() for k in ("person", "path", "action")}
    since_text = request.query_params.get("since", "").strip()
    try:
        since = datetime.fromisoformat(since_text).replace(tzinfo=UTC) if since_text else None
    except ValueError:
        return {**asked, "since": since_text}, [], "Give the date as 2026-12-01."
    found = await trail(request).entries(
        person=asked["person"], path=asked["path"], action=asked["action"], since=since
    )
    return {**asked, "since": since_text}, found, ""


@signed_in
async def page(request: Request) -> Response:
    """``/audit?person=&path=&action=read|change&since=``: the newest 500 entries."""
    asked, found, problem = await _found(request)
    return render(request, "audit.html", query=asked, entries=found, problem=problem)


@signed_in
async def download(request: Request) -> Response:
    """The same entries as CSV."""
    _, found, _ = await _found(request)
    rows = [[entry.get(column) for column in COLUMNS] for entry in found]
    return Response(
        csv_text(COLUMNS, rows),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="audit.csv"'},
    )


ROUTES = [Route("/audit", page), Route("/audit.csv", download)]

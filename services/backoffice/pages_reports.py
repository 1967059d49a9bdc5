"""Reports for administrators: a chart, the table behind it and a CSV download each."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.backoffice import reports
from services.backoffice.domain import require_admin
from services.backoffice.web import backoffice, problem, render, signed_in, utcnow, viewer


async def _reports(request: Request) -> list[reports.Report]:
    """Computed at most once per ``OMS_REPORTS_CACHE_SECONDS`` (they read every order), the
    stock of the branch asked for always afresh."""
    office = backoffice(request)
    cached: tuple[float, list[reports.Report]] | None = getattr(request.app.state, "reports", None)
    if cached is None or time.monotonic() - cached[0] > office.settings.reports_cache_seconds:
        cached = (time.monotonic(), await _compute(request))
        request.app.state.reports = cached
    found = list(cached[1])
    if branch := request.query_params.get("branch_id", "").strip():
        stock = await office.reads.stock(branch_id=branch) or {}
        found.append(reports.stock(stock.get("stock", [])))
    return found


async def _compute(request: Request) -> list[reports.Report]:
    office = backoffice(request)
    orders = await office.orders.everything()
    levels = await office.levels.all()
    return [
        reports.sales(orders, "period"),
        reports.sales(orders, "branch"),
        reports.sales(orders, "customer"),
        reports.turnaround(levels),
        reports.rejection_counts(levels),
        reports.rejections(levels),
        reports.waiting(levels, utcnow()),
    ]


@signed_in
async def page(request: Request) -> Response:
    """Every report: its chart, its table, its CSV."""
    require_admin(viewer(request), "see the reports")
    found = await _reports(request)
    charts = {report.name: reports.bar_chart(report) for report in found}
    return render(
        request,
        "reports.html",
        reports=found,
        charts=charts,
        branch=request.query_params.get("branch_id", ""),
    )


@signed_in
async def download(request: Request) -> Response:
    """One report as CSV."""
    require_admin(viewer(request), "see the reports")
    name = request.path_params["name"]
    for report in await _reports(request):
        if report.name == name:
            return Response(
                report.csv(),
                media_type="text/csv",
                headers={"content-disposition": f'attachment; filename="{name}.csv"'},
            )
    return problem(request, 404, "No such report", f"There is no report {name}.")


ROUTES = [
    Route("/reports", page),
    Route("/reports/{name}.csv", download),
]

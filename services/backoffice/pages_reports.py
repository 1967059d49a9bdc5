"""Reports for administrators: charts, the table behind them and a CSV download each, for the
date basis, period and time zone the page names (the person's own zone unless they pick one)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.backoffice import charts, reports
from services.backoffice.domain import require_admin
from services.backoffice.formats import Formats, UnknownTimeZone, time_zone, time_zones
from services.backoffice.web import backoffice, problem, render, signed_in, utcnow, viewer


class BadQuery(ValueError):
    """A report parameter that cannot be used; the message names it."""


@dataclass(frozen=True)
class Choice:
    """What the person asked the reports for."""

    basis: str
    zone: str
    first: str
    last: str
    branch: str

    @classmethod
    def read(cls, params: dict[str, str], formats: Formats) -> Choice:
        basis = params.get("basis", "ordered").strip() or "ordered"
        if basis not in reports.BASES:
            raise BadQuery(f"basis: {basis!r} is none of {', '.join(reports.BASES)}.")
        zone = params.get("tz", "").strip() or formats.zone_name
        try:
            time_zone(zone)
        except UnknownTimeZone as error:
            raise BadQuery(str(error)) from error
        first, last = (params.get(key, "").strip() for key in ("from", "to"))
        for key, value in (("from", first), ("to", last)):
            if value:
                try:
                    date.fromisoformat(value)
                except ValueError as error:
                    raise BadQuery(f"{key}: {value!r} is not a date (YYYY-MM-DD).") from error
        if first and last and first > last:
            raise BadQuery(f"from: {first} is after to ({last}).")
        return cls(basis, zone, first, last, params.get("branch_id", "").strip())

    @property
    def period(self) -> reports.Period:
        return reports.Period(
            time_zone(self.zone),
            date.fromisoformat(self.first) if self.first else None,
            date.fromisoformat(self.last) if self.last else None,
        )

    def query(self) -> str:
        asked = {"basis": self.basis, "tz": self.zone, "from": self.first, "to": self.last}
        return urlencode({**asked, "branch_id": self.branch} if self.branch else asked)


@dataclass
class Views:
    """The sales and approval views as read at ``read_at``, and the reports made from them so
    far, by what was asked (the same reports are not made twice from the same views)."""

    read_at: float
    levels: list[dict[str, Any]]
    documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The sales view as each date basis needs it, read when first asked for."""
    made: dict[tuple[str, str, str, str], list[reports.Report]] = field(default_factory=dict)


async def _views(request: Request) -> Views:
    """The views, read at most once per ``OMS_REPORTS_CACHE_SECONDS`` (they hold every
    order)."""
    office = backoffice(request)
    cached: Views | None = getattr(request.app.state, "report_views", None)
    if cached is None or time.monotonic() - cached.read_at > office.settings.reports_cache_seconds:
        cached = Views(time.monotonic(), await office.levels.all())
        request.app.state.report_views = cached
    return cached


async def _reports(request: Request, choice: Choice) -> list[reports.Report]:
    """Every report for ``choice``; the stock of the branch asked for, always afresh."""
    views = await _views(request)
    key = (choice.basis, choice.zone, choice.first, choice.last)
    if choice.basis not in views.documents:
        sales = backoffice(request).sales
        views.documents[choice.basis] = await sales.everything(choice.basis)
    if key not in views.made:
        documents = views.documents[choice.basis]
        found = [s for doc in documents for s in reports.sales_of(doc, choice.basis)]
        views.made[key] = [
            *(reports.sales(found, by, choice.basis, choice.period) for by in reports.GROUPS),
            reports.turnaround(views.levels),
            reports.rejection_counts(views.levels),
            reports.rejections(views.levels),
            reports.waiting(views.levels, utcnow()),
        ]
    made = list(views.made[key])
    if choice.branch:
        stock = await backoffice(request).reads.stock(branch_id=choice.branch) or {}
        made.append(reports.stock(stock.get("stock", [])))
    return made


def _choice(request: Request) -> Choice:
    formats: Formats = getattr(request.state, "formats", Formats())
    return Choice.read(dict(request.query_params), formats)


@signed_in
async def page(request: Request) -> Response:
    """Every report: its charts, its table, its CSV."""
    require_admin(viewer(request), "see the reports")
    try:
        choice = _choice(request)
    except BadQuery as refused:
        return problem(request, 400, "These reports cannot be made", str(refused))
    found = await _reports(request, choice)
    return render(
        request,
        "reports.html",
        reports=found,
        charts={r.name: [(c.title, charts.svg(c)) for c in charts.charts(r)] for r in found},
        choice=choice,
        bases=reports.BASES,
        zones=time_zones(),
    )


@signed_in
async def download(request: Request) -> Response:
    """One report as CSV, for the same choice as the page it was linked from."""
    require_admin(viewer(request), "see the reports")
    name = request.path_params["name"]
    try:
        choice = _choice(request)
    except BadQuery as refused:
        return problem(request, 400, "This report cannot be made", str(refused))
    for report in await _reports(request, choice):
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

"""The books for administrators: the trial balance and the journal entries of a period, read
from the billing service's ledger, and its CSV export for an accountant."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.backoffice.books import BadInput, period
from services.backoffice.domain import require_admin
from services.backoffice.web import backoffice, problem, render, signed_in, viewer

MOST = 200
"""Journal entries the page shows at most (the CSV has every one of the period)."""


@signed_in
async def ledger_page(request: Request) -> Response:
    """The trial balance of the period per currency (each sums to zero) and its entries."""
    require_admin(viewer(request), "see the books")
    try:
        chosen = period(request.query_params)
    except BadInput as refused:
        return problem(request, 400, "These books cannot be shown", str(refused))
    reads = backoffice(request).reads
    balance = await reads.trial_balance(**chosen)
    entries = await reads.journal(**chosen, limit=str(MOST))
    return render(
        request, "ledger.html", chosen=chosen, balance=balance, entries=entries, most=MOST,
        query=urlencode({k: v for k, v in chosen.items() if v}),
    )  # fmt: skip


@signed_in
async def journal_csv(request: Request) -> Response:
    """The period's posted journal lines as the billing service exports them (CSV)."""
    require_admin(viewer(request), "see the books")
    try:
        chosen = period(request.query_params)
    except BadInput as refused:
        return problem(request, 400, "This export cannot be made", str(refused))
    text = await backoffice(request).reads.journal_csv(**chosen)
    return Response(
        text,
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="journal.csv"'},
    )


ROUTES = [
    Route("/ledger", ledger_page),
    Route("/ledger/journal.csv", journal_csv),
]

"""A person's own formats: how dates are written (their browser's language decides until they
choose) and the time zone dates and reports are shown in (the back office's until they choose)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.formats import (
    DATE_STYLES,
    UnknownTimeZone,
    style_for_language,
    time_zone,
    time_zones,
)
from services.backoffice.web import backoffice, form, render, signed_in, utcnow, viewer


async def _page(request: Request, status: int = 200, error: str = "") -> Response:
    person = await backoffice(request).people.get(viewer(request).user_id) or {}
    return render(
        request,
        "preferences.html",
        status,
        chosen=person.get("preferences") or {},
        styles=DATE_STYLES,
        browser_style=style_for_language(request.headers.get("accept-language", "")),
        office_zone=backoffice(request).settings.time_zone,
        zones=time_zones(),
        now=utcnow(),
        error=error,
        done="Your preferences were saved." if request.query_params.get("done") else None,
    )


@signed_in
async def preferences(request: Request) -> Response:
    """The person's date style and time zone."""
    if request.method == "GET":
        return await _page(request)
    sent = form(request)
    style, zone = sent.get("date_style", "").strip(), sent.get("time_zone", "").strip()
    if style and style not in DATE_STYLES:
        return await _page(
            request, 422, f"date style: {style!r} is none of {', '.join(DATE_STYLES)}."
        )
    if zone:
        try:
            time_zone(zone)
        except UnknownTimeZone as refused:
            return await _page(request, 422, str(refused))
    await backoffice(request).people.set_preferences(
        viewer(request).user_id, {"date_style": style, "time_zone": zone}
    )
    return RedirectResponse("/preferences?done=1", status_code=303)


ROUTES = [Route("/preferences", preferences, methods=["GET", "POST"])]

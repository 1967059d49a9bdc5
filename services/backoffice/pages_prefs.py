"""A person's own formats: how dates are written (their browser's language decides until they
choose) and the time zone dates and reports are shown in (the back office's until they choose);
and their own away: a delegate who decides their approval requests while they are away."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.away_form import away_state, away_values
from services.backoffice.formats import (
    DATE_STYLES,
    UnknownTimeZone,
    style_for_language,
    time_zone,
    time_zones,
)
from services.backoffice.pages_users import formats, send_away, send_back
from services.backoffice.reads import Unavailable
from services.backoffice.web import backoffice, form, render, signed_in, utcnow, viewer

DONE = {
    "1": "Your preferences were saved.",
    "away": "Your away was saved: your delegate decides your approval requests meanwhile.",
    "back": "Welcome back: new approval requests come to you again.",
}


async def _page(
    request: Request, status: int = 200, error: str = "", typed_away: dict[str, str] | None = None
) -> Response:
    me = viewer(request).user_id
    person = await backoffice(request).people.get(me) or {}
    try:  # the formats do not wait for the approval service
        found = next(iter(await backoffice(request).reads.users(me)), {}).get("away")
        away, away_down = away_state(found, utcnow()), ""
    except Unavailable as down:
        away, away_down = None, str(down)
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
        away=away,
        away_down=away_down,
        away_form=typed_away or away_values(away, formats(request)),
        error=error,
        done=DONE.get(request.query_params.get("done", "")),
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


@signed_in
async def set_my_away(request: Request) -> Response:
    """I am away: my delegate decides my approval requests meanwhile."""
    sent = form(request)
    answer, refused = await send_away(request, viewer(request).user_id, sent)
    if answer is None or answer.refused:
        return await _page(request, 422 if answer is None else 409, refused, typed_away=sent)
    return RedirectResponse("/preferences?done=away#away", status_code=303)


@signed_in
async def clear_my_away(request: Request) -> Response:
    """I am back: nothing more goes to my delegate."""
    answer = await send_back(request, viewer(request).user_id)
    if answer.refused:
        return await _page(request, 409, answer.words)
    return RedirectResponse("/preferences?done=back#away", status_code=303)


ROUTES = [
    Route("/preferences", preferences, methods=["GET", "POST"]),
    Route("/preferences/away", set_my_away, methods=["POST"]),
    Route("/preferences/back", clear_my_away, methods=["POST"]),
]

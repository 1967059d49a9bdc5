"""The preview before submit of a draft or rejected order: its taxes, the stock it would
reserve and who would approve it, read from the order, inventory and approval queries
(``shared.preview`` puts them together); nothing is changed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.backoffice.reads import Unavailable
from services.backoffice.web import backoffice, problem, render, signed_in
from shared import preview

NOT_PREVIEWED = (
    "Only a draft or a rejected order is previewed: this one was submitted; its approval "
    "requests and stock are on the order's page."
)


async def order_preview(request: Request, order: dict[str, Any]) -> dict[str, Any]:
    """The preview of ``order`` (previewable), with the away approvers' names."""
    office = backoffice(request)
    asked = preview.reservation_params(order)
    stock = await office.reads.reservation_preview(**asked) if asked else None
    routing = await office.reads.routing_preview(**preview.routing_params(order))
    names = {}
    for user_id in preview.delegated_from(routing):
        person = await office.people.get(user_id)
        names[user_id] = person["name"] if person else user_id
    return preview.compose(order, stock, routing, names)


async def shown_preview(request: Request, order: dict[str, Any]) -> dict[str, Any] | None:
    """For the order page: the preview, or why there is none (a service that does not
    answer leaves the rest of the page as it is)."""
    if not preview.previewable(order):
        return None
    try:
        return await order_preview(request, order)
    except Unavailable as down:
        return {"unavailable": str(down)}


async def _previewed(request: Request) -> dict[str, Any] | Response:
    order = await backoffice(request).reads.order(request.path_params["order_id"])
    if order is None:
        return problem(request, 404, "No such order", "There is no such order.")
    if not preview.previewable(order):
        return problem(request, 409, "Not a draft", NOT_PREVIEWED)
    return await order_preview(request, order)


@signed_in
async def preview_page(request: Request) -> Response:
    """Who would approve a draft order, the stock it would reserve and its taxes."""
    found = await _previewed(request)
    if isinstance(found, Response):
        return found
    return render(request, "preview.html", preview=found)


@signed_in
async def preview_json(request: Request) -> Response:
    """The same preview as JSON, for tools (``shared.preview.compose``)."""
    order = await backoffice(request).reads.order(request.path_params["order_id"])
    if order is None:
        return JSONResponse({"error": "There is no such order."}, status_code=404)
    if not preview.previewable(order):
        return JSONResponse({"error": NOT_PREVIEWED}, status_code=409)
    try:
        return JSONResponse(await order_preview(request, order))
    except Unavailable as down:
        return JSONResponse({"error": str(down)}, status_code=503)


ROUTES = [
    Route("/orders/{order_id}/preview", preview_page),
    Route("/orders/{order_id}/preview.json", preview_json),
]

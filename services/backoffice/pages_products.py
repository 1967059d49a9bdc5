"""Products: search and list inventory's items, view one with its history of versions, and
(administrators) add or change one with inventory.define_item."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.domain import require_admin
from services.backoffice.pages_users import invalid_words
from services.backoffice.product_form import product_command, product_values
from services.backoffice.web import backoffice, form, problem, render, signed_in, viewer
from shared.contracts import ProductStatus

SEARCH = ("q", "status", "product_group")


@signed_in
async def products(request: Request) -> Response:
    """The items whose sku or name holds the words searched, by sku."""
    wanted = {
        key: value.strip() for key in SEARCH if (value := request.query_params.get(key, "")).strip()
    }
    found = await backoffice(request).reads.products(**wanted)
    return render(
        request,
        "products.html",
        query=wanted,
        found=found,
        statuses=[s.value for s in ProductStatus],
        product=product_values(None),
    )


async def _product_page(
    request: Request,
    sku: str,
    status: int = 200,
    error: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    stored = await backoffice(request).reads.product(sku)
    if stored is None and typed is None:
        return problem(request, 404, "No such product", f"Inventory knows no product {sku}.")
    values = product_values(stored)
    if typed is not None:  # a refused form is shown again as it was typed
        values |= {key: typed.get(key, "") for key in values}
    return render(
        request,
        "product.html",
        status,
        stored=stored,
        product=values,
        statuses=[s.value for s in ProductStatus],
        error=error,
        done="The product was saved." if request.query_params.get("done") else None,
    )


@signed_in
async def product(request: Request) -> Response:
    """One product: its record, the form to change it, and its latest versions."""
    return await _product_page(request, request.path_params["sku"])


@signed_in
async def save_product(request: Request) -> Response:
    """Add or change a product; a refusal shows the form again as it was typed."""
    require_admin(viewer(request), "change products")
    sent = form(request)
    sku = sent.get("sku", "").strip()
    try:
        command = product_command(sent)
    except ValidationError as error:
        return await _product_page(request, sku, 422, invalid_words(error), sent)
    answer = await backoffice(request).broker.send(command, viewer(request).user_id)
    if answer.refused:
        return await _product_page(request, sku, 409, answer.words, sent)
    return RedirectResponse(f"/products/{sku}?done=saved", status_code=303)


ROUTES = [
    Route("/products", products),
    Route("/products/save", save_product, methods=["POST"]),
    Route("/products/{sku}", product),
]

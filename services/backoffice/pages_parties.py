"""Customers and vendors: a search, one record with its history, and (administrators) a form
that changes it on the version shown (order.upsert_customer / order.upsert_vendor with
``expected_version``: a change someone made meanwhile is refused, never overwritten)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from services.backoffice.domain import require_admin
from services.backoffice.pages_orders import send
from services.backoffice.web import backoffice, form, problem, render, signed_in, viewer
from shared.contracts.parties import PartyStatus, UpsertCustomer, UpsertVendor

KINDS = {"customers": "customer", "vendors": "vendor"}
COMMANDS: dict[str, Any] = {"customer": UpsertCustomer, "vendor": UpsertVendor}
TEXT_FIELDS = {
    "customer": ("name", "currency", "email", "price_list_id", "branch_id"),
    "vendor": ("name", "currency", "email", "branch_id"),
}


def _kind(request: Request) -> str:
    return KINDS[request.url.path.strip("/").split("/")[0]]


@signed_in
async def party_list(request: Request) -> Response:
    """Customers (or vendors) whose id or name contains the search, of one status."""
    kind = _kind(request)
    wanted = {key: request.query_params.get(key, "").strip() for key in ("q", "status")}
    if wanted["status"] and wanted["status"] not in set(PartyStatus):
        return problem(request, 400, "No such status", f"status: {wanted['status']!r} is none "
                       f"of {', '.join(PartyStatus)}.")  # fmt: skip
    found = await backoffice(request).reads.parties(kind, **wanted)
    return render(
        request, "parties.html", kind=kind, parties=found, query=wanted,
        statuses=list(PartyStatus),
    )  # fmt: skip


async def _show(
    request: Request, error: str = "", status: int = 200, sent: dict[str, str] | None = None
) -> Response:
    kind = _kind(request)
    party_id = request.path_params["party_id"]
    found = await backoffice(request).reads.party(kind, party_id)
    shown = sent or _form_values(kind, found)
    return render(
        request, "party.html", status, kind=kind, party_id=party_id, found=found, shown=shown,
        error=error, statuses=list(PartyStatus), done=request.query_params.get("done") == "1",
    )  # fmt: skip


def _form_values(kind: str, found: dict[str, Any] | None) -> dict[str, Any]:
    """The form as the stored record fills it (a new record: empty, version 0)."""
    if found is None:
        return {"version": "0", "status": "active"}
    record = found["record"]
    values = {key: record.get(key) or "" for key in TEXT_FIELDS[kind]}
    values |= {"status": record["status"], "version": str(found["version"])}
    values["payment_terms_days"] = record.get("payment_terms_days") or ""
    if exemption := record.get("tax_exemption"):
        values |= {"certificate_id": exemption["certificate_id"]}
        values |= {"expires_on": exemption["expires_on"]}
    if limit := record.get("credit_limit"):
        values["credit_limit"] = limit["amount"]
    return values


@signed_in
async def party_page(request: Request) -> Response:
    """One customer (or vendor): the record, its version and source, its history; the form."""
    return await _show(request)


def _record(kind: str, party_id: str, sent: dict[str, str], stored: dict[str, Any]) -> Any:
    """The record the form describes; what the form does not show (addresses) stays."""
    record: dict[str, Any] = {**stored, f"{kind}_id": party_id, "status": sent.get("status")}
    for key in TEXT_FIELDS[kind]:
        record[key] = sent.get(key, "").strip() or None
    record["payment_terms_days"] = sent.get("payment_terms_days", "").strip() or None
    if kind == "customer":
        certificate = sent.get("certificate_id", "").strip()
        expires = sent.get("expires_on", "").strip()
        record["tax_exemption"] = (
            {"certificate_id": certificate, "expires_on": expires} if certificate else None
        )
        limit = sent.get("credit_limit", "").strip()
        currency = record.get("currency")
        record["credit_limit"] = {"amount": limit, "currency": currency} if limit else None
    return record


@signed_in
async def save_party(request: Request) -> Response:
    """Send the change, on the version the form was filled from."""
    me, sent = viewer(request), form(request)
    kind = _kind(request)
    require_admin(me, f"change {kind}s")
    party_id = request.path_params["party_id"]
    found = await backoffice(request).reads.party(kind, party_id)
    stored = found["record"] if found else {}
    why = await send(
        request, COMMANDS[kind], **{f"{kind}_id": party_id},
        record=_record(kind, party_id, sent, stored),
        expected_version=sent.get("version") or 0, changed_by=me.user_id,
        correlation_id=party_id,
    )  # fmt: skip
    if why:
        return await _show(request, why, 409, sent)
    return RedirectResponse(f"/{kind}s/{party_id}?done=1", status_code=303)


ROUTES = [
    Route("/customers", party_list),
    Route("/vendors", party_list),
    Route("/customers/{party_id}", party_page),
    Route("/vendors/{party_id}", party_page),
    Route("/customers/{party_id}", save_party, methods=["POST"]),
    Route("/vendors/{party_id}", save_party, methods=["POST"]),
]

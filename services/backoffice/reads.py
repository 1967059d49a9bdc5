"""What the back office shows, read from the services' HTTP queries (it keeps no copy)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import httpx

from services.backoffice.settings import BackofficeSettings

ACTING_FOR: ContextVar[str | None] = ContextVar("acting_for", default=None)
"""The person signed in on the page being answered: named in the credential of its reads."""


class Unavailable(Exception):
    """A service did not answer; the page says which."""


class Reads:
    def __init__(self, settings: BackofficeSettings) -> None:
        self.urls = settings.query_urls()
        self.client = httpx.AsyncClient(timeout=5.0)
        self.signer = settings.query_signer()

    async def close(self) -> None:
        await self.client.aclose()

    async def _get(self, service: str, path: str, **params: str) -> Any:
        response = await self._response(service, path, params)
        return None if response is None else response.json()

    async def _response(
        self, service: str, path: str, params: dict[str, str]
    ) -> httpx.Response | None:
        url = f"{self.urls[service].rstrip('/')}{path}"
        credential = self.signer.header(service, person=ACTING_FOR.get())
        params = {key: value for key, value in params.items() if value}
        try:
            response = await self.client.get(url, params=params, headers=credential)
        except httpx.HTTPError as error:
            raise Unavailable(f"The {service} service does not answer ({error}).") from error
        if response.status_code == 404:
            return None
        if response.status_code in {401, 403}:  # a key not trusted there, or a policy change
            detail = _detail(response)
            raise Unavailable(f"The {service} service refused the back office: {detail}")
        if response.status_code != 200:
            raise Unavailable(f"The {service} service answered {response.status_code}.")
        return response

    async def order(self, order_id: str) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self._get("order", "/orders", order_id=order_id)
        return result

    async def timeline(self, order_id: str) -> list[dict[str, Any]]:
        found = await self._get("order", "/orders/timeline", order_id=order_id)
        return list((found or {}).get("timeline", []))

    async def requests_waiting_for(self, approver_id: str) -> list[dict[str, Any]]:
        found = await self._get("approval", "/requests", approver_id=approver_id, status="pending")
        return list(found or [])

    async def requests_of(self, order_id: str) -> list[dict[str, Any]]:
        return list(await self._get("approval", "/requests", order_id=order_id) or [])

    async def request(self, request_id: str) -> dict[str, Any] | None:
        """One request by its id (``<order_id>:<attempt>``, or an over-receipt's
        ``<order_id>:receipt:<receipt_id>``)."""
        found = await self._get("approval", "/requests", request_id=request_id)
        return next((r for r in found or [] if r.get("id") == request_id), None)

    async def cycles(self) -> list[dict[str, Any]]:
        return list(await self._get("approval", "/cycles") or [])

    async def credit_settings(self) -> dict[str, Any]:
        """The approval-wide credit approver (approval.configure_credit)."""
        return dict(await self._get("approval", "/credit-settings") or {})

    async def users(self, user_id: str | None = None) -> list[dict[str, Any]]:
        """The approval directory as the approval service keeps it (with who is away), or the
        one user ``user_id``."""
        params = {"user_id": user_id} if user_id else {}
        found = list(await self._get("approval", "/users", **params) or [])
        return [user for user in found if user_id in (None, user.get("id"))]

    async def stock(self, **params: str) -> Any:
        return await self._get("inventory", "/stock", **params)

    async def products(self, **params: str) -> list[dict[str, Any]]:
        """Inventory's items (product records) matching ``q``, ``status``, ``product_group``."""
        found = await self._get("inventory", "/items", **params)
        return list((found or {}).get("items", []))

    async def product(self, sku: str) -> dict[str, Any] | None:
        """One product record with its latest versions."""
        found: dict[str, Any] | None = await self._get("inventory", "/items", sku=sku)
        return found

    async def reservation_preview(self, **params: str) -> dict[str, Any]:
        """What a sales order of these lines would hold at its branch (nothing is held)."""
        return dict(await self._get("inventory", "/reservation-preview", **params) or {})

    async def routing_preview(self, **params: str) -> dict[str, Any]:
        """Who would approve an order with these facts (nothing is changed)."""
        return dict(await self._get("approval", "/routing-preview", **params) or {})

    async def tax_rates(self) -> list[dict[str, Any]]:
        """Every tax rate code with its versions (to preview an order's total)."""
        return list(await self._get("order", "/tax-rates") or [])

    async def storefronts(self) -> list[dict[str, Any]]:
        """Every storefront's pricing: its price list and what becomes of unknown items."""
        return list(await self._get("order", "/storefronts") or [])

    async def price_lists(self) -> list[dict[str, Any]]:
        """Every price list, without its prices (to choose one on the order form)."""
        return list(await self._get("order", "/price-lists") or [])

    async def price_list(self, price_list_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = await self._get(
            "order", "/price-lists", price_list_id=price_list_id
        )
        return found

    async def parties(self, kind: str, **params: str) -> list[dict[str, Any]]:
        """Customers or vendors (``kind``), by name: ``q``, ``status``, ``limit``."""
        return list(await self._get("order", f"/{kind}s", **params) or [])

    async def party(self, kind: str, party_id: str) -> dict[str, Any] | None:
        """One customer or vendor: record, version, source, history (None: unknown)."""
        found: dict[str, Any] | None = await self._get(
            "order", f"/{kind}s", **{f"{kind}_id": party_id}
        )
        return found

    # --- billing ------------------------------------------------------------------------------

    async def customer_invoices(self, **params: str) -> list[dict[str, Any]]:
        """Sales invoices of a customer or an order (``status`` optional), oldest first."""
        return list(await self._get("billing", "/customer-invoices", **params) or [])

    async def customer_invoice(self, invoice_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = await self._get(
            "billing", "/customer-invoices", invoice_id=invoice_id
        )
        return found

    async def subscription_invoices(self, **params: str) -> list[dict[str, Any]]:
        return list(await self._get("billing", "/invoices", **params) or [])

    async def statement(self, **params: str) -> dict[str, Any]:
        """``customer_id``, ``from``, ``to``: per currency, the running balance."""
        return dict(await self._get("billing", "/statement", **params) or {})

    async def open_items(self, customer_id: str) -> dict[str, Any]:
        return dict(await self._get("billing", "/open-items", customer_id=customer_id) or {})

    async def aged_receivables(self, **params: str) -> dict[str, Any]:
        return dict(await self._get("billing", "/aged-receivables", **params) or {})

    async def bills(self, **params: str) -> list[dict[str, Any]]:
        return list(await self._get("billing", "/bills", **params) or [])

    async def bill(self, bill_id: str) -> dict[str, Any] | None:
        found = await self.bills(bill_id=bill_id)
        return found[0] if found else None

    async def trial_balance(self, **params: str) -> dict[str, Any]:
        return dict(await self._get("billing", "/trial-balance", **params) or {})

    async def journal(self, **params: str) -> list[dict[str, Any]]:
        return list(await self._get("billing", "/journal", **params) or [])

    async def journal_csv(self, **params: str) -> str:
        """The accountant's export of the period, as the billing service writes it."""
        response = await self._response("billing", "/journal.csv", params)
        return "" if response is None else response.text


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail"))
    except ValueError:
        return response.text[:200]

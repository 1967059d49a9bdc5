"""Every service's queries against each kind of caller: none, staff (back office, operator), a
storefront, a service; forged, expired, wrongly signed, mis-addressed and oversized credentials;
one storefront reading another's carts and orders; e-mail addresses only for operators."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import Any

import jwt
import pytest

from services.billing.settings import BillingSettings
from services.inventory.settings import InventorySettings
from services.notification.settings import NotificationSettings
from services.order.settings import OrderSettings
from shared.access.keys import development_private_jwk
from shared.access.tokens import Signer
from shared.asyncapi import load
from shared.contracts import CartRecoveryDue, RecoveryItem
from shared.runtime import OmsApp, build_app
from shared.settings import ServiceSettings
from tests.support.bus import Bus, having
from tests.support.credentials import new_private_jwk
from tests.support.factories import unique
from tests.support.inventory import eventually
from tests.support.services import Environment, asgi_get, asgi_text, running
from tests.support.storefront import CartScript, Storefront, configure_storefront

SETTINGS: dict[str, type[ServiceSettings]] = {
    "order": OrderSettings,
    "approval": ServiceSettings,
    "inventory": InventorySettings,
    "billing": BillingSettings,
    "notification": NotificationSettings,
}
OPEN = ("/health/live", "/health/ready", "/metrics", "/docs/asyncapi")


@pytest.fixture
async def system(env: Environment) -> AsyncIterator[dict[str, OmsApp]]:
    async with AsyncExitStack() as stack:
        apps = {}
        for name, settings in SETTINGS.items():
            app = build_app(load(name), settings(**env.settings(name)))
            apps[name] = await stack.enter_async_context(running(app))
        yield apps


def query_paths(app: OmsApp) -> list[str]:
    return [path for path, _ in app.routes if path not in OPEN and not path.startswith("/docs")]


async def raw_get(
    app: OmsApp, path: str, query: str = "", **header: str
) -> tuple[int, Any, dict[str, str]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.encode(), v.encode()) for k, v in header.items()],
        "client": ("192.0.2.7", 40000),
    }
    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    start = sent[0]
    found = {k.decode(): v.decode() for k, v in start["headers"]}
    return int(start["status"]), json.loads(body), found


async def test_every_query_refuses_a_request_without_a_credential_and_probes_stay_open(
    system: dict[str, OmsApp],
) -> None:
    for name, app in system.items():
        paths = query_paths(app)
        assert paths, name
        for path in paths:
            status, body, found = await raw_get(app, path)
            assert status == 401, (name, path, body)
            assert body["error"] == "unauthenticated"
            assert body["reason"] == "missing_credential"
            assert "Authorization: Bearer" in body["detail"]
            assert found["www-authenticate"] == f'Bearer realm="oms-{name}"'
        for probe in ("/health/live", "/health/ready"):
            assert (await raw_get(app, probe))[0] == 200, (name, probe)


async def test_the_back_office_and_operators_read_every_query_of_every_service(
    system: dict[str, OmsApp],
) -> None:
    for name, app in system.items():
        for caller in ("backoffice", "operator"):
            for path in query_paths(app):
                read = asgi_text if path.endswith(".csv") else asgi_get  # CSV for people
                status, body = await read(app, path, caller=caller)
                assert status not in {401, 403}, (name, caller, path, body)


async def test_forged_expired_misaddressed_and_oversized_credentials_are_refused(
    system: dict[str, OmsApp],
) -> None:
    forger = Signer(new_private_jwk("operator:dev"))  # the operator's key id, another key
    operator = development_private_jwk("operator")
    now = int(time.time())
    for name, app in system.items():
        path = query_paths(app)[0]
        expired = jwt.encode(
            {"iss": "operator", "sub": "operator", "aud": name, "iat": now - 600, "exp": now - 300},
            Signer(operator).jwk.key,
            algorithm="EdDSA",
            headers={"kid": "operator:dev"},
        )
        too_long_lived = Signer(operator).mint(name, lifetime=3600)
        unsigned = jwt.encode(
            {"iss": "operator", "sub": "operator", "aud": name, "iat": now, "exp": now + 60},
            "",
            algorithm="none",
            headers={"kid": "operator:dev"},
        )
        other = "order" if name != "order" else "approval"
        cases = {
            "bad_signature": f"Bearer {forger.mint(name)}",
            "expired_credential": f"Bearer {expired}",
            "wrong_audience": f"Bearer {Signer(operator).mint(other)}",
            "unknown_key": f"Bearer {Signer(new_private_jwk('operator:stolen')).mint(name)}",
            "lifetime_too_long": f"Bearer {too_long_lived}",
            "wrong_algorithm": f"Bearer {unsigned}",
            "malformed_credential": "Bearer not.a.jwt",
            "not_a_bearer_credential": "Basic b3BlcmF0b3I6b3BlcmF0b3ItZGV2",
            "credential_too_long": "Bearer " + "A" * 10_000,
        }
        for reason, value in cases.items():
            status, body, found = await raw_get(app, path, authorization=value)
            assert (status, body["reason"]) == (401, reason), (name, reason, body)
            assert 'error="invalid_token"' in found["www-authenticate"]
        assert (await asgi_get(app, "/health/ready"))[0] == 200


async def test_a_service_reads_nothing_of_another_service(system: dict[str, OmsApp]) -> None:
    for name, app in system.items():
        reader = "billing" if name != "billing" else "order"
        for path in query_paths(app):
            status, body = await asgi_get(app, path, caller=reader)
            assert status == 403, (name, path, body)
            assert body["error"] == "forbidden"
            assert "services read nothing of another service's" in body["detail"]


async def test_a_storefront_reads_its_own_carts_and_orders_and_nothing_else(
    env: Environment, system: dict[str, OmsApp], bus: Bus
) -> None:
    order = system["order"]
    carts = {}
    for storefront in ("demo", "web-eu"):
        await configure_storefront(env.amqp_url, storefront_id=storefront)
        script = CartScript(unique("CART"), storefront)
        script.created()
        script.added("A", "2", "10.00")
        script.checked_out()
        async with Storefront(env.amqp_url, storefront) as shop:
            await shop.publish_all(script.events)
        carts[storefront] = script.cart_id
    for cart_id in carts.values():
        await bus.wait_for("order.created", having(order_id=f"SO-{cart_id}"))
    mine, theirs = carts["demo"], carts["web-eu"]

    async def read(path: str, query: str = "") -> tuple[int, Any]:
        return await asgi_get(order, path, query, caller="storefront-demo")

    status, cart = await read("/carts", f"cart_id={mine}")
    assert (status, cart["storefront_id"]) == (200, "demo")
    status, listed = await read("/carts", "status=checked_out")
    assert status == 200
    assert {c["storefront_id"] for c in listed} == {"demo"}
    assert mine in {c["cart_id"] for c in listed}
    assert theirs not in {c["cart_id"] for c in listed}
    assert (await read("/carts/recovery"))[1]["storefront_id"] == "demo"
    status, order_doc = await read("/orders", f"order_id=SO-{mine}")
    assert (status, order_doc["created_by"]) == (200, "storefront-demo")
    status, orders = await read("/orders")
    assert status == 200
    assert {o["created_by"] for o in orders} == {"storefront-demo"}
    assert (await read("/orders/timeline", f"order_id=SO-{mine}"))[0] == 200

    refused = [
        ("/carts", f"cart_id={theirs}"),
        ("/carts", "storefront_id=web-eu"),
        ("/carts/recovery", "storefront_id=web-eu"),
        ("/orders", f"order_id=SO-{theirs}"),
        ("/orders", "created_by=backoffice"),
        ("/orders/timeline", f"order_id=SO-{theirs}"),
        ("/tax-rates", ""),
        ("/quotations", "status=sent"),
        ("/work-orders", "work_order_id=W"),
    ]
    for path, query in refused:
        status, body = await read(path, query)
        assert (status, body["error"]) == (403, "forbidden"), (path, query, body)
        assert "storefront-demo" in body["detail"]
    opened = set(load("order").query_access.own_data)
    assert opened == {"/carts", "/carts/recovery", "/orders", "/orders/timeline"}
    for path in set(query_paths(order)) - opened:  # every other query, new ones included
        status, body = await read(path)
        assert (status, body["error"]) == (403, "forbidden"), (path, body)
    for name in ("approval", "inventory", "billing", "notification"):
        for path in query_paths(system[name]):
            status, body = await asgi_get(system[name], path, caller="storefront-demo")
            assert status == 403, (name, path, body)
    # The other storefront sees its own and not this one's.
    status, body = await asgi_get(order, "/carts", f"cart_id={mine}", caller="storefront-web-eu")
    assert status == 403


async def test_the_notification_log_shows_addresses_to_operators_only(
    system: dict[str, OmsApp], bus: Bus
) -> None:
    due = CartRecoveryDue(
        cart_id=unique("CART"),
        storefront_id="demo",
        step=1,
        email="shopper@example.com",
        currency="USD",
        total=Decimal("2.00"),
        items=[RecoveryItem(sku="A", quantity=Decimal(1), unit_price=Decimal(2))],
    )
    await bus.send(due)
    notification = system["notification"]

    async def listed(caller: str) -> list[dict[str, Any]]:
        status, body = await asgi_get(notification, "/emails", caller=caller)
        assert status == 200
        return list(body)

    emails = await eventually(lambda: listed("operator"), bool, what="the reminder e-mail")
    assert emails[0]["to"] == "shopper@example.com"
    [shown] = await listed("backoffice")
    assert shown["to"] == "(hidden)"
    assert shown["email_id"] == emails[0]["email_id"]

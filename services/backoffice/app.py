"""The back office's wiring: its database, the broker, the services' queries, the pages."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from types import FrameType
from typing import Any

import prometheus_client
import structlog
import uvicorn
from prometheus_client import make_asgi_app
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from services.backoffice import (
    orders_view,
    pages_approvals,
    pages_audit,
    pages_bills,
    pages_books,
    pages_config,
    pages_ledger,
    pages_order_forms,
    pages_order_list,
    pages_orders,
    pages_parties,
    pages_prefs,
    pages_preview,
    pages_products,
    pages_reports,
    pages_users,
)
from services.backoffice.approvals_view import APPROVAL_EVENTS, ApprovalLevels
from services.backoffice.audit import AuditTrail
from services.backoffice.bus import Broker, Subscription
from services.backoffice.reads import Reads
from services.backoffice.sales_view import SALES_EVENTS, SalesView, merge_earlier
from services.backoffice.settings import BackofficeSettings
from services.backoffice.store import People, Sessions, SignInGuard, create_indexes
from services.backoffice.web import HERE, Backoffice
from shared.contracts import Event, UserUpserted
from shared.logging import configure_logging
from shared.ports import listening, metrics_apart
from shared.registry import GATEWAYS
from shared.storage.mongo import CommandCounter

ENTRY = GATEWAYS[0]
log = structlog.get_logger()


async def _live(_request: Request) -> Response:
    return JSONResponse({"status": "live"})


async def _ready(request: Request) -> Response:
    office: Backoffice | None = getattr(request.app.state, "backoffice", None)
    if office is None or not office.broker.connected:
        waiting_for = office.broker.waiting_for if office else "start"
        return JSONResponse({"status": "not ready", "waiting_for": waiting_for}, status_code=503)
    return JSONResponse({"status": "ready"})


async def _home(_request: Request) -> Response:
    return RedirectResponse("/inbox", status_code=303)


DIRECTORY_QUEUE = "backoffice.approval.user_upserted"
ORDER_EVENTS_QUEUE = "backoffice.order_events"
APPROVALS_QUEUE = "backoffice.approvals"
RETIRED_QUEUES = ("backoffice.orders", "backoffice.sales")
"""Where earlier versions took the order list's and the sales view's events, one queue each, so
that every order event was delivered, parsed and acknowledged twice: unbound when the back
office starts, what they still hold learnt, then deleted (their ``.dlq`` queues stay)."""


def subscriptions(
    people: People, orders: orders_view.OrderList, levels: ApprovalLevels, sales: SalesView
) -> list[Subscription]:
    """The back office's own views: the approval directory (who may sign in), every approval
    level, and from one queue the list of orders (the order service answers one order at a
    time) and every sales order's amounts, goods issues and invoices (for the reports)."""
    return [
        Subscription(DIRECTORY_QUEUE, [UserUpserted], people.learn),
        Subscription(
            ORDER_EVENTS_QUEUE,
            list(dict.fromkeys((*orders_view.ORDER_EVENTS, *SALES_EVENTS))),
            order_views(orders, sales),
            retired=RETIRED_QUEUES,
        ),
        Subscription(APPROVALS_QUEUE, APPROVAL_EVENTS, levels.learn),
    ]


def order_views(
    orders: orders_view.OrderList, sales: SalesView
) -> Callable[[Event], Awaitable[None]]:
    """Teach an event to each of the two views that keeps it, both at once: their writes about
    the order go in one round, as one statement."""

    async def learn(event: Event) -> None:
        views = []
        if isinstance(event, orders_view.ORDER_EVENTS):
            views.append(orders.learn(event))
        if isinstance(event, SALES_EVENTS):
            views.append(sales.learn(event))
        await asyncio.gather(*views)

    return learn


async def _merge_earlier_sales(db: Any, *, every: float = 60.0, rounds: int = 60) -> None:
    """The earlier sales view's documents merged into the order list's, beside the start (not
    holding readiness), then again every minute for an hour: what a replica of the earlier
    version still writes while a rolling upgrade replaces it is merged too. The last round
    drops the collection once it is empty. A database that fails meanwhile leaves the rest to
    the next round."""
    for round_ in range(1, rounds + 1):
        try:
            await merge_earlier(db, last=round_ == rounds)
        except PyMongoError as error:
            log.warning("earlier_sales_left", error=str(error))
        await asyncio.sleep(every)


def _database(settings: BackofficeSettings) -> tuple[AsyncMongoClient[Any], Any]:
    # Its round trips and bytes count in /metrics like the services' (``oms_db_commands``).
    counter = CommandCounter(prometheus_client.REGISTRY)
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        settings.mongodb_url, tz_aware=True, event_listeners=[counter]
    )
    return client, client[settings.mongodb_database or ENTRY.database]


def build_app(settings: BackofficeSettings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        client, db = _database(settings)
        await create_indexes(db)
        await orders_view.create_indexes(db)
        people, orders, levels = People(db), orders_view.OrderList(db), ApprovalLevels(db)
        app.state.audit = AuditTrail(db, timedelta(days=settings.audit_days))
        await app.state.audit.create_indexes()
        sales = SalesView(orders)
        broker = Broker(
            settings.amqp_url,
            subscriptions(people, orders, levels, sales),
            answer_timeout=settings.answer_timeout_seconds,
        )
        starting = asyncio.create_task(broker.keep_starting())
        merging = asyncio.create_task(_merge_earlier_sales(db))
        reads = Reads(settings)
        sessions = Sessions(
            db,
            lasts=timedelta(hours=settings.session_hours),
            idle=timedelta(minutes=settings.session_idle_minutes),
        )
        guard = SignInGuard(
            db,
            attempts=settings.sign_in_attempts,
            address_attempts=settings.sign_in_address_attempts,
            lock=timedelta(seconds=settings.sign_in_lock_seconds),
            longest=timedelta(minutes=settings.sign_in_lock_max_minutes),
        )
        app.state.backoffice = Backoffice(
            settings, people, sessions, guard, broker, reads, orders, levels, sales
        )
        log.info("backoffice_started")
        try:
            yield
        finally:
            for task in (starting, merging):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await broker.stop()
            await reads.close()
            await client.close()

    routes = [
        Route("/", _home),
        Route("/health/live", _live),
        Route("/health/ready", _ready),
        Mount("/metrics", make_asgi_app()),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        *pages_approvals.ROUTES,
        *pages_order_list.ROUTES,
        *pages_order_forms.ROUTES,  # before /orders/{order_id}
        *pages_preview.ROUTES,
        *pages_orders.ROUTES,
        *pages_products.ROUTES,
        *pages_config.ROUTES,
        *pages_users.ROUTES,
        *pages_reports.ROUTES,
        *pages_books.ROUTES,
        *pages_bills.ROUTES,
        *pages_parties.ROUTES,
        *pages_ledger.ROUTES,
        *pages_audit.ROUTES,
        *pages_prefs.ROUTES,
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)])


HEADERS = {
    # No page may be framed (the approve button cannot be clicked through another site), and
    # nothing but this site's own files loads: there is no script at all.
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'self'; script-src 'none'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response


async def _set_password(settings: BackofficeSettings, user_id: str, password: str) -> int:
    client, db = _database(settings)
    try:
        if await People(db).set_password(user_id, password):
            return 0
        print(f"no user {user_id}: add them to the approval directory first", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        await client.close()


def main() -> None:
    settings = BackofficeSettings()
    configure_logging(ENTRY.name, fmt=settings.log_format, level=settings.log_level)
    if sys.argv[1:2] == ["set-password"] and len(sys.argv) == 3:
        password = (
            sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass()
        )
        sys.exit(asyncio.run(_set_password(settings, sys.argv[2], password)))
    config = uvicorn.Config(
        metrics_apart(build_app(settings), settings.metrics_port),
        host=settings.http_host,
        port=settings.http_port or ENTRY.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    sockets = None
    if settings.metrics_port is not None:  # Prometheus's port beside the pages' one
        sockets = [config.bind_socket(), listening(settings.http_host, settings.metrics_port)]
    server.run(sockets=sockets)
    if not server.started:
        sys.exit(3)


class _Server(uvicorn.Server):
    """Asked to stop (SIGTERM, SIGINT), it finishes the pages in flight and exits 0; uvicorn
    would re-raise the signal (exit status 143)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True

"""The check in front of every HTTP query: a credential first, then what this caller may read.

Refusals are JSON and cheap: no credential, or one too long, is refused before any parsing or
signature check, and nothing touches the database before the credential is verified. Each
refusal is counted (``oms_query_refusals``) and logged at most once per source address and
reason per ``LOG_INTERVAL`` (with how many were not logged), so a flood of bad requests
neither fills the log nor keeps the service from its work.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import prometheus_client
import structlog
from faststream._internal.basic_types import LoggerProto
from faststream._internal.di.config import FastDependsConfig
from faststream.asgi.handlers import HttpHandler
from faststream.asgi.types import ASGIApp, Receive, Scope, Send

from shared.access.keys import Keys
from shared.access.policy import (
    Caller,
    Forbidden,
    QueryAccess,
    check_caller,
    check_owned,
    redact,
    scoped_params,
)
from shared.access.tokens import Refused, verify
from shared.http import json_response

log = structlog.get_logger(__name__)

MAX_CREDENTIAL = 4096
"""Bytes of an ``Authorization`` header looked at; a longer one is refused unread."""
LOG_INTERVAL = 60.0
REMEMBERED_SOURCES = 10_000
HOW = (
    "send 'Authorization: Bearer <JWT>' signed with your caller key, with aud {service!r} "
    "(README: Reading the queries)"
)


class RefusalLog:
    """Logs a refusal once per (source, reason) per interval, counting the ones it skipped."""

    def __init__(self, interval: float = LOG_INTERVAL, capacity: int = REMEMBERED_SOURCES) -> None:
        self.interval = interval
        self.capacity = capacity
        self.seen: OrderedDict[tuple[str, str], tuple[float, int]] = OrderedDict()

    def refused(self, source: str, reason: str, **fields: Any) -> None:
        now, key = time.monotonic(), (source, reason)
        last = self.seen.get(key)
        if last is not None and now - last[0] < self.interval:
            self.seen[key] = (last[0], last[1] + 1)
            return
        skipped = last[1] if last is not None else 0
        self.seen[key] = (now, 0)
        self.seen.move_to_end(key)
        while len(self.seen) > self.capacity:
            self.seen.popitem(last=False)
        log.warning("query_refused", source=source, reason=reason, not_logged=skipped, **fields)


class QueryGuard:
    """Wraps a service's query routes: verify, authorise, narrow, then answer."""

    def __init__(
        self,
        service: str,
        keys: Keys,
        access: QueryAccess,
        registry: prometheus_client.CollectorRegistry | None = None,
    ) -> None:
        self.service = service
        self.keys = keys
        self.access = access
        self.log = RefusalLog()
        self.refusals = prometheus_client.Counter(
            "oms_query_refusals",
            "HTTP queries refused (401 without a valid credential, 403 not this caller's), "
            "by reason.",
            ("reason",),
            registry=registry,
        )

    def wrap(self, routes: list[tuple[str, ASGIApp]]) -> list[tuple[str, ASGIApp]]:
        apps = dict(routes)
        return [(path, _Route(app, self._guarded(path, app, apps))) for path, app in routes]

    def _guarded(self, path: str, app: ASGIApp, apps: Mapping[str, ASGIApp]) -> ASGIApp:
        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            exchange = _Exchange(scope, receive, send)
            try:
                caller = self._caller(scope)
            except Refused as refused:
                await self._refuse(exchange, 401, refused.reason, refused.detail)
                return
            try:
                await self._answer(caller, path, app, apps, exchange)
            except Forbidden as error:
                await self._refuse(exchange, 403, "forbidden", str(error), caller)

        return guarded

    def _caller(self, scope: Scope) -> Caller:
        raw = _header(scope, b"authorization")
        how = HOW.format(service=self.service)
        if raw is None:
            raise Refused("missing_credential", f"This query needs a credential: {how}.")
        if len(raw) > MAX_CREDENTIAL:
            msg = f"The Authorization header is longer than {MAX_CREDENTIAL} bytes."
            raise Refused("credential_too_long", msg)
        scheme, _, token = raw.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused("not_a_bearer_credential", f"Not a bearer credential: {how}.")
        claims = verify(token.strip(), self.keys, self.service)
        return Caller(claims.caller, claims.person)

    async def _answer(
        self,
        caller: Caller,
        path: str,
        app: ASGIApp,
        apps: Mapping[str, ASGIApp],
        exchange: _Exchange,
    ) -> None:
        rule = check_caller(caller, self.service, path, self.access)
        redacted = self.access.redacted.get(path)
        if rule is None and redacted is None:
            await app(exchange.scope, exchange.receive, exchange.send)
            self._read(caller, path)
            return
        params = _params(exchange.scope)
        if rule is not None:
            params = scoped_params(rule, caller, params)
            if rule.via is not None and rule.key is not None and params.get(rule.key):
                status, owner = await call(apps[rule.via], {rule.key: params[rule.key]})
                if status == 200:
                    check_owned(rule, caller, owner)
        status, body = await call(app, params, exchange.scope)
        if status == 200:
            if rule is not None and rule.via is None:
                check_owned(rule, caller, body)
            if redacted is not None:
                body = redact(redacted, caller, body)
        await json_response(status, body)(exchange.scope, exchange.receive, exchange.send)
        self._read(caller, path)

    def _read(self, caller: Caller, path: str) -> None:
        log.debug("query_read", caller=caller.name, person=caller.person, path=path)

    async def _refuse(
        self,
        exchange: _Exchange,
        status: int,
        reason: str,
        detail: str,
        caller: Caller | None = None,
    ) -> None:
        self.refusals.labels(reason).inc()
        scope = exchange.scope
        path, source = scope.get("path", ""), (scope.get("client") or ("unknown",))[0]
        self.log.refused(source, reason, path=path, caller=caller.name if caller else None)
        error = "unauthenticated" if status == 401 else "forbidden"
        body = {"error": error, "reason": reason, "detail": detail, "path": path}
        headers = {}
        if status == 401:  # RFC 6750: how to authenticate, and why this one failed
            invalid = "" if reason == "missing_credential" else ', error="invalid_token"'
            headers["www-authenticate"] = f'Bearer realm="oms-{self.service}"{invalid}'
        await json_response(status, body, headers)(scope, _no_body, exchange.send)


@dataclass(frozen=True)
class _Exchange:
    """One HTTP request's ASGI triple."""

    scope: Scope
    receive: Receive
    send: Send


class _Route(HttpHandler):
    """The guarded query as FastStream sees it: its application still configures the inner
    handler (dependency injection, logger, the AsyncAPI document's HTTP routes)."""

    def __init__(self, inner: ASGIApp, guarded: ASGIApp) -> None:
        handler = inner if isinstance(inner, HttpHandler) else None
        super().__init__(
            guarded,  # type: ignore[arg-type]  # never called: __call__ is overridden
            description=handler.description if handler else None,
            methods=handler.methods if handler else ("GET", "HEAD"),
            include_in_schema=handler.include_in_schema if handler else False,
        )
        self.inner, self.guarded = handler, guarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.guarded(scope, receive, send)

    def update_fd_config(self, config: FastDependsConfig) -> None:
        if self.inner is not None:
            self.inner.update_fd_config(config)

    def set_logger(self, logger: LoggerProto | None) -> None:
        if self.inner is not None:
            self.inner.set_logger(logger)


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return None


def _params(scope: Scope) -> dict[str, str]:
    query = scope.get("query_string", b"").decode("latin-1")
    return dict(urllib.parse.parse_qsl(query, keep_blank_values=True))


async def call(app: ASGIApp, params: dict[str, str], scope: Scope | None = None) -> tuple[int, Any]:
    """Run a query route in process with ``params``: (status, JSON body)."""
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    inner = {
        **(scope or {}),
        "type": "http",
        "method": "GET",
        "query_string": urllib.parse.urlencode(params).encode(),
        "headers": [],
    }
    inner.setdefault("path", "/")
    await app(inner, _no_body, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    raw = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return int(start["status"]), json.loads(raw) if raw else None

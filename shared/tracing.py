"""OpenTelemetry traces across services: the context travels in message headers.

FastStream's telemetry middleware opens a span for each message consumed (continuing the
trace named in its ``traceparent`` header) and each message published (injecting it). An event
written to the outbox keeps the trace context it was caused in (``trace`` in the stored entry),
and the relay publishes it in that context, however much later: one trace runs from a caller's
command through every service it touches. Spans are exported over OTLP/HTTP when
``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set; log lines
carry ``trace_id`` and ``span_id`` whenever a span is current.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from faststream import BaseMiddleware, ContextRepo
from opentelemetry import context, propagate, trace

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def configure_tracing(service: str) -> bool:
    """Export spans over OTLP when an endpoint is configured; tell whether it is."""
    if not any(os.environ.get(name) for name in ENDPOINT_VARIABLES):
        return False
    if recording():
        return True  # already set up in this process
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or f"oms-{service}"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return True


def flush_tracing() -> None:
    """Export the spans still buffered and stop exporting: a process about to end without the
    interpreter's teardown (whose exit hook would otherwise do it)."""
    shutdown = getattr(trace.get_tracer_provider(), "shutdown", None)
    if callable(shutdown):
        shutdown()


def current_context_headers() -> dict[str, str]:
    """The current trace context as message headers (``traceparent``...); empty outside one."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextlib.contextmanager
def within(headers: Mapping[str, Any] | None) -> Iterator[None]:
    """Run in the trace context ``headers`` carry (an outbox entry's stored one)."""
    if not headers:
        yield
        return
    token = context.attach(propagate.extract(dict(headers)))
    try:
        yield
    finally:
        context.detach(token)


def name_span(queue: str) -> None:
    """Say on the current (consume) span which queue, and so which service, took the message."""
    span = trace.get_current_span()
    span.set_attribute("messaging.destination.name", queue)
    span.set_attribute("oms.service", queue.split(".", 1)[0])


def add_trace_ids(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the current span's trace and span ids on each log line."""
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        event.setdefault("trace_id", format(span.trace_id, "032x"))
        event.setdefault("span_id", format(span.span_id, "016x"))
    return event


def recording() -> bool:
    """Whether spans are recorded in this process (a tracer provider was set: exported over
    OTLP, or a test's)."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


class _Propagate(BaseMiddleware):
    """The trace context carried through a service that records no spans: a consumed
    message's context is current while it is handled (log lines carry its trace id, and the
    outbox stores it), and every message published carries the current one."""

    async def consume_scope(self, call_next: Any, msg: Any) -> Any:
        with within(msg.headers):
            return await call_next(msg)

    async def publish_scope(self, call_next: Any, cmd: Any) -> Any:
        propagate.inject(cmd.headers)
        return await call_next(cmd)


def trace_messages(telemetry: Any) -> Any:
    """A broker middleware: FastStream's ``telemetry`` middleware (a span per message consumed
    and published) while spans are recorded, else only the context carried along, which is
    what a span that is not recorded amounts to, for a tenth of the cost (a few µs a message
    instead of some 100; BENCHMARKS.md). Decided per message, so that a tracer provider set
    after the broker was made is honoured."""

    def middleware(msg: Any, /, *, context: ContextRepo) -> BaseMiddleware:
        if recording():
            return telemetry(msg, context=context)  # type: ignore[no-any-return]
        return _Propagate(msg, context=context)

    return middleware

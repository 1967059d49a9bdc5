"""One trace from a caller's command through order, approval and notification: the context
travels in message headers, through each service's outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aio_pika
import pytest
import structlog
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared import names
from shared.contracts import SubmitOrder
from shared.messaging.callers import USER_HEADER
from shared.tracing import add_trace_ids
from tests.integration.approval.conftest import MANAGER, World
from tests.support.factories import purchase_order, unique
from tests.support.smtp import SmtpServer


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # the first test in this process to trace
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


async def test_one_trace_spans_order_approval_and_notification(
    world: World, spans: InMemorySpanExporter, smtp: SmtpServer
) -> None:
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    create = purchase_order(vendor_id=vendor, created_by="alice")
    assert (await world.command(create)).type == "OrderCreated"

    submit = SubmitOrder(order_id=create.order_id, submitted_by="alice")
    with trace.get_tracer("a caller").start_as_current_span("caller submits") as root:
        headers: dict[str, Any] = {USER_HEADER: "alice"}
        propagate.inject(headers)
        await world.bus.exchanges[names.COMMANDS].publish(
            aio_pika.Message(
                submit.model_dump_json().encode(),
                content_type="application/json",
                message_id=str(submit.message_id),
                user_id=world.bus.user,
                headers=headers,
            ),
            routing_key=submit.routing_key,
        )
    trace_id = root.get_span_context().trace_id

    await smtp.wait_for("mary@example.com")
    await world.bus.wait_for("notification.email_sent", lambda b: b["order_id"] == create.order_id)
    await asyncio.sleep(0.5)  # the last consumer's span ends once its delivery is settled
    in_trace = [span for span in spans.get_finished_spans() if span.context.trace_id == trace_id]
    consumed = {
        str((span.attributes or {}).get("messaging.destination.name"))
        for span in in_trace
        if span.name.endswith(" process")
    }
    assert consumed >= {
        "order.commands",  # order.submit
        "approval.order-submitted",  # order.submitted, from the order service's outbox
        "notification.approval-pending",  # approval.pending, from approval's outbox
        "order.approval-pending",
    }, [span.name for span in in_trace]
    names_in_trace = {span.name for span in in_trace}
    assert "oms.events.order.submitted publish" in names_in_trace
    assert "oms.events.approval.pending publish" in names_in_trace


def test_log_lines_carry_the_trace_id() -> None:
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        line = add_trace_ids(None, "info", {"event": "something"})
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert "trace_id" not in add_trace_ids(None, "info", {"event": "outside"})
    assert structlog.get_config()["processors"].count(add_trace_ids) <= 1

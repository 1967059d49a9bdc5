"""Without recorded spans, a service still carries the trace context: the consumed message's
context is current while it is handled, and what it publishes carries it on."""

from __future__ import annotations

from typing import Any

import pytest
from faststream.rabbit import RabbitBroker, TestRabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from opentelemetry import trace

from shared import tracing

TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT = f"00-{TRACE}-b7ad6b7169203331-01"


@pytest.mark.parametrize("recorded", [False, True])
async def test_the_context_goes_through_a_service(recorded: bool, monkeypatch: Any) -> None:
    monkeypatch.setattr(tracing, "recording", lambda: recorded)
    broker = RabbitBroker(middlewares=[tracing.trace_messages(RabbitTelemetryMiddleware())])
    seen: list[str] = []
    onward: list[dict[str, Any]] = []

    @broker.subscriber("in")
    async def handle(body: dict[str, Any]) -> None:
        seen.append(format(trace.get_current_span().get_span_context().trace_id, "032x"))
        await broker.publish({"next": 1}, "out")

    @broker.subscriber("out")
    async def take(body: dict[str, Any], message: RabbitMessage) -> None:
        onward.append(dict(message.headers))

    async with TestRabbitBroker(broker) as test:
        # A caller in a trace: its publication carries the trace on.
        with tracing.within({"traceparent": PARENT}):
            await test.publish({"a": 1}, "in")
        await test.publish({"a": 2}, "in")

    assert seen[0] == TRACE
    assert onward[0]["traceparent"].split("-")[1] == TRACE
    if not recorded:  # (a span recorded in this process would start a trace of its own)
        assert seen[1] == "0" * 32, "a message without a context is handled outside any trace"
        assert "traceparent" not in onward[1]

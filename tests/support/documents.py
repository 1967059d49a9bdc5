"""Valid quotation and RFQ commands with unique ids, and the steps that bring one to a state."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from shared.contracts import (
    AcceptQuotation,
    CreateQuotation,
    CreateRfq,
    QuotedPrice,
    RecordRfqReply,
    RequestedLine,
    SendQuotation,
    utcnow,
)
from tests.support.bus import Bus, Received
from tests.support.factories import lines, unique


def quotation(**overrides: Any) -> CreateQuotation:
    values: dict[str, Any] = {
        "quotation_id": unique("Q"),
        "customer_id": unique("C"),
        "branch_id": "BR-SOUTH",
        "created_by": "sam",
        "currency": "EUR",
        "lines": lines(("SKU-9", "2", "100.00"), ("SKU-8", "1", "9.99")),
        "valid_until": utcnow() + timedelta(days=30),
    }
    return CreateQuotation(**{**values, **overrides})


def rfq(**overrides: Any) -> CreateRfq:
    values: dict[str, Any] = {
        "rfq_id": unique("RFQ"),
        "branch_id": "BR-NORTH",
        "created_by": "pat",
        "currency": "USD",
        "lines": [
            RequestedLine(sku="BOLT-M8", quantity=Decimal(500)),
            RequestedLine(sku="NUT-M8", quantity=Decimal(500)),
        ],
        "supplier_ids": [unique("SUP"), unique("SUP"), unique("SUP")],
    }
    return CreateRfq(**{**values, **overrides})


def rfq_reply(
    create: CreateRfq, supplier_id: str, *prices: str, **overrides: Any
) -> RecordRfqReply:
    """A reply pricing the RFQ's items in order at ``prices``."""
    values: dict[str, Any] = {
        "rfq_id": create.rfq_id,
        "supplier_id": supplier_id,
        "recorded_by": "pat",
        "prices": [
            QuotedPrice(sku=line.sku, unit_price=Decimal(price))
            for line, price in zip(create.lines, prices, strict=True)
        ],
        "lead_time_days": 7,
        "valid_until": utcnow() + timedelta(days=14),
    }
    return RecordRfqReply(**{**values, **overrides})


async def ask(bus: Bus, command: Any) -> Received:
    """Send ``command`` and return its answer; fail if it was refused."""
    await bus.send(command, reply=True)
    reply = await bus.reply_for(command, timeout=30)
    assert reply.type != "CommandRejected", f"{command.type_name()} refused: {reply.body}"
    return reply


async def accepted_quotation(bus: Bus, **overrides: Any) -> CreateQuotation:
    create = quotation(**overrides)
    await ask(bus, create)
    await ask(bus, SendQuotation(quotation_id=create.quotation_id, sent_by=create.created_by))
    await ask(bus, AcceptQuotation(quotation_id=create.quotation_id, accepted_by="sam"))
    return create


async def replied_rfq(bus: Bus, **overrides: Any) -> CreateRfq:
    """An RFQ whose first supplier replied."""
    create = rfq(**overrides)
    await ask(bus, create)
    await ask(bus, rfq_reply(create, create.supplier_ids[0], *["1.00"] * len(create.lines)))
    return create

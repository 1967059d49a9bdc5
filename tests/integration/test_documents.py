"""Quotations and RFQs over the broker: answers, refusals with reasons, the order made once
however often the conversion or choice is sent, expiry, and the queries that show the links."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from services.order.app import SERVICE as ORDER
from services.order.settings import OrderSettings
from shared.contracts import (
    AcceptQuotation,
    CancelRfq,
    ChooseRfqReply,
    ConvertQuotation,
    DeclineQuotation,
    DefineTaxRate,
    Discount,
    DiscountKind,
    OrderLine,
    PricingTerms,
    ReviseQuotation,
    SendQuotation,
    utcnow,
)
from shared.names import COMMANDS
from shared.runtime import build_app
from tests.support.bus import Bus
from tests.support.documents import (
    accepted_quotation,
    ask,
    quotation,
    replied_rfq,
    rfq,
    rfq_reply,
)
from tests.support.factories import lines, sales_order
from tests.support.services import Environment, asgi_get, running


async def refused(bus: Bus, command: Any) -> dict[str, Any]:
    await bus.send(command, reply=True)
    reply = await bus.reply_for(command)
    assert reply.type == "CommandRejected", reply.body
    return reply.body


async def test_a_quotation_is_sent_revised_declined_and_kept_with_its_revisions(
    bus: Bus, order_service: Any
) -> None:
    create = quotation()
    created = await ask(bus, create)
    assert created.type == "QuotationCreated"
    assert created.body["total"] == "209.99"
    qid = create.quotation_id
    await ask(bus, SendQuotation(quotation_id=qid, sent_by="sam"))
    declined = await ask(bus, DeclineQuotation(quotation_id=qid, declined_by="sam", reason="$$"))
    assert declined.body["status"] == "declined"
    assert (await refused(bus, AcceptQuotation(quotation_id=qid, accepted_by="sam")))[
        "reason"
    ] == "quotation_not_sent"

    revised = await ask(
        bus,
        ReviseQuotation(quotation_id=qid, revised_by="sam", lines=lines(("SKU-9", "2", "90"))),
    )
    assert (revised.body["revision"], revised.body["status"], revised.body["total"]) == (
        2,
        "draft",
        "180.00",
    )

    status, body = await asgi_get(order_service, "/quotations", f"quotation_id={qid}")
    assert status == 200
    assert body["quotation_id"] == qid
    assert body["revision"] == 2
    assert [r["status"] for r in body["revisions"]] == ["declined"]
    assert [h["status"] for h in body["history"]] == ["draft", "sent", "declined", "draft"]
    assert "outbox" not in body
    assert (await asgi_get(order_service, "/quotations", "quotation_id=nope"))[0] == 404
    assert (await asgi_get(order_service, "/quotations"))[0] == 400

    other = quotation(customer_id=create.customer_id)
    await ask(bus, other)
    status, listed = await asgi_get(
        order_service, "/quotations", f"customer_id={create.customer_id}"
    )
    assert status == 200
    assert [q["quotation_id"] for q in listed] == [other.quotation_id, qid]  # latest first
    assert "history" not in listed[0]
    _, drafts = await asgi_get(
        order_service, "/quotations", f"customer_id={create.customer_id}&status=draft"
    )
    assert {q["quotation_id"] for q in drafts} == {qid, other.quotation_id}
    _, sent = await asgi_get(order_service, "/quotations", "status=sent")
    assert sent == []


async def test_conversion_sent_three_times_makes_one_sales_order_linked_both_ways(
    bus: Bus, order_service: Any
) -> None:
    await ask(bus, DefineTaxRate(code="VAT-20", name="VAT", rate=Decimal(20), defined_by="olga"))
    terms = PricingTerms(discount=Discount(kind=DiscountKind.PERCENT, value=Decimal("2.5")))
    priced = OrderLine(
        sku="SKU-5",
        quantity=Decimal(2),
        unit_price=Decimal("10.00"),
        discount=Discount(kind=DiscountKind.AMOUNT, value=Decimal("1.00")),
        tax_codes=["VAT-20"],
    )
    create = await accepted_quotation(bus, lines=[*quotation().lines, priced], pricing=terms)
    qid = create.quotation_id
    _, offered = await asgi_get(order_service, "/quotations", f"quotation_id={qid}")
    # 209.99 + 19.00, less 2.5 % = 223.27, and 20 % VAT on SKU-5's 18.525 = 3.705 -> 3.70
    assert offered["pricing"]["grand_total"] == "226.97"
    # The rate changes after the offer: the order keeps the rate the customer accepted.
    await ask(bus, DefineTaxRate(code="VAT-20", name="VAT", rate=Decimal(21), defined_by="olga"))
    convert = ConvertQuotation(quotation_id=qid, converted_by="otto", correlation_id="deal-1")

    answer = await ask(bus, convert)
    await bus.send(convert, reply=True)  # the same message again
    again = await ask(bus, ConvertQuotation(quotation_id=qid, converted_by="ivy"))

    assert answer.type == "QuotationConverted"
    order_id = answer.body["order_id"]
    assert order_id == f"SO-{qid}"
    assert again.body["order_id"] == order_id
    assert again.body["repeated"] is True
    [created] = await bus.wait_for("order.created", lambda b: b["order_id"] == order_id)
    assert created.body["quotation_id"] == qid
    assert created.body["kind"] == "sales"
    assert created.body["party_id"] == create.customer_id
    assert created.body["lines"] == offered["lines"]
    assert created.body["lines"][2]["discount"] == {"kind": "amount", "value": "1.00"}
    assert created.body["lines"][2]["tax_codes"] == ["VAT-20"]
    assert created.body["pricing"] == offered["pricing"]
    assert created.body["total"] == "226.97"
    assert created.correlation_id == "deal-1"
    assert created.body["causation_id"] == str(convert.message_id)
    await bus.settle()
    assert len(bus.matching("order.created", lambda b: b["order_id"] == order_id)) == 1
    # Each sending got one answer, the quotation's: the same one again for the resent message.
    answers = [r for r in bus.replies if r.body.get("causation_id") == str(convert.message_id)]
    assert [r.type for r in answers] == ["QuotationConverted", "QuotationConverted"]
    assert answers[0].message_id == answers[1].message_id

    _, order = await asgi_get(order_service, "/orders", f"order_id={order_id}")
    assert (order["quotation_id"], order["created_by"], order["status"]) == (qid, "otto", "draft")
    assert order["terms"] == offered["terms"]
    assert order["terms"]["discount"] == {"kind": "percent", "value": "2.5"}
    _, stored = await asgi_get(order_service, "/quotations", f"quotation_id={qid}")
    assert (stored["status"], stored["order_id"]) == ("converted", order_id)


async def test_a_conversion_may_name_the_order_but_not_a_taken_one(
    bus: Bus, order_service: Any
) -> None:
    taken = sales_order()
    await ask(bus, taken)
    create = await accepted_quotation(bus)
    qid = create.quotation_id

    body = await refused(
        bus, ConvertQuotation(quotation_id=qid, converted_by="otto", order_id=taken.order_id)
    )
    assert body["reason"] == "order_exists"
    named = await ask(bus, ConvertQuotation(quotation_id=qid, converted_by="otto", order_id="SO-N"))
    assert named.body["order_id"] == "SO-N"
    other = ConvertQuotation(quotation_id=qid, converted_by="otto", order_id="SO-M")
    assert (await refused(bus, other))["reason"] == "quotation_converted"
    revise = ReviseQuotation(quotation_id=qid, revised_by="sam", notes="x")
    assert (await refused(bus, revise))["reason"] == "quotation_accepted"


async def test_only_an_accepted_quotation_is_converted(bus: Bus, order_service: Any) -> None:
    create = quotation()
    await ask(bus, create)
    convert = ConvertQuotation(quotation_id=create.quotation_id, converted_by="otto")
    body = await refused(bus, convert)
    assert body["reason"] == "quotation_not_accepted"
    assert "draft" in body["detail"]
    unknown = ConvertQuotation(quotation_id="Q-none", converted_by="otto")
    assert (await refused(bus, unknown))["reason"] == "unknown_quotation"
    assert (await refused(bus, quotation(valid_until=utcnow())))["reason"] == "validity_in_past"


async def test_past_its_validity_a_quotation_expires_and_is_not_converted(
    bus: Bus, order_service: Any
) -> None:
    create = await accepted_quotation(bus, valid_until=utcnow() + timedelta(seconds=2))
    qid = create.quotation_id
    await asyncio.sleep(2.1)

    convert = ConvertQuotation(quotation_id=qid, converted_by="otto")
    body = await refused(bus, convert)
    assert body["reason"] == "quotation_expired"
    [expired] = await bus.wait_for("order.quotation_expired", lambda b: b["quotation_id"] == qid)
    assert expired.body["status"] == "expired"
    assert expired.correlation_id == qid
    assert (await refused(bus, ConvertQuotation(quotation_id=qid, converted_by="o")))[
        "reason"
    ] == "quotation_expired"
    await bus.settle()
    assert len(bus.matching("order.quotation_expired", lambda b: b["quotation_id"] == qid)) == 1
    assert not bus.matching("order.created", lambda b: b.get("quotation_id") == qid)

    # A revision with a new validity makes it an offer again.
    later = utcnow() + timedelta(days=3)
    await ask(bus, ReviseQuotation(quotation_id=qid, revised_by="sam", valid_until=later))
    await ask(bus, SendQuotation(quotation_id=qid, sent_by="sam"))
    await ask(bus, AcceptQuotation(quotation_id=qid, accepted_by="sam"))
    converted = await ask(bus, ConvertQuotation(quotation_id=qid, converted_by="otto"))
    assert converted.body["revision"] == 2


async def test_an_rfq_takes_replies_and_the_chosen_one_becomes_the_purchase_order_once(
    bus: Bus, order_service: Any
) -> None:
    create = rfq()
    assert (await ask(bus, create)).type == "RfqCreated"
    s1, s2, s3 = create.supplier_ids
    await ask(bus, rfq_reply(create, s1, "0.12", "0.05"))
    await ask(bus, rfq_reply(create, s2, "0.20", "0.06", lead_time_days=2))
    replaced = await ask(bus, rfq_reply(create, s2, "0.10", "0.04", lead_time_days=3))
    assert replaced.body["replaced"] is True
    stranger = rfq_reply(create, "SUP-STRANGER", "1", "1")
    assert (await refused(bus, stranger))["reason"] == "unknown_supplier"
    full = rfq_reply(create, s3, "1", "1")
    partial = full.model_copy(update={"prices": full.prices[:1]})
    assert (await refused(bus, partial))["reason"] == "reply_items_mismatch"
    no_reply = ChooseRfqReply(rfq_id=create.rfq_id, supplier_id=s3, chosen_by="max")
    assert (await refused(bus, no_reply))["reason"] == "unknown_supplier_reply"

    choose = ChooseRfqReply(rfq_id=create.rfq_id, supplier_id=s2, chosen_by="max")
    chosen = await ask(bus, choose)
    await bus.send(choose, reply=True)
    again = await ask(bus, ChooseRfqReply(rfq_id=create.rfq_id, supplier_id=s2, chosen_by="max"))

    order_id = chosen.body["order_id"]
    assert order_id == f"PO-{create.rfq_id}"
    assert sorted(chosen.body["closed_supplier_ids"]) == sorted([s1, s3])
    assert (again.body["order_id"], again.body["repeated"]) == (order_id, True)
    [created] = await bus.wait_for("order.created", lambda b: b["order_id"] == order_id)
    assert (created.body["kind"], created.body["party_id"]) == ("purchase", s2)
    assert created.body["rfq_id"] == create.rfq_id
    assert [(x["sku"], x["quantity"], x["unit_price"]) for x in created.body["lines"]] == [
        ("BOLT-M8", "500", "0.10"),
        ("NUT-M8", "500", "0.04"),
    ]
    assert created.body["total"] == "70.00"
    other = ChooseRfqReply(rfq_id=create.rfq_id, supplier_id=s1, chosen_by="max")
    assert (await refused(bus, other))["reason"] == "rfq_closed"
    assert (await refused(bus, rfq_reply(create, s3, "1", "1")))["reason"] == "rfq_closed"
    await bus.settle()
    assert len(bus.matching("order.created", lambda b: b["order_id"] == order_id)) == 1

    _, ordered = await asgi_get(order_service, "/rfqs", "status=ordered")
    assert [r["rfq_id"] for r in ordered] == [create.rfq_id]
    _, stored = await asgi_get(order_service, "/rfqs", f"rfq_id={create.rfq_id}")
    assert (stored["status"], stored["order_id"], stored["chosen_supplier_id"]) == (
        "ordered",
        order_id,
        s2,
    )
    assert {s["supplier_id"]: s["status"] for s in stored["suppliers"]} == {
        s1: "closed",
        s2: "chosen",
        s3: "closed",
    }
    assert Decimal(stored["suppliers"][1]["reply"]["prices"][0]["unit_price"]) == Decimal("0.10")
    _, order = await asgi_get(order_service, "/orders", f"order_id={order_id}")
    assert order["rfq_id"] == create.rfq_id


async def test_a_cancelled_rfq_is_closed(bus: Bus, order_service: Any) -> None:
    create = await replied_rfq(bus)
    cancelled = await ask(bus, CancelRfq(rfq_id=create.rfq_id, cancelled_by="pat", reason="no"))
    assert cancelled.body["status"] == "cancelled"
    choose = ChooseRfqReply(rfq_id=create.rfq_id, supplier_id=create.supplier_ids[0], chosen_by="m")
    assert (await refused(bus, choose))["reason"] == "rfq_closed"
    dupes = rfq(supplier_ids=["SUP-A", "SUP-A"])
    assert (await refused(bus, dupes))["reason"] == "duplicate_entry"
    assert (await refused(bus, CancelRfq(rfq_id="R-none", cancelled_by="p")))[
        "reason"
    ] == "unknown_rfq"


async def test_a_number_for_a_price_is_refused_as_invalid(bus: Bus, order_service: Any) -> None:
    create = rfq()
    await ask(bus, create)
    body = json.loads(rfq_reply(create, create.supplier_ids[0], "1", "2").model_dump_json())
    body["prices"][0]["unit_price"] = 1.5
    await bus.send_raw(
        COMMANDS, "order.record_rfq_reply", json.dumps(body).encode(), message_id=body["message_id"]
    )
    [answer] = await bus.wait_for(
        "order.command_rejected", lambda b: b["command_message_id"] == body["message_id"]
    )
    assert answer.body["reason"] == "invalid_message"
    assert "prices.0.unit_price" in answer.body["detail"]


async def test_two_replicas_expire_a_quotation_past_its_validity_once(
    bus: Bus, env: Environment
) -> None:
    settings = OrderSettings(**env.settings("order"))
    async with running(build_app(ORDER, settings)):
        create = await accepted_quotation(bus, valid_until=utcnow() + timedelta(seconds=1))
    await asyncio.sleep(1.1)

    # Each replica runs the expiry job as it starts; one of them holds the lease.
    async with running(build_app(ORDER, settings)), running(build_app(ORDER, settings)):
        [expired] = await bus.wait_for(
            "order.quotation_expired", lambda b: b["quotation_id"] == create.quotation_id
        )
        await bus.settle()

    assert expired.body["status"] == "expired"
    assert expired.correlation_id == create.quotation_id
    assert len(bus.matching("order.quotation_expired")) == 1


async def test_conversions_racing_on_two_replicas_make_one_sales_order(
    bus: Bus, env: Environment
) -> None:
    settings = OrderSettings(**env.settings("order"))
    async with running(build_app(ORDER, settings)), running(build_app(ORDER, settings)):
        create = await accepted_quotation(bus)
        converts = [
            ConvertQuotation(quotation_id=create.quotation_id, converted_by=f"clerk{i}")
            for i in range(6)
        ]
        await asyncio.gather(*(bus.send(convert, reply=True) for convert in converts))
        answers = [await bus.reply_for(convert, timeout=30) for convert in converts]
        await bus.settle()

    assert {answer.type for answer in answers} == {"QuotationConverted"}
    assert {answer.body["order_id"] for answer in answers} == {f"SO-{create.quotation_id}"}
    assert sorted(answer.body["repeated"] for answer in answers) == [False] + [True] * 5
    [created] = bus.matching("order.created")
    assert created.body["quotation_id"] == create.quotation_id

"""Bad input to every consumer of every service: dead-lettered with the reason, answered if it
was a command, and the consumer goes on with the next valid message.

Every (queue, routing key) a service consumes is read from its app; each needs a sample in
``SAMPLES`` (a valid message and the evidence that it was processed), so a new consumer
without one fails here.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared import names
from shared.contracts import (
    ApprovalApproved,
    ApprovalBasis,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApprovalReminderDue,
    ApprovalWithdrawn,
    ApproveRequest,
    AssignParty,
    CancelOrder,
    CancelRfq,
    ChooseRfqReply,
    ClearAway,
    CloseOrderShort,
    ConfigureBranch,
    ConfigureStorefront,
    ConvertQuotation,
    DeclineQuotation,
    DefineCycle,
    DefinePriceList,
    DefineTaxRate,
    ItemPrice,
    LevelRule,
    LocationDefined,
    MovementKind,
    OrderApproved,
    OrderCancelled,
    OrderKind,
    OrderRejected,
    OrderSubmitted,
    Person,
    RejectRequest,
    ReviseQuotation,
    SendQuotation,
    SetAway,
    SourceType,
    StockMoved,
    SubmitOrder,
    UnassignParty,
    UpdateOrder,
    UpsertUser,
    UserUpserted,
    WhenStockShort,
    WithdrawalReason,
    utcnow,
)
from shared.contracts.billing import BillingInterval, DefinePlan
from shared.registry import SERVICES, ServiceEntry
from shared.runtime import build_app
from shared.service import Service
from shared.storage.mongo import database
from tests.support.billing_samples import BILLING_SAMPLES, billing_sample_settings
from tests.support.bus import Bus
from tests.support.cart_samples import CART_SAMPLES
from tests.support.consumers import command, event
from tests.support.credit_samples import CREDIT_SAMPLES
from tests.support.documents import (
    accepted_quotation,
    quotation,
    replied_rfq,
    rfq,
    rfq_reply,
)
from tests.support.factories import lines, purchase_order, sales_order, unique
from tests.support.introspection import Consumer, consumers
from tests.support.inventory_samples import INVENTORY_SAMPLES
from tests.support.ledger_samples import LEDGER_SAMPLES
from tests.support.party_samples import PARTY_SAMPLES
from tests.support.payables_samples import PAYABLES_SAMPLES
from tests.support.receipt_samples import RECEIPT_SAMPLES
from tests.support.services import Environment, running
from tests.support.work_order_samples import WORK_ORDER_SAMPLES

SAMPLE_SETTINGS: dict[str, Callable[..., Any]] = {"billing": billing_sample_settings}
"""A service whose samples need other settings than its defaults (billing: a fast schedule)."""


def _app(entry: ServiceEntry) -> tuple[Service[Any, Any], Callable[..., Any]]:
    service: Service[Any, Any] = importlib.import_module(f"{entry.module}.app").SERVICE
    return service, SAMPLE_SETTINGS.get(entry.name, service.settings)


APPS = {entry.name: _app(entry) for entry in SERVICES}
"""Every service of the registry: a new one is covered without an edit here."""


@dataclass
class Context:
    bus: Bus
    db: Any  # the service's own database

    async def ask(self, command: Any) -> dict[str, Any]:
        await self.bus.send(command, reply=True)
        reply = await self.bus.reply_for(command)
        assert reply.type != "CommandRejected", reply.body
        return reply.body

    async def draft(self) -> str:
        create = purchase_order()
        await self.ask(create)
        return create.order_id

    async def submitted(self) -> str:
        order_id = await self.draft()
        await self.ask(SubmitOrder(order_id=order_id, submitted_by="alice"))
        return order_id

    async def pending_request(self) -> dict[str, Any]:
        """An approval request waiting at level 1 for adam."""
        await self.ask(UpsertUser(user_id="adam", name="Adam", admin=True, changed_by="root"))
        cycle = unique("CYC")
        await self.ask(
            DefineCycle(
                cycle_id=cycle,
                name="c",
                order_kind=OrderKind.PURCHASE,
                levels=[LevelRule(approver="named_user", user_id="adam")],
                defined_by="root",
            )
        )
        vendor = unique("V")
        await self.ask(AssignParty(cycle_id=cycle, party_id=vendor, assigned_by="root"))
        submitted = order_submitted(vendor)
        await self.bus.send(submitted)
        [pending] = await self.bus.wait_for(
            "approval.pending", lambda b: b["order_id"] == submitted.order_id
        )
        return pending.body


def order_submitted(vendor: str | None = None) -> OrderSubmitted:
    order_id = unique("PO")
    return OrderSubmitted(
        order_id=order_id,
        kind=OrderKind.PURCHASE,
        party_id=vendor or unique("V"),
        branch_id="B1",
        created_by="alice",
        currency="USD",
        lines=lines(("S", "1", "1")),
        total=Decimal(1),
        attempt=1,
        submitted_by="alice",
    )


def request_facts(order_id: str, notify: bool = False) -> dict[str, Any]:
    return {
        "request_id": f"{order_id}:1",
        "order_id": order_id,
        "order_kind": OrderKind.PURCHASE,
        "party_id": "V-1",
        "attempt": 1,
        "creator": Person(user_id="alice"),
        "notify": notify,
    }


NO_MAIL = Person(user_id="nomail")


async def _pending_seen(ctx: Context, order_id: str) -> None:
    for _ in range(100):
        doc = await ctx.db.orders.find_one({"_id": order_id})
        if doc and doc.get("pending", {}).get("level") == 1:
            return
        await ctx.bus.settle(0.05)
    raise AssertionError("approval.pending was not applied")


async def s_create_po(ctx: Context) -> None:
    await ctx.draft()


async def s_create_so(ctx: Context) -> None:
    await ctx.ask(sales_order())


async def s_update(ctx: Context) -> None:
    await ctx.ask(UpdateOrder(order_id=await ctx.draft(), updated_by="alice", notes="n"))


async def s_submit(ctx: Context) -> None:
    await ctx.submitted()


async def s_cancel(ctx: Context) -> None:
    await ctx.ask(CancelOrder(order_id=await ctx.draft(), cancelled_by="alice"))


async def s_create_quotation(ctx: Context) -> None:
    await ctx.ask(quotation())


async def s_revise_quotation(ctx: Context) -> None:
    create = quotation()
    await ctx.ask(create)
    await ctx.ask(ReviseQuotation(quotation_id=create.quotation_id, revised_by="sam", notes="n"))


async def s_send_quotation(ctx: Context) -> None:
    create = quotation()
    await ctx.ask(create)
    await ctx.ask(SendQuotation(quotation_id=create.quotation_id, sent_by="sam"))


async def s_accept_quotation(ctx: Context) -> None:
    await accepted_quotation(ctx.bus)


async def s_decline_quotation(ctx: Context) -> None:
    create = quotation()
    await ctx.ask(create)
    await ctx.ask(SendQuotation(quotation_id=create.quotation_id, sent_by="sam"))
    await ctx.ask(DeclineQuotation(quotation_id=create.quotation_id, declined_by="sam"))


async def s_convert_quotation(ctx: Context) -> None:
    create = await accepted_quotation(ctx.bus)
    answer = await ctx.ask(ConvertQuotation(quotation_id=create.quotation_id, converted_by="otto"))
    await ctx.bus.wait_for("order.created", lambda b: b["order_id"] == answer["order_id"])


async def s_create_rfq(ctx: Context) -> None:
    await ctx.ask(rfq())


async def s_record_rfq_reply(ctx: Context) -> None:
    create = rfq()
    await ctx.ask(create)
    await ctx.ask(rfq_reply(create, create.supplier_ids[1], "0.10", "0.20"))


async def s_choose_rfq_reply(ctx: Context) -> None:
    create = await replied_rfq(ctx.bus)
    choose = ChooseRfqReply(
        rfq_id=create.rfq_id, supplier_id=create.supplier_ids[0], chosen_by="max"
    )
    answer = await ctx.ask(choose)
    await ctx.bus.wait_for("order.created", lambda b: b["order_id"] == answer["order_id"])


async def s_cancel_rfq(ctx: Context) -> None:
    create = rfq()
    await ctx.ask(create)
    await ctx.ask(CancelRfq(rfq_id=create.rfq_id, cancelled_by="pat"))


async def s_define_tax_rate(ctx: Context) -> None:
    code = unique("TAX")
    answer = await ctx.ask(
        DefineTaxRate(code=code, name="State", rate=Decimal("6.25"), defined_by="olga")
    )
    assert (answer["code"], answer["version"]) == (code, 1)
    assert await ctx.db.tax_rates.find_one({"_id": code}) is not None


async def s_define_price_list(ctx: Context) -> None:
    price_list_id = unique("PL")
    answer = await ctx.ask(
        DefinePriceList(
            price_list_id=price_list_id,
            name="Retail",
            currency="USD",
            prices=[ItemPrice(sku="SKU-1", unit_price=Decimal("4.50"))],
            defined_by="olga",
        )
    )
    assert (answer["price_list_id"], answer["revision"]) == (price_list_id, 1)
    assert await ctx.db.price_lists.find_one({"_id": price_list_id}) is not None


async def s_order_pending(ctx: Context) -> None:
    order_id = await ctx.submitted()
    await ctx.bus.send(
        ApprovalPending(
            **request_facts(order_id), level=1, levels=1, approver=Person(user_id="mary")
        )
    )
    await _pending_seen(ctx, order_id)


async def s_order_reassigned(ctx: Context) -> None:
    order_id = await ctx.submitted()
    await ctx.bus.send(
        ApprovalReassigned(
            **request_facts(order_id),
            level=1,
            levels=1,
            approver=Person(user_id="bob"),
            previous_approver=Person(user_id="mary"),
            reassigned_by="root",
        )
    )
    for _ in range(100):
        doc = await ctx.db.orders.find_one({"_id": order_id})
        if doc and (doc.get("pending") or {}).get("approver_id") == "bob":
            return
        await ctx.bus.settle(0.05)
    raise AssertionError("approval.reassigned was not applied")


async def s_order_user_upserted(ctx: Context) -> None:
    user = unique("U")
    await ctx.bus.send(
        UserUpserted(user_id=user, name="Ann", email=None, admin=True, manager_id=None, active=True)
    )
    for _ in range(100):
        if await ctx.db.admins.find_one({"_id": user, "admin": True}):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the order service did not learn that {user} is an admin")


async def s_order_approved(ctx: Context) -> None:
    order_id = await ctx.submitted()
    await ctx.bus.send(ApprovalApproved(**request_facts(order_id), basis=ApprovalBasis.NO_CYCLE))
    await ctx.bus.wait_for("order.approved", lambda b: b["order_id"] == order_id)


async def s_configure_storefront(ctx: Context) -> None:
    prices = DefinePriceList(
        price_list_id=unique("PL"),
        name="Web",
        currency="USD",
        prices=[ItemPrice(sku="SKU-1", unit_price=Decimal("4.50"))],
        defined_by="olga",
    )
    await ctx.ask(prices)
    configure = ConfigureStorefront(
        storefront_id=unique("SF"), price_list_id=prices.price_list_id, configured_by="olga"
    )
    assert (await ctx.ask(configure))["unknown_item"] == "refuse"


async def s_configure_branch(ctx: Context) -> None:
    branch = unique("BR")
    configure = ConfigureBranch(
        branch_id=branch, when_stock_short=WhenStockShort.REFUSE, configured_by="root"
    )
    assert (await ctx.ask(configure))["when_stock_short"] == "refuse"


async def _stored(ctx: Context, collection: str, key: str) -> None:
    for _ in range(100):
        if await ctx.db[collection].find_one({"_id": key}):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the order service did not store {collection}/{key}")


async def s_order_location_defined(ctx: Context) -> None:
    location = unique("LOC")
    await ctx.bus.send(
        LocationDefined(location_id=location, branch_id="B1", warehouse="W", sales_location=True)
    )
    await _stored(ctx, "stock_locations", location)


async def s_order_stock_moved(ctx: Context) -> None:
    location = unique("LOC")
    await ctx.bus.send(
        StockMoved(
            movement_id=unique("M"),
            kind=MovementKind.OPENING,
            sku="S",
            location_id=location,
            branch_id="B1",
            on_hand_change=Decimal(2),
            reserved_change=Decimal(0),
            on_hand_after=Decimal(2),
            reserved_after=Decimal(0),
            source_type=SourceType.OPENING_BALANCE,
            source_id="opening",
            sequence=1,
        )
    )
    await _stored(ctx, "stock_levels", f"S|{location}")


async def s_close_short(ctx: Context) -> None:
    order_id = await ctx.submitted()
    await ctx.bus.send(ApprovalApproved(**request_facts(order_id), basis=ApprovalBasis.NO_CYCLE))
    await ctx.bus.wait_for("order.approved", lambda b: b["order_id"] == order_id)
    done = await ctx.ask(CloseOrderShort(order_id=order_id, closed_by="alice", reason="enough"))
    assert done["closed_short"] is True


async def s_order_rejected(ctx: Context) -> None:
    order_id = await ctx.submitted()
    await ctx.bus.send(
        ApprovalRejected(
            **request_facts(order_id), level=1, approver=Person(user_id="mary"), notes="no"
        )
    )
    await ctx.bus.wait_for("order.rejected", lambda b: b["order_id"] == order_id)


async def s_upsert_user(ctx: Context) -> None:
    await ctx.ask(UpsertUser(user_id=unique("u"), name="U", changed_by="root"))


async def _away(ctx: Context) -> SetAway:
    away, delegate = unique("u"), unique("u")
    for user_id in (away, delegate):
        await ctx.ask(UpsertUser(user_id=user_id, name="U", changed_by="root"))
    now = utcnow()
    command = SetAway(
        user_id=away,
        delegate_id=delegate,
        starts_at=now,
        ends_at=now + timedelta(days=1),
        set_by=away,
    )
    await ctx.ask(command)
    return command


async def s_set_away(ctx: Context) -> None:
    await _away(ctx)


async def s_clear_away(ctx: Context) -> None:
    away = await _away(ctx)
    await ctx.ask(ClearAway(user_id=away.user_id, cleared_by=away.user_id))


async def s_define_cycle(ctx: Context) -> None:
    await ctx.pending_request()


async def s_unassign(ctx: Context) -> None:
    pending = await ctx.pending_request()
    await ctx.ask(
        UnassignParty(
            cycle_id=pending["cycle_id"], party_id=pending["party_id"], unassigned_by="root"
        )
    )


async def s_approve(ctx: Context) -> None:
    pending = await ctx.pending_request()
    await ctx.ask(ApproveRequest(request_id=pending["request_id"], level=1, approver_id="adam"))


async def s_reject(ctx: Context) -> None:
    pending = await ctx.pending_request()
    await ctx.ask(RejectRequest(request_id=pending["request_id"], level=1, approver_id="adam"))


async def s_order_cancelled(ctx: Context) -> None:
    pending = await ctx.pending_request()
    await ctx.bus.send(
        OrderCancelled(
            order_id=pending["order_id"],
            kind=OrderKind.PURCHASE,
            party_id=pending["party_id"],
            cancelled_by="alice",
        )
    )
    for _ in range(100):
        request = await ctx.db.requests.find_one({"_id": pending["request_id"]})
        if request["status"] == "superseded":
            return
        await ctx.bus.settle(0.05)
    raise AssertionError("order.cancelled was not applied")


async def s_order_submitted(ctx: Context) -> None:
    event = order_submitted()
    await ctx.bus.send(event)
    await ctx.bus.wait_for("approval.approved", lambda b: b["order_id"] == event.order_id)


async def s_define_plan(ctx: Context) -> None:
    await ctx.ask(
        DefinePlan(
            plan_id=unique("P"),
            name="Gold",
            price=Decimal("9.90"),
            currency="EUR",
            interval=BillingInterval.MONTH,
            defined_by="root",
        )
    )


async def _mail_failed(ctx: Context, event: Any) -> None:
    await ctx.bus.send(event)
    await ctx.bus.wait_for(
        "notification.email_failed", lambda b: b["source_message_id"] == str(event.message_id)
    )


async def s_notify_pending(ctx: Context) -> None:
    facts = request_facts(unique("PO"), notify=True)
    await _mail_failed(ctx, ApprovalPending(**facts, level=1, levels=1, approver=NO_MAIL))


async def s_notify_reassigned(ctx: Context) -> None:
    facts = request_facts(unique("PO"), notify=True)
    moved = ApprovalReassigned(
        **facts,
        level=1,
        levels=1,
        approver=NO_MAIL,
        previous_approver=Person(user_id="mary"),
        reassigned_by="root",
    )
    await _mail_failed(ctx, moved)


async def s_notify_reminder(ctx: Context) -> None:
    facts = request_facts(unique("PO"), notify=True)
    reminder = ApprovalReminderDue(
        **facts, level=1, levels=1, approver=NO_MAIL, reminder=1, waiting_since=utcnow()
    )
    await _mail_failed(ctx, reminder)


async def s_notify_approved(ctx: Context) -> None:
    order_id = unique("PO")
    facts = {**request_facts(order_id, notify=True), "creator": NO_MAIL}
    decision = ApprovalApproved(**facts, basis=ApprovalBasis.ALL_LEVELS_APPROVED)
    await _mail_failed(ctx, _order_approved(order_id, decision))


async def s_notify_rejected(ctx: Context) -> None:
    order_id = unique("PO")
    facts = {**request_facts(order_id, notify=True), "creator": NO_MAIL}
    decision = ApprovalRejected(**facts, level=1, approver=Person(user_id="m"))
    rejected = OrderRejected(
        order_id=order_id,
        kind=OrderKind.PURCHASE,
        party_id="V-1",
        attempt=1,
        level=1,
        approver_id="m",
        decision=decision,
    )
    await _mail_failed(ctx, rejected)


def _order_approved(order_id: str, decision: ApprovalApproved) -> OrderApproved:
    return OrderApproved(
        order_id=order_id,
        kind=OrderKind.PURCHASE,
        party_id="V-1",
        branch_id="B-1",
        created_by="alice",
        currency="USD",
        lines=lines(("S", "1", "1")),
        total=Decimal(1),
        attempt=1,
        decision=decision,
    )


async def s_notify_withdrawn(ctx: Context) -> None:
    facts = request_facts(unique("PO"), notify=True)
    await _mail_failed(
        ctx,
        ApprovalWithdrawn(
            **facts,
            level=1,
            levels=1,
            approver=NO_MAIL,
            reason=WithdrawalReason.ORDER_CANCELLED,
        ),
    )


SAMPLES: dict[tuple[str, str], Callable[[Context], Awaitable[None]]] = {
    command("order.create_purchase_order"): s_create_po,
    command("order.create_sales_order"): s_create_so,
    command("order.update"): s_update,
    command("order.submit"): s_submit,
    command("order.cancel"): s_cancel,
    command("order.create_quotation"): s_create_quotation,
    command("order.revise_quotation"): s_revise_quotation,
    command("order.send_quotation"): s_send_quotation,
    command("order.accept_quotation"): s_accept_quotation,
    command("order.decline_quotation"): s_decline_quotation,
    command("order.convert_quotation"): s_convert_quotation,
    command("order.create_rfq"): s_create_rfq,
    command("order.record_rfq_reply"): s_record_rfq_reply,
    command("order.choose_rfq_reply"): s_choose_rfq_reply,
    command("order.cancel_rfq"): s_cancel_rfq,
    command("order.define_tax_rate"): s_define_tax_rate,
    command("order.define_price_list"): s_define_price_list,
    command("order.close_short"): s_close_short,
    command("order.configure_branch"): s_configure_branch,
    command("order.configure_storefront"): s_configure_storefront,
    # Its own events, which finish a conversion a crash left half done (the sample converts).
    event("order", "order.quotation_converted"): s_convert_quotation,
    event("order", "order.rfq_reply_chosen"): s_choose_rfq_reply,
    event("order", "inventory.location_defined"): s_order_location_defined,
    event("order", "inventory.stock_moved"): s_order_stock_moved,
    event("order", "approval.pending"): s_order_pending,
    event("order", "approval.reassigned"): s_order_reassigned,
    event("order", "approval.approved"): s_order_approved,
    event("order", "approval.rejected"): s_order_rejected,
    event("order", "approval.user_upserted"): s_order_user_upserted,
    command("approval.upsert_user"): s_upsert_user,
    command("approval.define_cycle"): s_define_cycle,
    command("approval.assign_party"): s_define_cycle,
    command("approval.unassign_party"): s_unassign,
    command("approval.approve"): s_approve,
    command("approval.reject"): s_reject,
    command("approval.set_away"): s_set_away,
    command("approval.clear_away"): s_clear_away,
    event("approval", "order.submitted"): s_order_submitted,
    event("approval", "order.cancelled"): s_order_cancelled,
    command("billing.define_plan"): s_define_plan,
    event("notification", "approval.pending"): s_notify_pending,
    event("notification", "approval.reassigned"): s_notify_reassigned,
    event("notification", "order.approved"): s_notify_approved,
    event("notification", "order.rejected"): s_notify_rejected,
    event("notification", "approval.withdrawn"): s_notify_withdrawn,
    event("notification", "approval.reminder_due"): s_notify_reminder,
}

SAMPLES |= INVENTORY_SAMPLES
SAMPLES |= WORK_ORDER_SAMPLES
SAMPLES |= BILLING_SAMPLES
SAMPLES |= CART_SAMPLES
SAMPLES |= LEDGER_SAMPLES
SAMPLES |= PAYABLES_SAMPLES
SAMPLES |= CREDIT_SAMPLES
SAMPLES |= RECEIPT_SAMPLES
SAMPLES |= PARTY_SAMPLES

EVERY_CONSUMER = [
    pytest.param(service, consumer, id=f"{consumer.queue}:{consumer.routing_key}")
    for service, (factory, settings) in APPS.items()
    for consumer in consumers(build_app(factory, settings()))
]


@pytest.fixture
async def service(request: pytest.FixtureRequest, env: Environment) -> AsyncIterator[Any]:
    name = request.node.callspec.params["service_name"]
    factory, settings = APPS[name]
    async with running(build_app(factory, settings(**env.settings(name)))) as app:
        yield app


@pytest.mark.parametrize(("service_name", "consumer"), EVERY_CONSUMER)
async def test_bad_messages_are_dead_lettered_and_the_next_is_processed(
    service_name: str,
    consumer: Consumer,
    service: Any,
    bus: Bus,
    env: Environment,
    mongo_client: Any,
) -> None:
    sample = SAMPLES.get((consumer.queue, consumer.routing_key))
    assert sample is not None, f"add a sample for {consumer} to SAMPLES"
    not_json_id, invalid_id = str(uuid.uuid4()), str(uuid.uuid4())
    await bus.send_raw(
        consumer.exchange, consumer.routing_key, b"{not json", message_id=not_json_id, reply=True
    )
    invalid = {"message_id": invalid_id, "order_id": 42, "lines": "many"}
    await bus.send_raw(
        consumer.exchange,
        consumer.routing_key,
        json.dumps(invalid).encode(),
        message_id=invalid_id,
        reply=True,
    )

    await sample(Context(bus, database(mongo_client, env.database(service_name))))

    if consumer.exchange == names.COMMANDS:
        # The sender's mistake, answered to the sender: nothing is kept for operators.
        rejected = names.command_rejected(service_name)
        answers = await bus.wait_for(rejected, count=2)
        by_id = {a.body["command_message_id"]: a for a in answers}
        assert set(by_id) >= {not_json_id, invalid_id}
        assert {by_id[m].body["reason"] for m in (not_json_id, invalid_id)} == {"invalid_message"}
        assert "not valid JSON" in by_id[not_json_id].body["detail"]
        assert "order_id" in by_id[invalid_id].body["detail"] or by_id[invalid_id].body["detail"]
        for message_id in (not_json_id, invalid_id):  # answered on reply_to as well
            await bus.reply_for_id(message_id)
        await bus.settle()
        assert await bus.dead_letter_count(consumer.queue) == 0
        return
    dead = await bus.dead_letters(consumer.queue, count=2)
    assert {d.message_id for d in dead} == {not_json_id, invalid_id}
    for letter in dead:
        assert letter.headers["x-oms-reason"] == "invalid_message"
        assert letter.headers["x-oms-queue"] == consumer.queue
        assert letter.headers["x-oms-service"] == service_name
        assert letter.headers["x-oms-detail"]
    by_id_dead = {d.message_id: d for d in dead}
    assert "not valid JSON" in by_id_dead[not_json_id].headers["x-oms-detail"]
    assert by_id_dead[invalid_id].body == invalid  # kept as it was sent


@pytest.mark.parametrize("service_name", ["order"])
async def test_an_unknown_command_is_dead_lettered_and_answered(
    service_name: str, service: Any, bus: Bus
) -> None:
    mid = str(uuid.uuid4())
    await bus.send_raw(names.COMMANDS, "order.frobnicate", b"{}", message_id=mid, reply=True)

    [dead] = await bus.dead_letters("order.commands")
    assert dead.headers["x-oms-reason"] == "unknown_message_type"
    [answer] = await bus.wait_for(
        "order.command_rejected", lambda b: b["command_message_id"] == mid
    )
    assert answer.body["reason"] == "unknown_message_type"

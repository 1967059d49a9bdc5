"""A change that spans two aggregates and fails between its writes finishes on its own, over the
real broker and database: nobody sends the command (or the checkout) again.

The second write is made to fail once, as a process dying there would leave it: the command's
delivery fails for good (it is dead-lettered, never redelivered), so what finishes the change
is the first write's process record: a quotation or RFQ's event in its outbox, which the order
service consumes itself, or a cart left ``checking_out``, which the leased cart scan resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.order.app import SERVICE as ORDER
from services.order.orders.domain.order import Order
from services.order.orders.repository import ORDERS
from services.order.settings import OrderSettings
from shared import names
from shared.contracts import ChooseRfqReply, ConvertQuotation, Message
from shared.domain import Aggregate
from shared.runtime import build_app
from shared.storage.aggregates import AggregateStore
from tests.support.bus import Bus, having
from tests.support.documents import accepted_quotation, replied_rfq
from tests.support.factories import unique
from tests.support.services import Environment, running
from tests.support.storefront import CartScript, Storefront, configure_storefront


def fail_once(monkeypatch: pytest.MonkeyPatch, which: Callable[[Order], bool]) -> list[str]:
    """Make the next insert of an order ``which`` picks fail, once; the ids it failed for."""
    failed: list[str] = []
    insert = AggregateStore.add

    async def add(
        self: AggregateStore[Any], aggregate: Aggregate, *, cause: Message, last_step: bool = False
    ) -> None:
        ours = self.collection.name == ORDERS and not failed
        if ours and isinstance(aggregate, Order) and which(aggregate):
            failed.append(aggregate.id)
            raise RuntimeError("the process died between the two writes")
        await insert(self, aggregate, cause=cause, last_step=last_step)

    monkeypatch.setattr(AggregateStore, "add", add)
    return failed


async def test_a_conversion_whose_order_was_not_written_finishes_without_a_resend(
    env: Environment, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(build_app(ORDER, OrderSettings(**env.settings("order")))):
        create = await accepted_quotation(bus)
        failed = fail_once(monkeypatch, lambda order: order.quotation_id == create.quotation_id)
        convert = ConvertQuotation(quotation_id=create.quotation_id, converted_by="otto")
        await bus.send(convert, reply=True)

        [converted] = await bus.wait_for(
            "order.quotation_converted", having(quotation_id=create.quotation_id)
        )  # the command's answer (its sender is also told that the handler failed)
        order_id = converted.body["order_id"]
        [created] = await bus.wait_for("order.created", having(order_id=order_id), timeout=15)
        assert failed == [order_id]  # the handler's own write of the order did fail
        assert created.body["quotation_id"] == create.quotation_id
        assert created.body["causation_id"] == str(convert.message_id)
        [dead] = await bus.dead_letters(names.commands_queue("order"))
        assert dead.message_id == str(convert.message_id)  # not redelivered: no resend at all
        await bus.settle()
        assert len(bus.matching("order.created", having(order_id=order_id))) == 1


async def test_a_chosen_rfq_reply_whose_order_was_not_written_finishes_without_a_resend(
    env: Environment, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(build_app(ORDER, OrderSettings(**env.settings("order")))):
        create = await replied_rfq(bus)
        failed = fail_once(monkeypatch, lambda order: order.rfq_id == create.rfq_id)
        choose = ChooseRfqReply(
            rfq_id=create.rfq_id, supplier_id=create.supplier_ids[0], chosen_by="max"
        )
        await bus.send(choose, reply=True)

        [chosen] = await bus.wait_for("order.rfq_reply_chosen", having(rfq_id=create.rfq_id))
        order_id = chosen.body["order_id"]
        [created] = await bus.wait_for("order.created", having(order_id=order_id), timeout=15)
        assert failed == [order_id]
        assert created.body["rfq_id"] == create.rfq_id


async def test_a_checkout_whose_order_was_not_written_finishes_without_a_resend(
    env: Environment, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = OrderSettings(
        **env.settings("order"), cart_scan_interval_seconds=0.2, cart_checkout_grace_seconds=1.0
    )
    async with running(build_app(ORDER, settings)):
        await configure_storefront(env.amqp_url)
        script = CartScript(unique("CART"))
        script.created()
        script.added("A", "2", "12.50", name="Mug")
        script.checked_out()
        failed = fail_once(monkeypatch, lambda order: order.cart_id == script.cart_id)
        async with Storefront(env.amqp_url, "demo") as shop:
            await shop.publish_all(script.events)  # once: the checkout is never sent again

        [converted] = await bus.wait_for(
            "order.cart_converted", having(cart_id=script.cart_id), timeout=20
        )
        order_id = converted.body["order_id"]
        assert failed == [order_id]
        await bus.wait_for("order.created", having(order_id=order_id))
        await bus.wait_for("order.submitted", having(order_id=order_id))
        await bus.settle()
        assert len(bus.matching("order.cart_converted", having(cart_id=script.cart_id))) == 1

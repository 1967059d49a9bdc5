"""The approval scenarios run order, approval and notification together, with a real SMTP
server, and a user directory: alice (manager mary), mary (not admin), adam and ann (admins),
bob (no manager)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from services.notification.app import SERVICE as NOTIFICATION
from services.notification.settings import NotificationSettings
from shared.contracts import (
    ApproveRequest,
    AssignParty,
    DefineCycle,
    LevelRule,
    OrderKind,
    RejectRequest,
    SubmitOrder,
    UpsertUser,
)
from shared.runtime import build_app
from tests.support.bus import Bus, Received
from tests.support.factories import purchase_order, sales_order, unique
from tests.support.services import Environment, running
from tests.support.smtp import SmtpServer

MANAGER = LevelRule(approver="creator_manager")


def named(user_id: str) -> LevelRule:
    return LevelRule(approver="named_user", user_id=user_id)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
async def notification_service(env: Environment, smtp: SmtpServer) -> AsyncIterator[Any]:
    settings = NotificationSettings(
        **env.settings("notification"),
        smtp_port=smtp.port,
        send_backoff_seconds=0.05,
        dispatch_interval_seconds=0.1,
        send_max_attempts=4,
    )
    async with running(build_app(NOTIFICATION, settings)) as app:
        yield app


@dataclass
class World:
    """Drives the scenarios: users, cycles, orders and decisions over the broker."""

    bus: Bus
    order_db: Any
    approval_db: Any

    async def command(self, command: Any) -> Received:
        await self.bus.send(command, reply=True)
        return await self.bus.reply_for(command)

    async def users(self) -> None:
        for user in (
            UpsertUser(
                user_id="mary", name="Mary Manager", email="mary@example.com", changed_by="root"
            ),
            UpsertUser(
                user_id="alice",
                name="Alice Buyer",
                email="alice@example.com",
                manager_id="mary",
                changed_by="root",
            ),
            UpsertUser(
                user_id="adam",
                name="Adam Admin",
                email="adam@example.com",
                admin=True,
                changed_by="root",
            ),
            UpsertUser(
                user_id="ann",
                name="Ann Admin",
                email="ann@example.com",
                admin=True,
                changed_by="root",
            ),
            UpsertUser(
                user_id="bob", name="Bob NoManager", email="bob@example.com", changed_by="root"
            ),
        ):
            reply = await self.command(user)
            assert reply.type == "UserUpserted", reply.body

    async def cycle(
        self,
        *levels: LevelRule,
        kind: OrderKind = OrderKind.PURCHASE,
        notify: bool = True,
        fallback: str | None = "adam",
        cycle_id: str | None = None,
        **switches: bool,
    ) -> str:
        """Define a cycle; ``switches``: ``notify_pending``, ``notify_approved``..."""
        cycle_id = cycle_id or unique("CYC")
        reply = await self.command(
            DefineCycle(
                cycle_id=cycle_id,
                name=f"cycle {cycle_id}",
                order_kind=kind,
                levels=list(levels),
                notify=notify,
                fallback_approver_id=fallback,
                **switches,
                defined_by="root",
            )
        )
        assert reply.type == "CycleDefined", reply.body
        return cycle_id

    async def assign(self, cycle_id: str, party_id: str) -> Received:
        reply = await self.command(
            AssignParty(cycle_id=cycle_id, party_id=party_id, assigned_by="root")
        )
        assert reply.type == "PartyAssigned", reply.body
        return reply

    async def submitted_order(
        self, *, party_id: str, creator: str = "alice", kind: OrderKind = OrderKind.PURCHASE
    ) -> str:
        if kind is OrderKind.PURCHASE:
            create: Any = purchase_order(vendor_id=party_id, created_by=creator)
        else:
            create = sales_order(customer_id=party_id, created_by=creator)
        assert (await self.command(create)).type == "OrderCreated"
        await self.submit(create.order_id, by=creator)
        return str(create.order_id)

    async def submit(self, order_id: str, *, by: str = "alice") -> None:
        reply = await self.command(SubmitOrder(order_id=order_id, submitted_by=by))
        assert reply.type == "OrderSubmitted", reply.body

    async def pending(self, order_id: str, level: int, *, attempt: int = 1) -> dict[str, Any]:
        [event] = await self.bus.wait_for(
            "approval.pending",
            lambda b: b["order_id"] == order_id and b["level"] == level and b["attempt"] == attempt,
        )
        return event.body

    async def approve(self, request: dict[str, Any], by: str, notes: str | None = None) -> Received:
        return await self.command(
            ApproveRequest(
                request_id=request["request_id"],
                level=request["level"],
                approver_id=by,
                notes=notes,
            )
        )

    async def reject(self, request: dict[str, Any], by: str, notes: str | None = None) -> Received:
        return await self.command(
            RejectRequest(
                request_id=request["request_id"],
                level=request["level"],
                approver_id=by,
                notes=notes,
            )
        )

    async def order(self, order_id: str) -> dict[str, Any]:
        doc: dict[str, Any] | None = await self.order_db.orders.find_one({"_id": order_id})
        assert doc is not None
        return doc

    async def order_waiting_at(self, order_id: str, level: int) -> dict[str, Any]:
        """The order once the order service has applied ``approval.pending`` for ``level``."""
        for _ in range(200):
            order = await self.order(order_id)
            if (order.get("pending") or {}).get("level") == level:
                return order
            await self.bus.settle(0.05)
        raise AssertionError(f"order {order_id} never showed level {level} pending")

    async def order_status(self, order_id: str, status: str, *, attempt: int = 1) -> None:
        key = {"approved": "order.approved", "rejected": "order.rejected"}[status]
        await self.bus.wait_for(
            key, lambda b: b["order_id"] == order_id and b["attempt"] == attempt
        )


@pytest.fixture
async def world(
    bus: Bus,
    order_service: Any,
    approval_service: Any,
    notification_service: Any,
    order_db: Any,
    approval_db: Any,
) -> World:
    world = World(bus, order_db, approval_db)
    await world.users()
    return world

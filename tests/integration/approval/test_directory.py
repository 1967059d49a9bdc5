"""The directory stays whole over the broker, whoever asks: deactivation works and is refused
for the last active admin; manager chains may not loop; a user with requests waiting leaves
only by naming who takes them over, and the requests move there with their history, the
order's history and an e-mail to the new approver. Each refusal changes nothing."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

from shared import names
from shared.contracts import UpsertUser
from tests.integration.approval.conftest import MANAGER, World, named
from tests.support.bus import Received
from tests.support.factories import unique
from tests.support.smtp import SmtpServer


async def upsert(world: World, user_id: str, **fields: Any) -> Received:
    names = {"mary": "Mary Manager", "alice": "Alice Buyer", "adam": "Adam Admin"}
    fields.setdefault("name", names.get(user_id, user_id.title()))
    fields.setdefault("email", f"{user_id}@example.com")
    return await world.command(UpsertUser(user_id=user_id, changed_by="root", **fields))


async def stored_user(world: World, user_id: str) -> dict[str, Any]:
    doc: dict[str, Any] | None = await world.approval_db.users.find_one({"_id": user_id})
    assert doc is not None
    return doc


async def test_a_user_is_deactivated_and_active_again(world: World):
    reply = await upsert(world, "bob", active=False)
    assert reply.type == "UserUpserted", reply.body
    assert (reply.body["active"], reply.body["changed_by"]) == (False, "root")
    assert (await stored_user(world, "bob"))["active"] is False

    assert (await upsert(world, "bob", active=True)).body["active"] is True
    assert (await stored_user(world, "bob"))["active"] is True


async def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(world: World):
    assert (await upsert(world, "ann", admin=True, active=False)).type == "UserUpserted"

    refused = await upsert(world, "adam", admin=True, active=False)
    assert refused.type == "CommandRejected"
    assert refused.body["reason"] == "last_admin"
    assert "adam is the last active admin" in refused.body["detail"]
    demoted = await upsert(world, "adam", admin=False)
    assert demoted.body["reason"] == "last_admin"
    adam = await stored_user(world, "adam")
    assert (adam["admin"], adam["active"]) == (True, True)

    # With another active admin, adam may go.
    assert (await upsert(world, "ann", admin=True, active=True)).type == "UserUpserted"
    assert (await upsert(world, "adam", admin=True, active=False)).body["active"] is False


async def test_a_manager_chain_may_not_loop(world: World):
    # alice's manager is mary: mary may not be managed by alice.
    refused = await upsert(world, "mary", manager_id="alice")
    assert refused.body["reason"] == "manager_cycle"
    assert "mary -> alice -> mary" in refused.body["detail"]
    assert (await stored_user(world, "mary")).get("manager_id") is None

    # Nor at depth: mary -> bob -> ann, then ann managed by alice (alice -> mary -> ...).
    assert (await upsert(world, "mary", manager_id="bob")).type == "UserUpserted"
    assert (await upsert(world, "bob", manager_id="ann")).type == "UserUpserted"
    deep = await upsert(world, "ann", admin=True, manager_id="alice")
    assert deep.body["reason"] == "manager_cycle"
    assert "ann -> alice -> mary -> bob -> ann" in deep.body["detail"]
    assert (await stored_user(world, "ann")).get("manager_id") is None
    # A chain that ends is fine.
    assert (await upsert(world, "ann", admin=True, manager_id="adam")).type == "UserUpserted"


async def waiting_for_mary(world: World) -> tuple[str, dict[str, Any]]:
    vendor = unique("V")
    await world.assign(await world.cycle(MANAGER), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    return order_id, await world.pending(order_id, 1)


async def test_a_user_with_requests_waiting_leaves_only_naming_who_takes_them(world: World):
    order_id, pending = await waiting_for_mary(world)
    await world.order_waiting_at(order_id, 1)

    refused = await upsert(world, "mary", active=False)
    assert refused.body["reason"] == "requests_waiting"
    assert (
        f"1 approval request(s) wait for mary ({pending['request_id']})" in (refused.body["detail"])
    )
    creator = await upsert(world, "mary", active=False, reassign_to="alice")
    assert creator.body["reason"] == "invalid_reassignment"
    assert "alice created order" in creator.body["detail"]
    unknown = await upsert(world, "mary", active=False, reassign_to="nobody")
    assert unknown.body["reason"] == "invalid_reassignment"
    assert (await stored_user(world, "mary"))["active"] is True
    request = await world.approval_db.requests.find_one({"_id": pending["request_id"]})
    assert request["approver"]["user_id"] == "mary"


async def test_the_requests_move_with_history_and_an_email(world: World, smtp: SmtpServer):
    order_id, pending = await waiting_for_mary(world)
    await world.order_waiting_at(order_id, 1)

    reply = await upsert(world, "mary", active=False, reassign_to="bob")
    assert reply.type == "UserUpserted", reply.body
    assert reply.body["reassigned_to"] == "bob"
    assert reply.body["reassigned_requests"] == [pending["request_id"]]

    [moved] = await world.bus.wait_for("approval.reassigned", lambda b: b["order_id"] == order_id)
    assert moved.body["approver"]["user_id"] == "bob"
    assert moved.body["previous_approver"]["user_id"] == "mary"
    assert (moved.body["reassigned_by"], moved.body["level"]) == ("root", 1)
    request = await world.approval_db.requests.find_one({"_id": pending["request_id"]})
    assert request["approver"]["user_id"] == "bob"
    [history] = request["reassignments"]
    assert (history["from_approver"]["user_id"], history["to_approver"]["user_id"]) == (
        "mary",
        "bob",
    )
    assert history["by"] == "root"

    [mail] = await smtp.wait_for("bob@example.com")
    assert mail.subject.startswith("Reassigned to you: Approval needed")
    assert "waited for Mary Manager, who has left; root reassigned it to you" in mail.body

    for _ in range(100):
        order = await world.order(order_id)
        if (order.get("pending") or {}).get("approver_id") == "bob":
            break
        await world.bus.settle(0.05)
    assert order["pending"]["approver_id"] == "bob"
    assert "level 1 reassigned from mary to bob by root" in [h["note"] for h in order["history"]]

    # The old approver can no longer decide it; the new one can.
    assert (await world.approve(pending, by="mary")).body["reason"] == "not_the_approver"
    assert (await world.approve(pending, by="bob")).type == "ApprovalApproved"
    await world.order_status(order_id, "approved")


async def test_a_level_for_a_named_admin_moves_only_to_an_admin(world: World):
    vendor = unique("V")
    await world.assign(await world.cycle(named("ann")), vendor)
    order_id = await world.submitted_order(party_id=vendor)
    pending = await world.pending(order_id, 1)
    assert pending["approver"]["user_id"] == "ann"

    refused = await upsert(world, "ann", admin=True, active=False, reassign_to="bob")
    assert refused.body["reason"] == "invalid_reassignment"
    assert "bob is not one: name an active admin" in refused.body["detail"]
    moved = await upsert(world, "ann", admin=True, active=False, reassign_to="adam")
    assert moved.body["reassigned_requests"] == [pending["request_id"]]
    # The requests move once the user's change is saved: the move has its own event.
    await world.bus.wait_for("approval.reassigned", lambda b: b["order_id"] == order_id)
    assert (await world.approve(pending, by="adam")).type == "ApprovalApproved"


async def test_reassign_to_without_deactivating_is_invalid(world: World):
    message_id = str(uuid4())
    body = {
        "message_id": message_id,
        "user_id": "mary",
        "name": "Mary Manager",
        "reassign_to": "bob",
        "changed_by": "root",
    }
    await world.bus.send_raw(
        names.COMMANDS,
        UpsertUser.routing_key,
        json.dumps(body).encode(),
        reply=True,
        message_id=message_id,
        person="root",
    )
    reply = await world.bus.reply_for_id(message_id)
    assert reply.body["reason"] == "invalid_message"
    assert "reassign_to is for deactivating a user" in reply.body["detail"]


async def both_at_once(world: World, *commands: UpsertUser) -> list[Received]:
    """Send the commands together (each may reach another replica): answers in order."""
    for command in commands:
        await world.bus.send(command, reply=True)
    return [await world.bus.reply_for(command) for command in commands]


async def test_changes_sent_at_once_cannot_together_make_a_loop(world: World):
    answers = await both_at_once(
        world,
        UpsertUser(user_id="mary", name="Mary", manager_id="bob", changed_by="root"),
        UpsertUser(user_id="bob", name="Bob", manager_id="mary", changed_by="root"),
    )
    assert sorted(str(a.type) for a in answers) == ["CommandRejected", "UserUpserted"]
    [refused] = [a for a in answers if a.type == "CommandRejected"]
    assert refused.body["reason"] == "manager_cycle"


async def test_admins_deactivated_at_once_leave_one_active(world: World):
    answers = await both_at_once(
        world,
        UpsertUser(user_id="adam", name="Adam", admin=True, active=False, changed_by="root"),
        UpsertUser(user_id="ann", name="Ann", admin=True, active=False, changed_by="root"),
    )
    assert sorted(str(a.type) for a in answers) == ["CommandRejected", "UserUpserted"]
    [refused] = [a for a in answers if a.type == "CommandRejected"]
    assert refused.body["reason"] == "last_admin"
    active = await world.approval_db.users.count_documents({"admin": True, "active": True})
    assert active == 1

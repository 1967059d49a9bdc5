"""omsctl as an operator runs it: a subprocess against the five services as processes."""

from __future__ import annotations

import json

from omsctl.outcome import Exit
from shared.access.keys import development_private_jwk
from tests.support.factories import unique
from tests.support.omsctl import omsctl, purchase_cycle, until
from tests.support.servers import ROOT
from tests.support.services import free_port
from tests.support.smtp import SmtpServer


def documented_commands() -> set[str]:
    """Every command the AsyncAPI documents describe (what outside callers see)."""
    keys = set()
    for path in (ROOT / "docs" / "asyncapi").glob("*.json"):
        document = json.loads(path.read_text())
        for operation in document["operations"].values():
            if operation["action"] == "receive" and "x-oms-senders" in operation:
                channel = document["channels"][operation["channel"]["$ref"].split("/")[-1]]
                keys.add(channel["address"])
    return keys


async def test_every_documented_command_can_be_sent(omsctl_env: dict[str, str]) -> None:
    listed = await omsctl(omsctl_env, "--json", "commands", "list")
    assert listed.code == 0, listed
    keys = {row["routing_key"] for row in listed.json}
    assert keys == documented_commands()
    helped = await omsctl(omsctl_env, "send", "order.close_short", "--help")
    assert "--closed-by" in helped.out
    assert "order.completed" in helped.out


async def test_an_approval_cycle_driven_from_the_command_line(
    omsctl_env: dict[str, str], system_smtp: SmtpServer
) -> None:
    env = omsctl_env
    manager, clerk, vendor, runs = await purchase_cycle(env, lambda manager: [manager])
    assert all(run.out.startswith("done: ") for run in runs)

    order = unique("PO")
    created = await omsctl(
        env,
        "--as",
        clerk,
        "--json",
        "orders",
        "create",
        order,
        "--vendor",
        vendor,
        "--branch",
        "NORTH",
        "--currency",
        "USD",
        "--line",
        "BOLT:500:0.12",
        "--line",
        "NUT:100:0.05",
    )
    assert created.code == Exit.DONE, created
    assert created.json["event"] == "order.created"
    assert created.json["answer"]["total"] == "65.00"
    assert (await omsctl(env, "--as", clerk, "orders", "submit", order)).code == Exit.DONE

    inbox = await until(
        env, lambda rows: len(rows) == 1, "approvals", "list", "--approver", manager
    )
    request = inbox.json[0]["id"]

    refused = await omsctl(env, "--as", clerk, "approvals", "approve", request)
    assert refused.code == Exit.REFUSED, refused
    assert "self_approval" in refused.err
    refused_json = await omsctl(env, "--as", clerk, "--json", "approvals", "approve", request)
    assert refused_json.json["reason"] == "self_approval"
    assert refused_json.json["detail"]

    approved = await omsctl(
        env, "--as", manager, "approvals", "approve", request, "--notes", "fine"
    )
    assert approved.code == Exit.DONE, approved
    assert "approval.approved" in approved.out

    shown = await until(env, lambda order: order["status"] == "approved", "orders", "show", order)
    assert [line["sku"] for line in shown.json["lines"]] == ["BOLT", "NUT"]
    listed = await omsctl(
        env, "--json", "orders", "list", "--status", "approved", "--party", vendor
    )
    assert [row["order_id"] for row in listed.json] == [order]
    assert listed.json[0]["total"] == "65.00"
    table = await omsctl(env, "orders", "list", "--party", vendor)
    assert order in table.out
    assert "approved" in table.out
    timeline = await omsctl(env, "orders", "timeline", order)
    assert timeline.code == Exit.DONE
    for event in ("order.created", "order.submitted", "approval.pending", "approval.approved"):
        assert event in timeline.out, timeline
    directory = await omsctl(env, "--json", "users", "list")
    assert {manager, clerk} <= {user["id"] for user in directory.json}
    queried = await omsctl(env, "--json", "query", "order", "/orders/timeline", f"order_id={order}")
    assert queried.json["status"] == "approved"
    assert (await omsctl(env, "query", "nowhere", "/x")).code == Exit.USAGE
    await system_smtp.wait_for(f"{manager}@example.com")
    operator = {**env, "OMSCTL_QUERY_KEY": json.dumps(development_private_jwk("operator"))}
    mails = await until(
        operator,  # recipients' addresses are shown to operators only
        lambda rows: any(r["to"] == f"{manager}@example.com" for r in rows),
        "emails",
        "list",
        "--order",
        order,
    )
    assert mails.json[0]["status"] == "sent"
    hidden = await omsctl(env, "--json", "emails", "list", "--order", order)
    assert {row["to"] for row in hidden.json} == {"(hidden)"}


async def test_exit_codes_scripts_rely_on(omsctl_env: dict[str, str]) -> None:
    env = omsctl_env
    invalid = await omsctl(env, "send", "order.submit", "--order-id", "no spaces!")
    assert invalid.code == Exit.INVALID, invalid
    assert "order_id" in invalid.err
    not_json = await omsctl(env, "send", "order.create_sales_order", "--lines", "[{")
    assert not_json.code == Exit.INVALID, not_json

    unknown = await omsctl(env, "--as", "alice", "orders", "submit", unique("PO"))
    assert unknown.code == Exit.REFUSED, unknown
    assert "unknown_order" in unknown.err

    missing = await omsctl(env, "orders", "show", unique("PO"))
    assert missing.code == Exit.NOT_FOUND, missing

    usage = await omsctl(env, "orders", "create", "X")
    assert usage.code == Exit.USAGE

    closed = f"http://127.0.0.1:{free_port()}"
    down = await omsctl(env, "orders", "list", OMSCTL_ORDER_URL=closed)
    assert down.code == Exit.UNREACHABLE, down
    assert "does not answer" in down.err
    broker = f"amqp://backoffice:backoffice-dev@127.0.0.1:{free_port()}/oms"
    no_broker = await omsctl(env, "--json", "orders", "submit", "PO-1", OMSCTL_AMQP_URL=broker)
    assert no_broker.code == Exit.UNREACHABLE, no_broker
    assert no_broker.json["outcome"] == "unreachable"


async def test_a_command_sent_again_with_its_message_id_is_answered_again(
    omsctl_env: dict[str, str],
) -> None:
    order, message_id = unique("SO"), "6f1c7c44-3c2b-4f59-9a55-0d8a6d0b7e10"
    args = [
        "--json",
        "--as",
        "bob",
        "send",
        "order.create_sales_order",
        "--order-id",
        order,
        "--customer-id",
        "C-1",
        "--branch-id",
        "NORTH",
        "--currency",
        "EUR",
        "--lines",
        '[{"sku": "WIDGET", "quantity": "2", "unit_price": "3.50"}]',
    ]
    first = await omsctl(omsctl_env, *args, "--message-id", message_id)
    again = await omsctl(omsctl_env, *args, "--message-id", message_id)
    assert first.code == again.code == Exit.DONE, (first, again)
    assert first.json["answer"]["message_id"] == again.json["answer"]["message_id"]


async def test_a_cycle_redefined_from_the_command_line_keeps_what_it_does_not_give(
    omsctl_env: dict[str, str],
) -> None:
    env = omsctl_env
    cfo, ann, cycle = unique("cfo"), unique("ann"), unique("CYC")
    for user in (cfo, ann):
        made = await omsctl(
            env, "--as", "root", "send", "approval.upsert_user", "--user-id", user,
            "--name", user, "--admin", "true",
        )  # fmt: skip
        assert made.code == 0, made
    defined = await omsctl(
        env, "--as", "root", "cycles", "define", cycle, "--name", "Sales", "--kind", "sales",
        "--level", "manager", "--level", cfo, "--above", "2=10000", "--above-in", "2:EUR=9000",
        "--fallback", cfo, "--remind-after", "8h", "--escalate-after", "2d",
    )  # fmt: skip
    assert defined.code == 0, defined
    renamed = await omsctl(
        env, "--as", "root", "--json", "cycles", "define", cycle, "--name", "Big sales"
    )
    assert renamed.code == 0, renamed
    assert {"levels", "thresholds", "remind_after", "escalate_after"} <= set(renamed.json["kept"])
    [stored] = (
        await omsctl(env, "--json", "query", "approval", "/cycles", f"cycle_id={cycle}")
    ).json
    assert stored["name"] == "Big sales"
    assert stored["levels"][1]["above"] == "10000"
    assert stored["levels"][1]["above_in"] == {"EUR": "9000"}
    assert (stored["remind_after"], stored["escalate_after"]) == ("PT8H", "P2D")
    assert stored["revision"] == 2

    away = await omsctl(
        env, "--as", cfo, "users", "away", cfo, "--delegate", ann, "--to", "2099-01-01"
    )
    assert away.code == 0, away
    [user] = (await omsctl(env, "--json", "query", "approval", "/users", f"user_id={cfo}")).json
    assert user["away"]["delegate_id"] == ann
    assert (await omsctl(env, "--as", cfo, "users", "back", cfo)).code == 0
    again = await omsctl(env, "--as", cfo, "users", "back", cfo)
    assert again.code == Exit.REFUSED, again
    assert "not_away" in again.err

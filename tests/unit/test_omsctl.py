"""omsctl's pieces that need no server: the command catalogue, option parsing, answers."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from omsctl.approvals import parse_level
from omsctl.catalog import commands, is_structured, type_text
from omsctl.cli import main
from omsctl.context import answered
from omsctl.curated import parse_line
from omsctl.outcome import Exit
from shared.asyncapi import load
from shared.contracts import ApproveRequest, CreatePurchaseOrder, DefineCycle, SubmitOrder
from shared.messaging.client import Answer, login
from shared.registry import SERVICES


def test_the_catalogue_holds_every_command_of_every_service_table() -> None:
    expected = {c.routing_key for entry in SERVICES for c in load(entry.name).commands}
    assert set(commands()) == expected
    assert commands()["order.submit"].service == "order"
    assert commands()["approval.approve"].acting_person == "approver_id"


def test_each_body_field_is_an_option_and_the_envelope_is_not() -> None:
    fields = {field.name: field for field in commands()["order.create_purchase_order"].fields()}
    assert set(fields) == set(CreatePurchaseOrder.model_fields) - {
        "message_id",
        "occurred_at",
        "correlation_id",
        "causation_id",
        "schema_version",
    }
    assert fields["vendor_id"].option == "--vendor-id"
    assert fields["vendor_id"].required
    assert not fields["notes"].required
    assert fields["lines"].structured
    assert not fields["order_id"].structured


def test_structured_fields_and_type_names() -> None:
    assert is_structured(DefineCycle.model_fields["levels"].annotation)
    assert not is_structured(DefineCycle.model_fields["notify_pending"].annotation)
    assert type_text(ApproveRequest.model_fields["level"].annotation) == "integer"
    assert type_text(DefineCycle.model_fields["order_kind"].annotation) == "purchase | sales"
    assert type_text(DefineCycle.model_fields["notify"].annotation) == "true | false"
    assert type_text(DefineCycle.model_fields["levels"].annotation).startswith("list of LevelRule")
    assert type_text(SubmitOrder.model_fields["order_id"].annotation) == "text"


def test_lines_and_levels_from_short_arguments() -> None:
    assert parse_line("BOLT:5:0.12", priced=True) == {
        "sku": "BOLT",
        "quantity": "5",
        "unit_price": "0.12",
    }
    assert parse_line("BOLT:5", priced=True) == {"sku": "BOLT", "quantity": "5"}
    for wrong in ("BOLT", "BOLT::1", "A:1:2:3"):
        with pytest.raises(click.BadParameter):
            parse_line(wrong, priced=True)
    with pytest.raises(click.BadParameter):
        parse_line("BOLT:5:0.12", priced=False)
    assert parse_level("manager") == {"approver": "creator_manager"}
    assert parse_level("cfo") == {"approver": "named_user", "user_id": "cfo"}


def test_answers_become_exit_codes() -> None:
    done = answered("order.submit", "m1", Answer("OrderSubmitted", {"order_id": "PO-1"}))
    assert done.exit is Exit.DONE
    assert done.data["event"] == "order.submitted"
    refusal = {"reason": "order_locked", "detail": "PO-1 is locked", "command_message_id": "m1"}
    refused = answered("order.submit", "m1", Answer("CommandRejected", refusal))
    assert refused.exit is Exit.REFUSED
    assert refused.text == "refused: order.submit (order_locked): PO-1 is locked"
    invalid = answered(
        "order.submit", "m1", Answer("CommandRejected", {**refusal, "reason": "invalid_message"})
    )
    assert invalid.exit is Exit.INVALID
    assert int(Exit.DONE) == 0
    assert len({Exit.REFUSED, Exit.INVALID, Exit.UNREACHABLE, Exit.NOT_FOUND, Exit.USAGE}) == 5


def test_the_caller_is_the_login_of_the_url() -> None:
    assert login("amqp://operator:secret@rabbit:5672/oms") == "operator"


def test_input_that_breaks_the_contract_is_not_sent() -> None:
    result = CliRunner().invoke(
        main,
        [
            "--json",
            "--amqp-url",
            "amqp://nobody:x@127.0.0.1:1/oms",
            "send",
            "approval.approve",
            "--request-id",
            "R-1",
            "--level",
            "two",
        ],
    )
    assert result.exit_code == Exit.INVALID
    errors = json.loads(result.output)["errors"]
    assert [e["field"] for e in errors] == ["level"]

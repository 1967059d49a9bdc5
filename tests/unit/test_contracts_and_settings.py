"""Contracts keep money exact and names unique; settings refuse placeholder secrets."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.notification.domain import Email, EmailStatus
from shared import names
from shared.contracts import (
    AdjustStock,
    CreatePurchaseOrder,
    Message,
    OrderLine,
    ReservedLine,
    utcnow,
)
from shared.contracts.billing import DefinePlan
from shared.contracts.carts import CART_ROUTING_PREFIX
from shared.contracts.parties import INTEGRATION_SENDERS
from shared.registry import SERVICES
from shared.settings import ServiceSettings
from tests.support.factories import purchase_order


def test_money_travels_as_exact_decimal_strings() -> None:
    order = purchase_order(
        lines=[OrderLine(sku="S", quantity=Decimal("0.1"), unit_price=Decimal("0.2"))]
    )
    body = json.loads(order.model_dump_json())
    assert body["lines"][0]["quantity"] == "0.1"
    again = CreatePurchaseOrder.model_validate_json(order.model_dump_json())
    assert again.lines[0].amount == Decimal("0.02")


def _line_json(quantity: str, unit_price: str = '"1.00"') -> str:
    return f'{{"sku": "S", "quantity": {quantity}, "unit_price": {unit_price}}}'


@pytest.mark.parametrize(
    ("text", "value"),
    [('"19.99"', "19.99"), ('"-3"', "-3"), ('"0.5"', "0.5"), ('" 7 "', "7"), ('"000.10"', "0.1")],
)
def test_decimal_strings_are_read_exactly(text: str, value: str) -> None:
    change = AdjustStock.model_validate_json(
        '{"adjustment_id": "A-1", "sku": "S", "location_id": "L", "quantity": '
        + text
        + ', "reason": "count", "adjusted_by": "clerk"}'
    )
    assert change.quantity == Decimal(value)
    if not value.startswith("-"):
        assert OrderLine.model_validate_json(_line_json(text, text)).unit_price == Decimal(value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("19.99", "a JSON number is not accepted"),
        ("1000", "a JSON number is not accepted"),
        ("true", "a JSON number is not accepted"),
        ('"1e3"', "not a plain decimal"),
        ('"NaN"', "not a plain decimal"),
        ('"-Infinity"', "not a plain decimal"),
        ('".5"', "not a plain decimal"),
        ('"+5"', "not a plain decimal"),
        ('"1,5"', "not a plain decimal"),
    ],
)
def test_decimals_in_json_are_only_plain_decimal_strings(text: str, says: str) -> None:
    for wrong in (_line_json(text), _line_json('"1"', text)):
        with pytest.raises(ValidationError, match=says):
            OrderLine.model_validate_json(wrong)
    with pytest.raises(ValidationError, match=says):
        DefinePlan.model_validate_json(
            '{"plan_id": "P", "name": "Basic", "currency": "USD", "interval": "month", '
            f'"defined_by": "admin", "price": {text}}}'
        )


def test_decimals_built_in_python_are_kept_and_always_written_as_plain_strings() -> None:
    line = OrderLine(sku="S", quantity=Decimal("1E+3"), unit_price=2)
    assert (line.quantity, line.unit_price) == (Decimal(1000), Decimal(2))
    assert json.loads(line.model_dump_json())["quantity"] == "1000"
    tiny = ReservedLine(sku="S", needed=Decimal("1E-6"), reserved=Decimal("0E-6"))
    assert json.loads(tiny.model_dump_json()) == {
        "sku": "S",
        "needed": "0.000001",
        "reserved": "0.000000",
    }
    assert tiny.model_dump()["needed"] == Decimal("1E-6")  # storage keeps the Decimal
    with pytest.raises(ValidationError, match="a JSON number is not accepted"):
        OrderLine(sku="S", quantity=0.1, unit_price=Decimal(1))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "dollars"}, "currency"),
        ({"lines": []}, "lines"),
        ({"order_id": "has space"}, "order_id"),
    ],
)
def test_invalid_commands_are_refused_by_the_contract(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        purchase_order(**change)
    assert field in str(error.value)


def test_currency_codes_are_normalised() -> None:
    assert purchase_order(currency=" eur ").currency == "EUR"


def test_every_message_type_has_its_own_routing_key() -> None:
    def all_subclasses(cls: type[Message]) -> list[type[Message]]:
        subs: list[type[Message]] = cls.__subclasses__()
        return [c for sub in subs for c in (sub, *all_subclasses(sub))]

    # The system's contracts (tests may define contracts of their own, e.g. a test service).
    contracts = [c for c in all_subclasses(Message) if c.__module__.startswith("shared.")]
    keys = [c.routing_key for c in contracts if c.routing_key]
    assert len(keys) == len(set(keys))
    for key in keys:
        service, _, verb = key.partition(".")
        if service == CART_ROUTING_PREFIX:  # storefronts publish cart.<storefront_id>.<event>
            assert verb.startswith("*.")
            continue
        if service in INTEGRATION_SENDERS:  # a business system's record: <record>.upserted
            assert verb == "upserted"
            continue
        assert service in {entry.name for entry in SERVICES}
        assert verb


def test_production_refuses_placeholder_passwords() -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        ServiceSettings(environment="production")
    settings = ServiceSettings(
        environment="production",
        amqp_url="amqp://order:s3cr3t-long@rabbit:5672/oms",
        mongodb_url="mongodb://order:an0ther@mongo:27017/",
    )
    assert settings.mongodb_database is None  # the runtime then uses oms_<service>


def test_names_follow_the_conventions() -> None:
    assert names.dead_letter_queue("order.commands") == "order.commands.dlq"
    assert names.command_rejected("approval") == "approval.command_rejected"
    assert names.commands_queue("order") == "order.commands"
    assert names.event_queue("order", "approval.pending") == "order.approval-pending"
    assert names.event_queue("inventory", "order.submitted") == "inventory.order-submitted"


def test_email_retries_back_off_then_fail() -> None:
    email = Email.compose(
        email_id="e",
        kind="k",
        to="a@example.com",
        subject="s",
        body="b",
        source_message_id="m",
        order_id=None,
    )
    waits = []
    for _ in range(3):
        email.attempt_failed("451", permanent=False, max_attempts=4, backoff=timedelta(seconds=10))
        waits.append(round((email.next_attempt_at - utcnow()).total_seconds()))
    assert waits == [10, 20, 40]
    email.attempt_failed("451", permanent=False, max_attempts=4, backoff=timedelta(seconds=10))
    assert email.status is EmailStatus.FAILED
    assert email.attempts == 4

"""The back office's products: the form opens with the stored record and its version, is sent
as inventory.define_item, and the pages show the list, the record and its history."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.backoffice.formats import Formats
from services.backoffice.product_form import product_command, product_values
from services.backoffice.web import TEMPLATES
from shared.contracts import ProductStatus

STORED: dict[str, Any] = {
    "sku": "ROPE",
    "name": "Rope",
    "description": None,
    "unit_of_measure": "m",
    "decimal_places": 1,
    "tax_codes": ["VAT", "CITY"],
    "status": "active",
    "product_group": "ROPES",
    "version": 4,
    "source": "products",
    "history": [
        {
            "version": 4,
            "at": "2026-12-06T09:00:00Z",
            "source": "oms",
            "by": "maria",
            "changes": [{"field": "status", "before": "discontinued", "after": "active"}],
        }
    ],
}


class Admin:
    admin = True
    user_id = "maria"


def render(template: str, **context: Any) -> str:
    context = {"viewer": Admin(), "csrf": "t", "fmt": Formats(), **context}
    return TEMPLATES.env.get_template(template).render(**context)


def test_the_form_opens_with_the_stored_record_and_sends_it_on_its_version() -> None:
    values = product_values(STORED)
    assert values["tax_codes"] == "VAT, CITY"
    assert (values["expected_version"], values["description"]) == ("4", "")
    sent = values | {"status": "discontinued", "tax_codes": " VAT ,, CITY "}
    command = product_command(sent)
    assert command.expected_version == 4
    assert command.status is ProductStatus.DISCONTINUED
    assert (command.tax_codes, command.description, command.decimal_places) == (
        ["VAT", "CITY"],
        None,
        1,
    )


def test_a_new_product_is_sent_without_a_version() -> None:
    values = product_values(None)
    assert (values["expected_version"], values["decimal_places"], values["status"]) == (
        "",
        "0",
        "active",
    )
    command = product_command(values | {"sku": "BOLT", "name": "Bolt", "unit_of_measure": "each"})
    assert command.expected_version is None


@pytest.mark.parametrize(
    ("change", "field"),
    [({"decimal_places": "9"}, "decimal_places"), ({"name": " "}, "name")],
)
def test_a_wrong_form_is_refused_before_it_is_sent(change: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        product_command(product_values(STORED) | change)
    assert refused.value.errors()[0]["loc"] == (field,)


def test_the_pages_show_the_list_the_record_and_its_history() -> None:
    statuses = [s.value for s in ProductStatus]
    listing = render(
        "products.html", query={}, found=[STORED], statuses=statuses, product=product_values(None)
    )
    assert '<a href="/products/ROPE">ROPE</a>' in listing
    assert "VAT, CITY" in listing
    assert "Add a product" in listing
    page = render("product.html", stored=STORED, product=product_values(STORED), statuses=statuses)
    assert "Change product ROPE" in page
    assert 'name="expected_version" value="4"' in page
    assert "status: discontinued → active" in page
    assert "maria" in page


def test_the_order_page_shows_what_the_order_was_flagged_for() -> None:
    order = {
        "order_id": "SO-1",
        "kind": "sales",
        "status": "draft",
        "party_id": "C-1",
        "branch_id": "B-1",
        "currency": "EUR",
        "created_by": "maria",
        "lines": [],
        "history": [],
        "attempt": 0,
        "flags": [{"reason": "discontinued_product", "detail": "OLD is a discontinued product"}],
    }
    page = render("order.html", order=order, timeline=[], requests=[])
    assert "Flagged" in page
    assert "discontinued product: OLD is a discontinued product" in page
    assert "Accepted as the branch allows" in page

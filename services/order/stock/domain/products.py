"""What orders take from product records: discontinued products, and default tax codes.

The order service keeps a copy of each product (``inventory.item_defined``). A sales order with
a discontinued product is refused (``discontinued_product``) when its branch refuses orders
that break a record's rule (``unknown_party: refuse``), else accepted and flagged on the order.
A purchase order is only ever flagged: buying a discontinued product (the last units for a
customer, a replacement part) is unusual, not wrong, so a person is warned, not stopped.

An order line that names no tax codes takes its product's default tax codes; a line that names
some keeps them. A product with none changes nothing (such lines stay untaxed, as before).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from services.order.stock.domain.quantities import Counted
from shared.contracts import OrderKind, OrderLineInput
from shared.contracts.parties import OrderFlag
from shared.domain import DomainError

DISCONTINUED = "discontinued_product"


class DiscontinuedProduct(DomainError):
    """A sales order names a discontinued product, at a branch that refuses orders breaking a
    record's rule (order.configure_branch's unknown_party: refuse): take the line out, or
    replace the product."""

    reason = DISCONTINUED


def discontinued_in(skus: Iterable[str], products: Mapping[str, Counted]) -> list[str]:
    """The discontinued products among ``skus``, each once, in sku order."""
    return sorted({sku for sku in skus if (known := products.get(sku)) and known.discontinued})


def discontinued_flags(
    kind: OrderKind, discontinued: Sequence[str], *, branch_refuses: bool
) -> list[OrderFlag]:
    """Refuse a sales order at a refusing branch; otherwise one flag per discontinued sku."""
    if discontinued and branch_refuses and kind is OrderKind.SALES:
        named = ", ".join(discontinued)
        raise DiscontinuedProduct(
            f"{named} {'is' if len(discontinued) == 1 else 'are'} discontinued: this branch "
            "takes no sales orders for discontinued products. Take the line out or choose "
            "another product."
        )
    return [
        OrderFlag(reason=DISCONTINUED, detail=f"{sku} is a discontinued product")
        for sku in discontinued
    ]


def with_product_tax_codes(
    lines: Sequence[OrderLineInput], products: Mapping[str, Counted]
) -> list[OrderLineInput]:
    """Each line that names no tax codes takes its product's defaults (if it has any)."""
    return [
        line.model_copy(update={"tax_codes": list(product.tax_codes)})
        if not line.tax_codes and (product := products.get(line.sku)) and product.tax_codes
        else line
        for line in lines
    ]

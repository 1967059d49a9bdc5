"""Credit limits in approval: the credit check a sales order's request carries, and the
approval-wide credit approver.

The approval service keeps each customer's credit limit from ``order.customer_recorded`` and
their open exposure from the order and billing events it sees. A sales order whose total
takes the exposure above the limit waits, after the levels of its cycle (or as the only level
when the customer is in no cycle), for the credit approver: the cycle's
(``approval.define_cycle``'s ``credit_approver_id``) or, without one, the approval-wide one
(``approval.configure_credit``).

Exposure, per customer, in the customer's currency: for each open sales order (submitted and
not rejected, cancelled or fully settled), its total minus what has been settled on its
invoices (paid plus credited minus refunded; a voided or written-off invoice counts as settled
in full). An order is counted once, with its latest attempt's total. An order in another
currency is converted at the approval service's OMS_APPROVAL_RATES (through its base
currency) and rounded to the customer's currency's minor unit, half to even; one that cannot be
converted is not counted and is always sent to the credit approver.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import Command, Event
from shared.contracts.common import AS_TEXT, FROM_TEXT, CurrencyCode, Identifier

Money = Annotated[Decimal, FROM_TEXT, AS_TEXT]


class CreditCheck(BaseModel):
    """A sales order's credit check: the customer's limit, their exposure before and after
    this order, and by how much the limit is exceeded."""

    model_config = ConfigDict(frozen=True)

    limit: Money = Field(description="the customer's credit limit (order.customer_recorded)")
    currency: CurrencyCode = Field(description="the customer's currency, of every amount here")
    exposure: Money = Field(
        description="the customer's open exposure before this order (the order's own earlier "
        "attempts not counted)"
    )
    exposure_after: Money = Field(description="exposure plus this order's total, converted")
    over_by: Money = Field(
        description="exposure_after minus limit when above it, else 0: the amount the credit "
        "approver is asked to allow"
    )
    applies: bool = Field(
        description="true: the order goes to the credit approver (exposure_after is above the "
        "limit, or the order's currency could not be converted); at the limit it does not"
    )
    why: str = Field(description="the comparison made, in words")
    approver_id: Identifier | None = Field(
        default=None,
        description="the credit approver it goes to when applies (the cycle's, else the "
        "approval-wide one); absent when none is configured (the request is then rejected, "
        "saying so) or when it does not apply",
    )
    level: int | None = Field(
        default=None, ge=1, le=3, description="the request's level that is the credit check"
    )


class ConfigureCredit(Command):
    """Name the approval-wide credit approver: who approves a sales order over its customer's
    credit limit when the customer is in no cycle, or in a cycle with no credit approver of
    its own. Applies to orders submitted afterwards."""

    ordering_key: ClassVar[str | None] = None
    routing_key: ClassVar[str] = "approval.configure_credit"
    answered_by: ClassVar[tuple[str, ...]] = ("approval.credit_configured",)
    acting_person: ClassVar[str | None] = "configured_by"
    credit_approver_id: Identifier | None = Field(
        description="an active admin-level user of the approval directory (unknown_user, "
        "approver_not_admin); null: no approval-wide credit approver (an order over its limit "
        "whose cycle names none is then rejected, saying why)"
    )
    configured_by: Identifier


class CreditConfigured(Event):
    """The approval-wide credit approver, as it now is."""

    routing_key: ClassVar[str] = "approval.credit_configured"
    credit_approver_id: Identifier | None
    configured_by: Identifier
    revision: int = Field(ge=1, description="1, then one more at each change")

"""Credit: customers' records and the open exposure approval keeps from events, and the
approval-wide credit approver.

Approval holds a customer's credit record once ``order.customer_recorded`` told it of them;
from then on it counts their sales orders (``domain.credit``). Orders submitted before approval
knew the customer are not counted: exposure is "as far as OMS knows it". Billing's invoice
events each carry the invoice's totals as they now are, so a late or repeated one is
recognised by its time and changes nothing.
"""

from __future__ import annotations

from decimal import Decimal

import structlog

from services.approval.domain.credit import (
    SETTINGS_ID,
    CreditSettings,
    CustomerCredit,
    credit_id,
)
from services.approval.repository import ApprovalStores
from services.approval.routing import Plan, Router
from shared.contracts import (
    ConfigureCredit,
    CreditCheck,
    CustomerRecorded,
    OrderKind,
    OrderSubmitted,
)
from shared.contracts.base import Message
from shared.contracts.invoices import (
    InvoiceUncollectible,
    InvoiceVoided,
    PaymentRecorded,
)
from shared.contracts.receivables import (
    CreditNoteIssued,
    CustomerPaymentRecorded,
    RefundRecorded,
)

log = structlog.get_logger(__name__)

InvoiceEvent = (
    CustomerPaymentRecorded
    | CreditNoteIssued
    | RefundRecorded
    | PaymentRecorded
    | InvoiceVoided
    | InvoiceUncollectible
)


class CreditHandlers:
    stores: ApprovalStores
    router: Router

    async def customer_recorded(self, event: CustomerRecorded) -> None:
        """Keep the customer's credit limit, currency, status and name; an event whose version
        is not above the one held is ignored (logged)."""
        taken: list[bool] = []

        def create() -> CustomerCredit:
            customer = CustomerCredit(
                id=credit_id(event.customer_id), customer_id=event.customer_id
            )
            customer.take_record(event.version, event.record)
            return customer

        def change(customer: CustomerCredit) -> None:
            taken.append(customer.take_record(event.version, event.record))

        await self.stores.customers.create_or_change(
            credit_id(event.customer_id), event, create=create, change=change
        )
        if taken and not taken[-1]:
            log.info(
                "customer_record_ignored",
                customer_id=event.customer_id,
                version=event.version,
                reason="not newer than the version held",
            )

    async def configure_credit(self, cmd: ConfigureCredit) -> None:
        """Name (or clear) the approval-wide credit approver: an active admin."""
        users = await self.stores.directory.get([cmd.credit_approver_id])

        def configure(settings: CreditSettings) -> None:
            settings.configure(cmd.credit_approver_id, by=cmd.configured_by, users=users)

        def create() -> CreditSettings:
            settings = CreditSettings(id=SETTINGS_ID)
            configure(settings)
            return settings

        await self.stores.settings.create_or_change(
            SETTINGS_ID, cmd, create=create, change=configure
        )

    async def invoice_settled(self, event: InvoiceEvent) -> None:
        """A payment, credit note, refund, void or write-off: what is settled on the invoice
        now lowers (or, refunded, raises) its order's part of the customer's exposure."""
        if isinstance(event, InvoiceVoided | InvoiceUncollectible):
            settled = Decimal(event.total)
        else:
            settled = Decimal(event.total) - Decimal(event.balance)
        customer = await self.stores.customers.get(credit_id(event.customer_id))
        if customer is None or not customer.counts(event.order_id):
            return
        await self.stores.customers.change(
            customer.id,
            event,
            lambda c: c.settle(event.order_id, event.invoice_id, settled, event.occurred_at),
            missing=lambda: LookupError(event.customer_id),
        )

    async def count_order(self, event: OrderSubmitted, plan: Plan) -> Plan:
        """Count the order in its customer's exposure, checking it against the limit in the
        same write (two orders of one customer at once cannot both pass on the same room)."""
        if plan.customer is None or event.kind is not OrderKind.SALES:
            return plan
        checked: list[CreditCheck | None] = []

        def count(customer: CustomerCredit) -> None:
            rates = self.router.rates
            checked.append(customer.check(event.order_id, event.total, event.currency, rates))
            customer.open_order(event.order_id, event.attempt, event.total, event.currency, rates)

        changed = await self.stores.customers.change(
            plan.customer.id, event, count, missing=lambda: LookupError(event.party_id)
        )
        if changed is None:  # a redelivery: the check as read
            return plan
        credit = await self.router.with_approver(checked[-1], plan.cycle)
        return Plan(plan.cycle, plan.routing, changed, credit)

    async def uncount_order(
        self, kind: OrderKind, party_id: str, order_id: str, cause: Message, *, attempt: int | None
    ) -> None:
        """A rejected attempt (``attempt``) or a cancelled order no longer counts in the
        exposure."""
        if kind is not OrderKind.SALES:
            return
        customer = await self.stores.customers.get(credit_id(party_id))
        if customer is None or not customer.counts(order_id):
            return
        await self.stores.customers.change(
            customer.id,
            cause,
            lambda c: c.close_order(order_id, attempt=attempt),
            missing=lambda: LookupError(party_id),
            key=f"{cause.message_id}:uncount",
        )

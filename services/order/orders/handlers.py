"""One handler per command or event: load the order, call it, save it."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from services.order.orders.domain.errors import OrderExists, UnknownOrder
from services.order.orders.domain.order import Order
from services.order.orders.domain.status import OrderStatus
from services.order.orders.repository import Admins
from services.order.parties.domain.checks import (
    PartyTerms,
    order_defaults,
    purchase_terms,
    sales_terms,
    with_price_list,
)
from services.order.parties.ports import Parties
from services.order.pricing.handlers import PricingConfiguration
from services.order.stock.domain.products import (
    DISCONTINUED,
    discontinued_flags,
    discontinued_in,
    with_product_tax_codes,
)
from services.order.stock.domain.quantities import numbered
from services.order.stock.ports import BranchRules, Items, StockAssessor
from shared.contracts import (
    LEGACY_STOREFRONT,
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    CancelOrder,
    CloseOrderShort,
    CreatePurchaseOrder,
    CreateSalesOrder,
    Event,
    GoodsIssued,
    GoodsReceived,
    Message,
    OrderKind,
    OrderLineInput,
    PricingTerms,
    ReservationConfirmed,
    ReservationReleased,
    StockReserved,
    SubmitOrder,
    UpdateOrder,
    UserUpserted,
    WhenStockShort,
    utcnow,
)
from shared.contracts.parties import CustomerRecord, OrderFlag, UnknownParty, VendorRecord
from shared.contracts.receipts import ReceiptHeld, ReceiptRefused
from shared.storage.store import Store


class OrderHandlers:
    def __init__(
        self,
        orders: Store[Order],
        admins: Admins,
        *,
        stock: StockAssessor,
        branches: BranchRules,
        items: Items,
        pricing: PricingConfiguration,
        parties: Parties,
    ) -> None:
        self.orders = orders
        self.admins = admins
        self.stock = stock
        self.branches = branches
        self.items = items
        """How finely each item is counted: every quantity taken is checked against it."""
        self.pricing = pricing
        """Tax rates, price lists and storefronts' prices."""
        self.parties = parties
        """Customer and vendor records, as lately seen: every order is checked against its
        party's, at create, update and submit."""

    async def _party(
        self, kind: OrderKind, party_id: str, *, currency: str, branch_id: str, day: date
    ) -> PartyTerms:
        """What the order's customer or vendor says: refused at a branch that refuses orders
        whose party breaks a rule, else the findings (flags) and the record's defaults."""
        policy = await self.branches.unknown_party(branch_id)
        if kind is OrderKind.SALES:
            customer = await self.parties.customer(party_id)
            return sales_terms(
                customer,
                customer_id=party_id,
                currency=currency,
                policy=policy,
                branch_id=branch_id,
                day=day,
            )
        vendor = await self.parties.vendor(party_id)
        return purchase_terms(
            vendor, vendor_id=party_id, currency=currency, policy=policy, branch_id=branch_id
        )

    async def _defaults(
        self, kind: OrderKind, party_id: str, branch_id: str | None, currency: str | None
    ) -> tuple[str, str]:
        """The new order's branch and currency: as it names them, else its party's record's
        (looked up only when one is left out)."""
        if branch_id is not None and currency is not None:
            return branch_id, currency
        if kind is OrderKind.SALES:
            record: CustomerRecord | VendorRecord | None = await self.parties.customer(party_id)
            party = f"customer {party_id}"
        else:
            record, party = await self.parties.vendor(party_id), f"vendor {party_id}"
        return order_defaults(record, party=party, branch_id=branch_id, currency=currency)

    async def _apply(
        self, order_id: str, cause: Message, mutate: Callable[[Order], object | Awaitable[object]]
    ) -> None:
        """Apply ``cause`` to the order it names, once; refuse it if there is no such order.
        Another service's event goes on the order's timeline (the order's own are put there as
        they are recorded)."""

        async def apply(order: Order) -> None:
            if inspect.isawaitable(outcome := mutate(order)):
                await outcome
            if isinstance(cause, Event):
                order.saw(cause)

        await self.orders.change(order_id, cause, apply, missing=lambda: UnknownOrder(order_id))

    async def create(
        self,
        cmd: CreatePurchaseOrder | CreateSalesOrder,
        *,
        storefront_id: str | None = None,
        cart_id: str | None = None,
    ) -> None:
        """Create a draft; a redelivered create is ignored, a second one for the id refused.
        A storefront's sales order (the ``storefront`` caller's, or a cart's checkout naming
        ``storefront_id``) is priced from the storefront's price list, not from the body."""
        availability, when_short = None, WhenStockShort.ALLOW
        lines: Sequence[OrderLineInput] = cmd.lines
        terms = cmd.pricing or PricingTerms()
        held: list[str] = []
        kind, party_id = (
            (OrderKind.PURCHASE, cmd.vendor_id)
            if isinstance(cmd, CreatePurchaseOrder)
            else (OrderKind.SALES, cmd.customer_id)
        )
        branch_id, currency = await self._defaults(kind, party_id, cmd.branch_id, cmd.currency)
        if isinstance(cmd, CreateSalesOrder):
            if (storefront_id := storefront_id or _storefront_caller(cmd)) is not None:
                prices = await self.pricing.storefront_prices(storefront_id)
                lines, held = prices.lines(cmd.lines)
                terms = prices.terms(cmd.pricing)
            availability = await self.stock.assess(branch_id, lines)
            when_short = await self.branches.when_stock_short(branch_id)
        party = await self._party(
            kind, party_id, currency=currency, branch_id=branch_id, day=utcnow().date()
        )
        terms = with_price_list(terms, lines, party)
        products = await self.items.check(numbered(lines))
        lines = with_product_tax_codes(lines, products)
        flags = await self._product_flags(
            kind, branch_id, discontinued_in((line.sku for line in lines), products)
        )
        order = Order.create(
            order_id=cmd.order_id,
            kind=kind,
            party_id=party_id,
            branch_id=branch_id,
            created_by=cmd.created_by,
            currency=currency,
            lines=lines,
            notes=cmd.notes,
            pricing=terms,
            price_list=await self.pricing.price_list(terms.price_list_id),
            rates=await self.pricing.rates_for(lines, utcnow()),
            availability=availability,
            when_stock_short=when_short,
            held_items=held,
            cart_id=cart_id,
            party=party,
        )
        order.flag(DISCONTINUED, flags)
        if not await self.orders.add_once(order, cause=cmd, last_step=True):
            raise OrderExists(f"Order {cmd.order_id} already exists.")

    async def update(self, cmd: UpdateOrder) -> None:
        new_lines: list[OrderLineInput] | None = None
        if cmd.lines is not None:
            products = await self.items.check(numbered(cmd.lines))
            new_lines = with_product_tax_codes(cmd.lines, products)

        async def update(order: Order) -> None:
            party = None  # a locked order is refused as such, whatever its party
            if not order.locked:
                party = await self._party(
                    order.kind,
                    order.party_id,
                    currency=cmd.currency or order.currency,
                    branch_id=cmd.branch_id or order.branch_id,
                    day=order.created_at.date(),
                )
            terms = cmd.pricing or order.terms
            availability, when_short = None, WhenStockShort.ALLOW
            if order.changes_stock_need(new_lines, cmd.branch_id):
                branch_id = cmd.branch_id or order.branch_id
                availability = await self.stock.assess(branch_id, new_lines or order.lines)
                when_short = await self.branches.when_stock_short(branch_id)
            order.update(
                by=cmd.updated_by,
                lines=new_lines,
                branch_id=cmd.branch_id,
                currency=cmd.currency,
                notes=cmd.notes,
                by_admin=await self._admin_reworking(order, cmd.updated_by),
                pricing=cmd.pricing,
                price_list=await self.pricing.price_list(terms.price_list_id),
                rates=await self.pricing.rates_for(new_lines or order.lines, utcnow()),
                availability=availability,
                when_stock_short=when_short,
                party=party,
            )
            order.flag(DISCONTINUED, await self._discontinued_flags(order))

        await self._apply(cmd.order_id, cmd, update)

    async def submit(self, cmd: SubmitOrder) -> None:
        async def submit(order: Order) -> None:
            by_admin = await self._admin_reworking(order, cmd.submitted_by)
            flags = None  # a locked order is refused as such, whatever its party
            if not order.locked:
                party = await self._party(
                    order.kind,
                    order.party_id,
                    currency=order.currency,
                    branch_id=order.branch_id,
                    day=order.created_at.date(),
                )
                flags = party.flags
            refuses_short = (
                order.kind is OrderKind.SALES
                and await self.branches.when_stock_short(order.branch_id) is WhenStockShort.REFUSE
            )
            order.submit(
                by=cmd.submitted_by,
                by_admin=by_admin,
                hold_stock=refuses_short,
                command_id=cmd.message_id,
                flags=flags,
            )
            order.flag(DISCONTINUED, await self._discontinued_flags(order))

        await self._apply(cmd.order_id, cmd, submit)

    async def _discontinued_flags(self, order: Order) -> list[OrderFlag]:
        """The order's discontinued products (from a list read now and then, not per order),
        checked after the change: a refusal leaves the order as it was."""
        discontinued = await self.items.discontinued(line.sku for line in order.lines)
        return await self._product_flags(order.kind, order.branch_id, discontinued)

    async def _product_flags(
        self, kind: OrderKind, branch_id: str, discontinued: list[str]
    ) -> list[OrderFlag]:
        """Refused, or flagged, as the branch says (its setting is read only when needed)."""
        if not discontinued:
            return []
        refuses = await self.branches.unknown_party(branch_id) is UnknownParty.REFUSE
        return discontinued_flags(kind, discontinued, branch_refuses=refuses)

    async def _admin_reworking(self, order: Order, by: str) -> bool:
        """Whether someone else than the creator reworking a rejected order is an admin (asked
        only then)."""
        if order.status is not OrderStatus.REJECTED or by == order.created_by:
            return False
        return await self.admins.is_admin(by)

    async def user_upserted(self, event: UserUpserted) -> None:
        """Learn who is an admin, for the rule on reworking rejected orders."""
        await self.admins.learn(
            event.user_id, admin=event.admin, active=event.active, at=event.occurred_at
        )

    async def cancel(self, cmd: CancelOrder) -> None:
        await self._apply(
            cmd.order_id,
            cmd,
            lambda order: order.cancel(by=cmd.cancelled_by, reason=cmd.reason),
        )

    async def close_short(self, cmd: CloseOrderShort) -> None:
        await self._apply(
            cmd.order_id, cmd, lambda order: order.close_short(by=cmd.closed_by, reason=cmd.reason)
        )

    async def approval_pending(self, event: ApprovalPending) -> None:
        """A level waits for its approver (after the levels decided before it); an
        ``approval.reassigned`` moved it from an approver who left."""
        await self._apply(
            event.order_id,
            event,
            lambda order: order.mark_pending(
                attempt=event.attempt,
                level=event.level,
                levels=event.levels,
                approver_id=event.approver.user_id,
                approver_name=event.approver.name,
                decisions=event.decisions,
                at=event.occurred_at,
                reassigned=(event.previous_approver.user_id, event.reassigned_by)
                if isinstance(event, ApprovalReassigned)
                else None,
            ),
        )

    async def approval_approved(self, event: ApprovalApproved) -> None:
        await self._apply(
            event.order_id,
            event,
            lambda order: order.approve(
                attempt=event.attempt,
                note=event.basis.value,
                decisions=event.decisions,
                decision=event,
            ),
        )

    async def approval_rejected(self, event: ApprovalRejected) -> None:
        await self._apply(
            event.order_id,
            event,
            lambda order: order.reject(
                attempt=event.attempt,
                level=event.level,
                approver_id=event.approver.user_id,
                notes=event.notes,
                decisions=event.decisions,
                decision=event,
            ),
        )

    async def goods_received(self, event: GoodsReceived) -> None:
        """Count a receipt against the PO; fully received when every line is."""
        await self._apply(
            event.order_id,
            event,
            lambda order: order.record_delivery(
                document_id=event.receipt_id,
                location_id=event.location_id,
                lines=event.lines,
                by=event.received_by,
                to_date=event.order_lines,
            ),
        )

    async def receipt_noted(self, event: ReceiptHeld | ReceiptRefused) -> None:
        """A receipt beyond the PO's tolerance was held for approval, or refused: it goes on the
        order's timeline (an approved one arrives as ``inventory.goods_received``)."""
        await self._apply(event.order_id, event, lambda order: None)

    async def goods_issued(self, event: GoodsIssued) -> None:
        """Count an issue against the SO; what is left is its backorder, none left completes it."""
        await self._apply(
            event.order_id,
            event,
            lambda order: order.record_delivery(
                document_id=event.issue_id,
                location_id=event.location_id,
                lines=event.lines,
                by=event.issued_by,
                to_date=event.order_lines,
            ),
        )

    async def stock_validated(self, event: StockReserved | ReservationConfirmed) -> None:
        """Show whether a sales order's stock is confirmed or short (and whether firmly held)."""
        await self._apply(
            event.order_id,
            event,
            lambda order: order.record_stock(
                attempt=event.attempt,
                status=event.stock_status,
                firm=isinstance(event, ReservationConfirmed),
                location_id=event.location_id,
                lines=event.lines,
                at=event.occurred_at,
            ),
        )

    async def reservation_released(self, event: ReservationReleased) -> None:
        await self._apply(
            event.order_id,
            event,
            lambda order: order.record_stock_released(
                attempt=event.attempt,
                reason=event.reason.value,
                at=event.occurred_at,
                lines=event.lines,
            ),
        )


def _storefront_caller(cmd: CreateSalesOrder) -> str | None:
    """The storefront whose prices a command from the ``storefront`` caller takes."""
    sender = cmd.delivery.sender if cmd.delivery else None
    return LEGACY_STOREFRONT if sender == LEGACY_STOREFRONT else None

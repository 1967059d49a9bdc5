"""The order aggregate: what may happen to a purchase or sales order, and in which state.

An order is edited while it is a draft or after a rejection; submitting it locks it and starts
a new approval attempt; the approval service's decision moves it on; inventory's receipts and
issues complete it. Every status change is kept in ``history`` with when, who and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import Field

from services.order.common.domain.timeline import TIMELINE_LIMIT, TimelineEntry, entry
from services.order.orders.domain.errors import InvalidTransition, NotTheCreator, OrderLocked
from services.order.orders.domain.fulfilment import (
    Delivery,
    LineFulfilment,
    StockCheck,
    StockState,
    all_fulfilled,
    describe,
    spread,
)
from services.order.orders.domain.status import (
    CANCELLABLE,
    CLOSABLE,
    EDITABLE,
    PARTLY_DONE,
    HistoryEntry,
    OrderStatus,
    PendingApproval,
    Rejection,
    StockHold,
    StockRefusal,
)
from services.order.parties.domain.checks import PartyTerms
from services.order.pricing.domain.configuration import PriceList, price_order
from services.order.pricing.domain.storefront import ItemsHeld
from services.order.stock.domain.availability import InsufficientStock, check
from shared.contracts import (
    ApprovalApproved,
    ApprovalRejected,
    Availability,
    Event,
    LevelDecision,
    LineAvailability,
    LineProgress,
    Message,
    OrderApproved,
    OrderCancelled,
    OrderCompleted,
    OrderCreated,
    OrderKind,
    OrderLine,
    OrderLineInput,
    OrderRejected,
    OrderStockHoldRefused,
    OrderStockHoldRequested,
    OrderSubmitted,
    OrderUpdated,
    PricedDocument,
    PricingTerms,
    ReleaseReason,
    ReservedLine,
    StockAvailability,
    StockLine,
    StockStatus,
    SubmitOrder,
    TaxRate,
    WhenStockShort,
    round_money,
    utcnow,
)
from shared.contracts.orders import OrderCommandRejected
from shared.contracts.parties import OrderFlag
from shared.domain import Aggregate


class Order(Aggregate):
    kind: OrderKind
    party_id: str
    branch_id: str
    created_by: str
    currency: str
    lines: list[OrderLine]
    notes: str | None = None
    status: OrderStatus = OrderStatus.DRAFT
    attempt: int = 0
    pending: PendingApproval | None = None
    last_rejection: Rejection | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    fulfilment: list[LineFulfilment] = Field(default_factory=list)
    deliveries: list[Delivery] = Field(default_factory=list)
    stock: StockCheck | None = None
    quotation_id: str | None = None
    rfq_id: str | None = None
    terms: PricingTerms = Field(default_factory=PricingTerms)
    pricing: PricedDocument | None = None
    """The lines' amounts, discounts, taxes per rate and totals, with the rates used; kept
    until the order is edited (orders stored before pricing have none)."""
    timeline: list[TimelineEntry] = Field(default_factory=list)
    availability: StockAvailability | None = None
    held_items: list[str] = Field(default_factory=list)
    """A storefront's items its price list does not know: the order waits for a person."""
    cart_id: str | None = None
    hold: StockHold | None = None
    """The stock hold a submission waits for (at a branch that refuses short orders)."""
    stock_refusal: StockRefusal | None = None
    flags: list[OrderFlag] = Field(default_factory=list)
    """What the order was accepted with that a person should look at, as of its last create,
    update or submit at a branch that allows it: its customer or vendor unknown, blocked, on
    hold or buying in another currency; a discontinued product (any purchase order)."""
    payment_terms_days: int | None = None
    """The customer's or vendor's payment terms (days from invoice to due date)."""
    tax_exemption: str | None = None
    """The customer's tax exemption certificate the order is priced under (no tax)."""

    @property
    def total(self) -> Decimal:
        """The grand total; for an order stored before pricing, the lines' sum rounded once
        (what its grand total would be: nothing is taxed or discounted)."""
        if self.pricing is not None:
            return self.pricing.grand_total
        return round_money(sum((line.amount for line in self.lines), Decimal(0)))

    def record(self, event: Event) -> None:
        super().record(event)
        self.saw(event)

    def saw(self, message: Message) -> None:
        """Keep ``message`` (an event about this order, its own or another service's) on the
        order's timeline."""
        self.timeline = [*self.timeline, entry(message)][-TIMELINE_LIMIT:]

    def flag(self, reason: str, flags: Iterable[OrderFlag]) -> None:
        """Replace the flags of one rule (``reason``) with ``flags``; other rules' stay."""
        self.flags = [f for f in self.flags if f.reason != reason] + list(flags)

    @property
    def locked(self) -> bool:
        return self.status not in EDITABLE

    @classmethod
    def create(
        cls,
        *,
        order_id: str,
        kind: OrderKind,
        party_id: str,
        branch_id: str,
        created_by: str,
        currency: str,
        lines: Sequence[OrderLineInput],
        notes: str | None = None,
        quotation_id: str | None = None,
        rfq_id: str | None = None,
        pricing: PricingTerms | None = None,
        price_list: PriceList | None = None,
        rates: Mapping[str, TaxRate] | None = None,
        availability: StockAvailability | None = None,
        when_stock_short: WhenStockShort = WhenStockShort.ALLOW,
        held_items: Sequence[str] = (),
        cart_id: str | None = None,
        party: PartyTerms | None = None,
    ) -> Order:
        """A draft, priced: every line gets its unit price, discounts and taxes.
        ``availability``: for a sales order, how the branch's stock serves its lines;
        ``when_stock_short``: the branch's rule when it cannot. ``quotation_id`` or ``rfq_id``
        names the document it was made from; ``held_items``: a storefront's items its price
        list does not know (the order waits for a person to price them); ``party``: what its
        customer's or vendor's record says (flags, payment terms, tax exemption)."""
        order = cls(
            id=order_id,
            kind=kind,
            party_id=party_id,
            branch_id=branch_id,
            created_by=created_by,
            currency=currency,
            lines=[],
            notes=notes,
            quotation_id=quotation_id,
            rfq_id=rfq_id,
            held_items=list(held_items),
            cart_id=cart_id,
        )
        order._assess(availability, when_stock_short)
        order._take(party)
        order._price(lines, pricing or PricingTerms(), price_list, rates or {})
        held = f"held: {', '.join(held_items)} not in the price list" if held_items else None
        order._transition(OrderStatus.DRAFT, by=created_by, note=held)
        order.record(OrderCreated(**order._facts()))
        return order

    def update(
        self,
        *,
        by: str,
        lines: Sequence[OrderLineInput] | None = None,
        branch_id: str | None = None,
        currency: str | None = None,
        notes: str | None = None,
        by_admin: bool = False,
        pricing: PricingTerms | None = None,
        price_list: PriceList | None = None,
        rates: Mapping[str, TaxRate] | None = None,
        availability: StockAvailability | None = None,
        when_stock_short: WhenStockShort = WhenStockShort.ALLOW,
        party: PartyTerms | None = None,
    ) -> None:
        """Change a draft or rejected order. A change of lines, branch, currency or pricing
        terms prices it again, at the rates in force now; a change of notes only keeps its
        prices. ``availability``: for a sales order, how the stock of the branch it will have
        serves the lines it will have (see ``changes_stock_need``)."""
        if self.locked:
            raise OrderLocked(
                f"Order {self.id} is {self.status.value} and locked: it can be changed only as a "
                "draft or after a rejection."
            )
        self._check_reworker(by, by_admin, "change")
        if self.changes_stock_need(lines, branch_id):
            self._assess(availability, when_stock_short, branch_id=branch_id)
        self.branch_id = branch_id or self.branch_id
        self.currency = currency or self.currency
        self.notes = notes if notes is not None else self.notes
        exemption = self.tax_exemption
        self._take(party)
        if lines is not None:
            self.held_items = []  # a person gave every line's price
        repriced = lines is not None or branch_id or currency or pricing is not None
        if repriced or exemption != self.tax_exemption:
            sent = {line.sku: line.storefront_unit_price for line in self.lines}
            new_lines = self.lines if lines is None else lines
            self._price(new_lines, pricing or self.terms, price_list, rates or {})
            self.lines = _storefront_prices_kept(self.lines, sent)
        self.updated_at = utcnow()
        self.record(OrderUpdated(**self._facts(), updated_by=by))

    def _price(
        self,
        lines: Sequence[OrderLineInput],
        terms: PricingTerms,
        price_list: PriceList | None,
        rates: Mapping[str, TaxRate],
    ) -> None:
        self.lines, self.pricing = price_order(
            lines,
            terms,
            currency=self.currency,
            branch_id=self.branch_id,
            price_list=price_list,
            rates=rates,
            tax_exemption=self.tax_exemption,
        )
        self.terms = terms

    def _take(self, party: PartyTerms | None) -> None:
        """What the customer's or vendor's record says now (``None``: not asked)."""
        if party is None:
            return
        self.flags = list(party.flags)
        self.payment_terms_days = party.payment_terms_days
        self.tax_exemption = party.tax_exemption

    def changes_stock_need(
        self, lines: Sequence[OrderLineInput] | None, branch_id: str | None
    ) -> bool:
        """Whether a change to these lines or branch asks the stock anew (sales orders)."""
        return self.kind is OrderKind.SALES and (
            (lines is not None and lines != self.lines)
            or (branch_id is not None and branch_id != self.branch_id)
        )

    def _assess(
        self,
        availability: StockAvailability | None,
        when_stock_short: WhenStockShort,
        *,
        branch_id: str | None = None,
    ) -> None:
        if self.kind is not OrderKind.SALES or availability is None:
            return
        check(availability, when_stock_short, branch_id=branch_id or self.branch_id)
        self.availability = availability

    def submit(
        self,
        *,
        by: str,
        by_admin: bool = False,
        hold_stock: bool = False,
        command_id: UUID | None = None,
        flags: Sequence[OrderFlag] | None = None,
    ) -> None:
        """Lock the order and send it into approval; ``hold_stock`` (a sales order of a branch
        that refuses short orders): first have inventory hold its stock, all of it or none
        (``record_stock`` then sends it into approval, or back with the reason); ``flags``:
        what is wrong with its customer or vendor now (``None``: not asked)."""
        if self.locked:
            raise OrderLocked(
                f"Order {self.id} is {self.status.value}: only a draft or a rejected order can be "
                "submitted."
            )
        self._check_reworker(by, by_admin, "resubmit")
        if flags is not None:
            self.flags = list(flags)
        if self.held_items:
            raise ItemsHeld(
                f"Order {self.id} holds {', '.join(self.held_items)}, which the storefront's "
                "price list does not know: a person gives their prices (order.update with the "
                "lines) before it is submitted."
            )
        self.attempt += 1
        if hold_stock and self.kind is OrderKind.SALES:
            self.hold = StockHold(
                attempt=self.attempt,
                submitted_by=by,
                command_id=str(command_id) if command_id else None,
                returns_to=self.status,
            )
            self._transition(
                OrderStatus.AWAITING_STOCK,
                by=by,
                note="holding its stock before approval (the branch refuses short orders)",
            )
            self.record(
                OrderStockHoldRequested(**self._facts(), attempt=self.attempt, submitted_by=by)
            )
            return
        self._enter_approval(by)

    def _enter_approval(self, by: str) -> None:
        self.pending = PendingApproval()
        self._transition(OrderStatus.PENDING_APPROVAL, by=by)
        self.record(OrderSubmitted(**self._facts(), attempt=self.attempt, submitted_by=by))

    def _holding(self, attempt: int) -> StockHold | None:
        hold = self.hold
        if self.status is OrderStatus.AWAITING_STOCK and hold and hold.attempt == attempt:
            return hold
        return None

    def _refuse_hold(self, hold: StockHold, lines: Sequence[ReservedLine], at: datetime) -> None:
        """The stock was short: back to where the submission found it, saying what is short."""
        self.hold = None
        shortages = [
            LineAvailability(
                sku=line.sku,
                requested=line.needed,
                available=line.reserved,
                status=Availability.SHORT if line.reserved > 0 else Availability.BACKORDER,
            )
            for line in lines
            if line.short > 0
        ]
        lacking = (
            ", ".join(
                f"{line.sku}: {line.requested} requested, {line.available} available"
                for line in shortages
            )
            or "it has no stock location yet"
        )
        detail = (
            f"Branch {self.branch_id} refuses sales orders its stock cannot serve, and when "
            f"order {self.id} was submitted its stock was short ({lacking}): it is "
            f"{hold.returns_to.value} again and holds no stock."
        )
        self.stock_refusal = StockRefusal(
            attempt=hold.attempt, detail=detail, shortages=shortages, at=at
        )
        self._transition(hold.returns_to, by=hold.submitted_by, note=f"stock short: {lacking}")
        self.record(
            OrderStockHoldRefused(
                order_id=self.id,
                kind=self.kind,
                party_id=self.party_id,
                branch_id=self.branch_id,
                attempt=hold.attempt,
                submitted_by=hold.submitted_by,
                detail=detail,
                shortages=shortages,
                cart_id=self.cart_id,
            )
        )
        self.record(
            OrderCommandRejected(
                command_message_id=UUID(hold.command_id) if hold.command_id else None,
                command_type=SubmitOrder.type_name(),
                reason=InsufficientStock.reason,
                detail=detail,
                service="order",
            )
        )

    def _check_reworker(self, by: str, by_admin: bool, action: str) -> None:
        """After a rejection, the order goes back to its creator (or an admin) to rework."""
        if self.status is OrderStatus.REJECTED and by != self.created_by and not by_admin:
            raise NotTheCreator(
                f"Order {self.id} was rejected: only its creator {self.created_by} or an admin "
                f"may {action} it, not {by}."
            )

    def mark_pending(
        self,
        *,
        attempt: int,
        level: int,
        levels: int,
        approver_id: str,
        approver_name: str | None,
        decisions: Sequence[LevelDecision] = (),
        at: datetime | None = None,
        reassigned: tuple[str, str] | None = None,
    ) -> None:
        """A level now waits for ``approver_id``; the levels decided before it (``decisions``)
        go into the history first, so that it reads in the order things happened.
        ``reassigned``: (from whom, by whom) when the level was moved from an approver who
        left."""
        if not self._awaits(attempt) or self._stale(level, at):
            return
        self._keep_decisions(decisions)
        self.pending = PendingApproval(
            level=level,
            levels=levels,
            approver_id=approver_id,
            approver_name=approver_name,
            since=at,
        )
        note = f"waiting for approval at level {level} of {levels}"
        if reassigned is not None:
            note = (
                f"level {level} reassigned from {reassigned[0]} to {approver_id} by {reassigned[1]}"
            )
        self.history.append(
            HistoryEntry(
                status=self.status,
                at=at or utcnow(),
                attempt=attempt,
                by=approver_id,
                level=level,
                note=note,
            )
        )

    def _stale(self, level: int, at: datetime | None) -> bool:
        """News of an earlier level, or older news of this one, than the order has."""
        known = self.pending
        if known is None or known.level is None:
            return False
        if level != known.level:
            return level < known.level
        return at is not None and known.since is not None and at < known.since

    def approve(
        self,
        *,
        attempt: int,
        note: str | None = None,
        decisions: Sequence[LevelDecision] = (),
        decision: ApprovalApproved | None = None,
    ) -> None:
        """Every level approved attempt ``attempt``; a decision on an older attempt, or one
        that crossed a cancellation, is stale (and nobody is told the order was approved)."""
        if not self._awaits(attempt):
            return
        self.pending = None
        self._keep_decisions(decisions)
        self._transition(OrderStatus.APPROVED, note=note)
        self.record(OrderApproved(**self._facts(), attempt=attempt, decision=decision))

    def reject(
        self,
        *,
        attempt: int,
        level: int | None,
        approver_id: str | None,
        notes: str | None,
        decisions: Sequence[LevelDecision] = (),
        decision: ApprovalRejected | None = None,
    ) -> None:
        if not self._awaits(attempt):
            return
        self.pending = None
        self._keep_decisions(d for d in decisions if d.decision == "approved")
        self.last_rejection = Rejection(
            attempt=attempt, level=level, approver_id=approver_id, notes=notes, at=utcnow()
        )
        self._transition(OrderStatus.REJECTED, by=approver_id, level=level, note=notes)
        self.record(
            OrderRejected(
                order_id=self.id,
                kind=self.kind,
                party_id=self.party_id,
                attempt=attempt,
                level=level,
                approver_id=approver_id,
                notes=notes,
                decision=decision,
            )
        )

    def cancel(self, *, by: str, reason: str | None) -> None:
        if self.status not in CANCELLABLE:
            raise InvalidTransition(
                f"Order {self.id} is {self.status.value} and cannot be cancelled."
            )
        self.pending = None
        self._transition(OrderStatus.CANCELLED, by=by, note=reason)
        self.record(
            OrderCancelled(
                order_id=self.id,
                kind=self.kind,
                party_id=self.party_id,
                cancelled_by=by,
                reason=reason,
            )
        )

    def _keep_decisions(self, decisions: Iterable[LevelDecision]) -> None:
        """Each level's decision goes into the history, with the approver's notes, once
        (a level's approval is told with the next level's request and again at the end)."""
        for decision in decisions:
            note = f"level {decision.level} {decision.decision}"
            if any(
                kept.attempt == self.attempt
                and kept.level == decision.level
                and (kept.note or "").startswith(note)
                for kept in self.history
            ):
                continue
            self.history.append(
                HistoryEntry(
                    status=self.status,
                    at=decision.decided_at,
                    attempt=self.attempt,
                    by=decision.approver.user_id,
                    level=decision.level,
                    note=f"{note}: {decision.notes}" if decision.notes else note,
                )
            )

    def record_delivery(
        self,
        *,
        document_id: str,
        location_id: str,
        lines: list[StockLine],
        by: str,
        to_date: list[LineProgress],
    ) -> None:
        """Inventory received (PO) or issued (SO) goods: count them, move the status on."""
        if any(delivery.document_id == document_id for delivery in self.deliveries):
            return
        self.deliveries.append(
            Delivery(
                document_id=document_id, location_id=location_id, lines=lines, by=by, at=utcnow()
            )
        )
        self.fulfilment = spread(self.lines, self.fulfilment, to_date)
        purchase = self.kind is OrderKind.PURCHASE
        partly = PARTLY_DONE[self.kind]
        note = f"{'received' if purchase else 'issued'} {document_id}: {describe(lines)}"
        if self.status in {OrderStatus.APPROVED, partly}:
            if not all_fulfilled(self.fulfilment):
                self._transition(partly, by=by, note=note)
            elif purchase:
                self._transition(OrderStatus.RECEIVED, by=by, note=note)
                self._complete(by=by)
            else:
                self._complete(by=by, note=note)
        else:
            self._note(note, by=by)

    def close_short(self, *, by: str, reason: str) -> None:
        """Give up what is still outstanding on an approved order: it is completed as it is."""
        if self.status not in CLOSABLE:
            raise InvalidTransition(
                f"Order {self.id} is {self.status.value}: only an approved order, or one partly "
                f"{'received' if self.kind is OrderKind.PURCHASE else 'issued'}, can be closed "
                "short."
            )
        if not self.fulfilment:
            self.fulfilment = spread(self.lines, [], [])
        self._complete(by=by, reason=reason)

    def _complete(
        self, *, by: str | None, reason: str | None = None, note: str | None = None
    ) -> None:
        short = reason is not None
        self._transition(
            OrderStatus.COMPLETED, by=by, note=f"closed short: {reason}" if short else note
        )
        self.record(
            OrderCompleted(
                order_id=self.id,
                kind=self.kind,
                party_id=self.party_id,
                branch_id=self.branch_id,
                lines=self._progress(),
                closed_short=short,
                reason=reason,
                completed_by=by,
            )
        )

    def _progress(self) -> list[LineProgress]:
        """Per item: how much was ordered and how much received or issued."""
        totals: dict[str, tuple[Decimal, Decimal]] = {}
        for item in self.fulfilment:
            ordered, fulfilled = totals.get(item.sku, (Decimal(0), Decimal(0)))
            totals[item.sku] = (ordered + item.ordered, fulfilled + item.fulfilled)
        return [
            LineProgress(sku=sku, ordered=ordered, fulfilled=fulfilled)
            for sku, (ordered, fulfilled) in totals.items()
        ]

    def record_stock(
        self,
        *,
        attempt: int,
        status: StockStatus,
        firm: bool,
        location_id: str | None,
        lines: list[ReservedLine],
        at: datetime,
    ) -> None:
        """Inventory validated a sales order's stock: confirmed, or short by how much. A hold
        the submission waits for decides it: confirmed enters approval, short sends it back.
        The history notes the report before what it caused, in the order things happened."""
        hold = None if firm else self._holding(attempt)
        if self._stock_news(attempt, at):
            self.stock = StockCheck(
                attempt=attempt,
                status=StockState(status.value),
                firm=firm,
                location_id=location_id,
                lines=lines,
                at=at,
            )
            shortages = [f"{line.sku} short by {line.short}" for line in lines if line.short > 0]
            held = ", held firm" if firm else ""  # once approved: told from the first report
            self._note(
                f"stock {status.value}{held}" + (f": {', '.join(shortages)}" if shortages else "")
            )
        if hold is not None:
            if status is StockStatus.CONFIRMED:
                self.hold = None
                self._enter_approval(hold.submitted_by)
            else:
                self._refuse_hold(hold, lines, at)

    def record_stock_released(
        self, *, attempt: int, reason: str, at: datetime, lines: Sequence[ReservedLine] = ()
    ) -> None:
        """Inventory let the order's stock go; a hold it could not fill refuses the submission
        (whichever of its two reports comes first)."""
        hold = self._holding(attempt)
        if hold is not None and reason == ReleaseReason.STOCK_SHORT.value:
            self._refuse_hold(hold, lines, at)
        if not self._stock_news(attempt, at):
            return
        self.stock = StockCheck(
            attempt=attempt, status=StockState.RELEASED, released_because=reason, at=at
        )
        self._note(f"reserved stock released ({reason})")

    def _stock_news(self, attempt: int, at: datetime) -> bool:
        # Inventory's reports come on several queues; the latest for this attempt wins.
        if self.kind is not OrderKind.SALES or attempt != self.attempt:
            return False
        return self.stock is None or self.stock.attempt != attempt or self.stock.at <= at

    def _note(self, note: str, *, by: str | None = None) -> None:
        self.updated_at = utcnow()
        self.history.append(
            HistoryEntry(
                status=self.status, at=self.updated_at, attempt=self.attempt, by=by, note=note
            )
        )

    def _awaits(self, attempt: int) -> bool:
        return self.status is OrderStatus.PENDING_APPROVAL and attempt == self.attempt

    def _transition(
        self,
        status: OrderStatus,
        *,
        by: str | None = None,
        level: int | None = None,
        note: str | None = None,
    ) -> None:
        self.status = status
        self.updated_at = utcnow()
        self.history.append(
            HistoryEntry(
                status=status,
                at=self.updated_at,
                attempt=self.attempt,
                by=by,
                level=level,
                note=note,
            )
        )

    def _facts(self) -> dict[str, object]:
        return {
            "order_id": self.id,
            "kind": self.kind,
            "party_id": self.party_id,
            "branch_id": self.branch_id,
            "created_by": self.created_by,
            "currency": self.currency,
            "lines": self.lines,
            "total": self.total,
            "quotation_id": self.quotation_id,
            "rfq_id": self.rfq_id,
            "pricing": self.pricing,
            "availability": self.availability,
            "held_items": self.held_items,
            "cart_id": self.cart_id,
            "flags": self.flags,
            "payment_terms_days": self.payment_terms_days,
        }


def _storefront_prices_kept(
    lines: Sequence[OrderLine], sent: Mapping[str, Decimal | None]
) -> list[OrderLine]:
    """The lines with the price the storefront sent for each item kept: a person's edit gives
    the business's prices, and cannot say what the storefront sent, so it clears nothing."""
    return [
        line
        if line.storefront_unit_price is not None or sent.get(line.sku) is None
        else line.model_copy(update={"storefront_unit_price": sent[line.sku]})
        for line in lines
    ]

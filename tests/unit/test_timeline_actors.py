"""Every timeline entry names who was behind it: the person an event names as acting, the
approver of a decision, a storefront for its cart's events, or the service acting on its own;
quotations, RFQs and carts keep timelines of their own for the orders they become."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.order.carts.domain.cart import Cart
from services.order.common.domain.timeline import actor, entry
from shared.contracts import (
    ApprovalApproved,
    ApprovalBasis,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    CartCreated,
    CartItemAdded,
    GoodsIssued,
    LevelDecision,
    LineProgress,
    Message,
    OrderApproved,
    OrderCompleted,
    OrderCreated,
    OrderKind,
    OrderRejected,
    Person,
    ReleaseReason,
    ReservationReleased,
    StockLine,
    utcnow,
)
from tests.unit.test_quotations import converted
from tests.unit.test_rfqs import chosen

D = Decimal
FACTS = {
    "request_id": "R-1",
    "order_id": "O-1",
    "order_kind": OrderKind.SALES,
    "party_id": "C-1",
    "attempt": 1,
    "creator": Person(user_id="alice"),
}
ORDER = {"order_id": "O-1", "kind": OrderKind.SALES, "party_id": "C-1", "branch_id": "B-1"}
MIA = Person(user_id="mia", name="Mia Manager")


def approved_by(level: int, who: Person) -> LevelDecision:
    return LevelDecision(level=level, approver=who, decision="approved", decided_at=utcnow())


def created(created_by: str) -> OrderCreated:
    return OrderCreated(**ORDER, created_by=created_by, currency="EUR", lines=[], total=D(0))


APPROVED = ApprovalApproved(
    **FACTS,
    basis=ApprovalBasis.ALL_LEVELS_APPROVED,
    decisions=[approved_by(1, Person(user_id="ann")), approved_by(2, MIA)],
)


@pytest.mark.parametrize(
    ("message", "by"),
    [
        (created("alice"), ("alice", "person", None)),
        (created("storefront-web"), ("storefront-web", "storefront", None)),
        (created("billing"), ("billing", "service", None)),
        (ApprovalPending(**FACTS, level=1, levels=1, approver=MIA), ("approval", "service", None)),
        (APPROVED, ("mia", "person", "Mia Manager")),
        (
            ApprovalApproved(**FACTS, basis=ApprovalBasis.NO_CYCLE),
            ("approval", "service", None),
        ),
        (ApprovalRejected(**FACTS, level=1, approver=MIA), ("mia", "person", "Mia Manager")),
        (
            ApprovalRejected(**FACTS, level=1, approver=Person(user_id="system")),
            ("approval", "service", None),
        ),
        (
            ApprovalReassigned(
                **FACTS,
                level=1,
                levels=1,
                approver=MIA,
                previous_approver=Person(user_id="old"),
                reassigned_by="root",
            ),
            ("root", "person", None),
        ),
        (
            OrderApproved(
                **ORDER,
                created_by="alice",
                currency="EUR",
                lines=[],
                total=D(0),
                attempt=1,
                decision=APPROVED,
            ),
            ("mia", "person", "Mia Manager"),
        ),
        (
            OrderRejected(**ORDER, attempt=1, level=1, approver_id="ann", notes="no"),
            ("ann", "person", None),
        ),
        (
            GoodsIssued(
                order_id="O-1",
                issue_id="GI-1",
                location_id="L-1",
                branch_id="B-1",
                lines=[StockLine(sku="A", quantity=D(1))],
                issued_by="clerk",
                order_lines=[LineProgress(sku="A", ordered=D(1), fulfilled=D(1))],
                backorder=[],
                completed=True,
            ),
            ("clerk", "person", None),
        ),
        (
            ReservationReleased(
                order_id="O-1",
                attempt=1,
                location_id="L-1",
                lines=[],
                reason=ReleaseReason.EXPIRED,
            ),
            ("inventory", "service", None),
        ),
        (OrderCompleted(**ORDER, lines=[]), ("order", "service", None)),
        (
            CartItemAdded(
                storefront_id="web",
                cart_id="K-1",
                sequence=2,
                sku="A",
                quantity=D(1),
                unit_price=D(2),
            ),
            ("storefront-web", "storefront", None),
        ),
    ],
)
def test_each_entry_names_who_was_behind_it(
    message: Message, by: tuple[str, str, str | None]
) -> None:
    assert actor(message) == by
    seen = entry(message)
    assert (seen.by, seen.by_kind, seen.by_name) == by


def test_a_cart_event_is_entered_under_its_own_routing_key() -> None:
    added = CartItemAdded(
        storefront_id="web", cart_id="K-1", sequence=2, sku="A", quantity=D(1), unit_price=D(2)
    )
    assert (entry(added).event, entry(added).service) == ("cart.web.item_added", "cart")


def test_a_quotation_keeps_the_events_about_it_with_who_did_each() -> None:
    quotation = converted()
    assert [(e.event, e.by) for e in quotation.timeline] == [
        ("order.quotation_created", "sam"),
        ("order.quotation_sent", "sam"),
        ("order.quotation_accepted", "sam"),
        ("order.quotation_converted", "otto"),
    ]


def test_a_cart_keeps_its_storefronts_events_once_each_and_at_most_a_hundred() -> None:
    now = utcnow()
    cart = Cart.start(
        CartCreated(storefront_id="web", cart_id="K-1", sequence=1, currency="EUR", branch_id="B"),
        now=now,
    )
    for sequence in range(2, 120):
        add = CartItemAdded(
            storefront_id="web",
            cart_id="K-1",
            sequence=sequence,
            sku="A",
            quantity=D(1),
            unit_price=D(2),
        )
        cart.apply(add, now=now)
        cart.apply(add, now=now)  # a redelivery is not entered twice
    assert len(cart.timeline) == 100
    assert cart.timeline[-1].event == "cart.web.item_added"
    assert {e.by for e in cart.timeline} == {"storefront-web"}


def test_an_rfq_keeps_the_events_about_it_with_who_did_each() -> None:
    made = chosen()
    assert [(e.event, e.by, e.by_kind) for e in made.timeline] == [
        ("order.rfq_created", "pat", "person"),
        ("order.rfq_reply_recorded", "pat", "person"),
        ("order.rfq_reply_recorded", "pat", "person"),
        ("order.rfq_reply_chosen", "max", "person"),
    ]

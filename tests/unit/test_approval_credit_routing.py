"""Routing with the credit check, driven through the approval handlers with in-memory stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.approval.domain.credit import credit_id
from services.approval.domain.errors import ApproverNotAdmin, UnknownUser
from services.approval.domain.thresholds import Rates
from services.approval.handlers import ApprovalHandlers
from services.approval.preview import BadParams, preview, read_params
from services.approval.routing import Router
from shared.contracts import (
    ApprovalApproved,
    ApprovalBasis,
    ApprovalPending,
    ApprovalRejected,
    ApproveRequest,
    AssignParty,
    ConfigureCredit,
    CreditConfigured,
    CustomerRecord,
    CustomerRecorded,
    DefineCycle,
    LevelRule,
    OrderCancelled,
    OrderKind,
    OrderSubmitted,
    RejectRequest,
    SetAway,
    UpsertUser,
)
from shared.contracts.receivables import CustomerPaymentRecorded
from tests.support.factories import lines
from tests.unit.test_approval_handlers import FakeStores

D = Decimal
NOW = datetime.now(UTC)


def sales(order_id: str, total: str, *, attempt: int = 1, party: str = "C1") -> OrderSubmitted:
    return OrderSubmitted(
        order_id=order_id,
        kind=OrderKind.SALES,
        party_id=party,
        branch_id="B",
        created_by="alice",
        currency="USD",
        lines=lines(("S", "1", total)),
        total=D(total),
        attempt=attempt,
        submitted_by="alice",
    )


def recorded(limit: str | None, version: int = 1, customer_id: str = "C1") -> CustomerRecorded:
    record = {"customer_id": customer_id, "name": "Acme", "currency": "USD"}
    if limit is not None:
        record["credit_limit"] = {"amount": limit, "currency": "USD"}  # type: ignore[assignment]
    return CustomerRecorded(
        customer_id=customer_id,
        version=version,
        record=CustomerRecord.model_validate(record),
        source="oms",
    )


async def world(limit: str | None = "1000.00") -> tuple[FakeStores, ApprovalHandlers]:
    """Users carl (admin, the credit approver), ann (admin), dave (not admin), zed
    (inactive admin), alice (creator); customer C1 with ``limit``; carl approves credit
    approval-wide."""
    stores = FakeStores()
    handlers = ApprovalHandlers(stores, rates=Rates("USD", {}))
    for user in (
        UpsertUser(user_id="carl", name="Carl", admin=True, changed_by="r"),
        UpsertUser(user_id="ann", name="Ann", admin=True, changed_by="r"),
        UpsertUser(user_id="dave", name="Dave", changed_by="r"),
        UpsertUser(user_id="zed", name="Zed", admin=True, changed_by="r"),
        UpsertUser(user_id="zed", name="Zed", admin=True, active=False, changed_by="r"),
        UpsertUser(user_id="alice", name="Alice", changed_by="r"),
    ):
        await handlers.upsert_user(user)
    await handlers.customer_recorded(recorded(limit))
    await handlers.configure_credit(ConfigureCredit(credit_approver_id="carl", configured_by="r"))
    return stores, handlers


async def test_over_the_limit_in_no_cycle_goes_to_the_credit_approver_saying_by_how_much() -> None:
    stores, handlers = await world()
    await handlers.order_submitted(sales("SO-1", "600.00"))
    await handlers.order_submitted(sales("SO-2", "400.01"))

    [first] = stores.requests.events(ApprovalApproved)
    assert first.basis is ApprovalBasis.NO_CYCLE
    assert first.credit is not None
    assert not first.credit.applies
    [pending] = stores.requests.events(ApprovalPending)
    assert (pending.order_id, pending.approver.user_id) == ("SO-2", "carl")
    assert (pending.level, pending.levels) == (1, 1)
    assert pending.notify  # the credit approver is e-mailed
    credit = pending.credit
    assert credit is not None
    assert credit.applies
    assert credit.level == 1
    assert (credit.exposure, credit.exposure_after, credit.over_by) == (
        D("600.00"),
        D("1000.01"),
        D("0.01"),
    )
    await handlers.approve(ApproveRequest(request_id="SO-2:1", level=1, approver_id="carl"))
    approved = stores.requests.events(ApprovalApproved)[-1]
    assert approved.order_id == "SO-2"
    assert approved.basis is ApprovalBasis.ALL_LEVELS_APPROVED


async def test_at_the_limit_it_is_approved_at_once() -> None:
    stores, handlers = await world()
    await handlers.order_submitted(sales("SO-1", "1000.00"))
    [approved] = stores.requests.events(ApprovalApproved)
    assert approved.basis is ApprovalBasis.NO_CYCLE
    assert not stores.requests.events(ApprovalPending)


async def test_the_credit_level_comes_after_the_cycles_and_a_level_one_rejection_ends_it() -> None:
    stores, handlers = await world()
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="S",
            name="S",
            order_kind=OrderKind.SALES,
            levels=[LevelRule(approver="named_user", user_id="ann")],
            credit_approver_id="carl",
            defined_by="r",
        )
    )
    await handlers.assign_party(AssignParty(cycle_id="S", party_id="C1", assigned_by="r"))
    await handlers.order_submitted(sales("SO-1", "1200.00"))
    [level1] = stores.requests.events(ApprovalPending)
    assert (level1.approver.user_id, level1.level, level1.levels) == ("ann", 1, 2)
    await handlers.approve(ApproveRequest(request_id="SO-1:1", level=1, approver_id="ann"))
    level2 = stores.requests.events(ApprovalPending)[-1]
    assert (level2.approver.user_id, level2.level) == ("carl", 2)
    assert level2.credit is not None
    assert level2.credit.over_by == D("200.00")

    await handlers.order_submitted(sales("SO-2", "10.00"))  # 1210 open: over again
    await handlers.reject(RejectRequest(request_id="SO-2:1", level=1, approver_id="ann"))
    [rejected] = stores.requests.events(ApprovalRejected)
    assert rejected.order_id == "SO-2"
    assert rejected.level == 1
    customer = await stores.customers.get(credit_id("C1"))
    assert customer is not None
    assert not customer.counts("SO-2")


async def test_without_a_credit_approver_an_order_over_the_limit_is_rejected_saying_why() -> None:
    stores, handlers = await world()
    await handlers.configure_credit(ConfigureCredit(credit_approver_id=None, configured_by="r"))
    await handlers.order_submitted(sales("SO-1", "1000.01"))
    [rejected] = stores.requests.events(ApprovalRejected)
    assert rejected.notes is not None
    assert "no credit approver" in rejected.notes
    assert "0.01 over the credit limit" in rejected.notes
    customer = await stores.customers.get(credit_id("C1"))
    assert customer is not None
    assert customer.orders == []


async def test_the_credit_approvers_delegate_takes_it_while_they_are_away() -> None:
    stores, handlers = await world()
    await handlers.set_away(
        SetAway(
            user_id="carl",
            delegate_id="ann",
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(days=1),
            set_by="carl",
        )
    )
    await handlers.order_submitted(sales("SO-1", "2000.00"))
    [pending] = stores.requests.events(ApprovalPending)
    assert pending.approver.user_id == "ann"
    assert pending.on_behalf_of is not None
    assert pending.on_behalf_of.user_id == "carl"


async def test_a_payment_brings_the_exposure_down_and_a_cancellation_takes_it_out() -> None:
    stores, handlers = await world()
    await handlers.order_submitted(sales("SO-1", "900.00"))
    await handlers.invoice_settled(payment("SO-1", paid="500.00", total="900.00"))
    await handlers.order_submitted(sales("SO-2", "600.00"))  # 400 + 600 = 1000: at the limit
    assert len(stores.requests.events(ApprovalApproved)) == 2
    await handlers.order_cancelled(
        OrderCancelled(order_id="SO-2", kind=OrderKind.SALES, party_id="C1", cancelled_by="a")
    )
    customer = await stores.customers.get(credit_id("C1"))
    assert customer is not None
    assert [o.order_id for o in customer.orders] == ["SO-1"]


def payment(order_id: str, *, paid: str, total: str) -> CustomerPaymentRecorded:
    return CustomerPaymentRecorded.model_validate(
        {
            "invoice_id": "SI-1",
            "series": "SI",
            "number": 1,
            "order_id": order_id,
            "customer_id": "C1",
            "branch_id": "B",
            "status": "open",
            "currency": "USD",
            "total": total,
            "amount_credited": "0",
            "amount_paid": paid,
            "amount_refunded": "0",
            "balance": str(D(total) - D(paid)),
            "due_at": NOW.isoformat(),
            "payment_id": "P-1",
            "amount": paid,
            "received_at": NOW.isoformat(),
        }
    )


async def test_an_older_customer_record_is_ignored() -> None:
    stores, handlers = await world()
    await handlers.customer_recorded(recorded("5.00", version=3))
    await handlers.customer_recorded(recorded("99999.00", version=2))
    customer = await stores.customers.get(credit_id("C1"))
    assert customer is not None
    assert customer.limit == D("5.00")
    assert customer.record_version == 3


@pytest.mark.parametrize(
    ("user", "error"),
    [("dave", ApproverNotAdmin), ("zed", ApproverNotAdmin), ("nobody", UnknownUser)],
)
async def test_a_credit_approver_must_be_an_active_admin(user: str, error: type[Exception]) -> None:
    stores, handlers = await world()
    with pytest.raises(error):
        await handlers.configure_credit(ConfigureCredit(credit_approver_id=user, configured_by="r"))
    with pytest.raises(error):
        await handlers.define_cycle(
            DefineCycle(
                cycle_id="S",
                name="S",
                order_kind=OrderKind.SALES,
                levels=[LevelRule(approver="named_user", user_id="ann")],
                credit_approver_id=user,
                defined_by="r",
            )
        )
    [configured] = stores.settings.events(CreditConfigured)
    assert configured.credit_approver_id == "carl"
    assert await stores.cycles.get("S") is None


async def test_the_preview_answers_as_a_submission_would_and_stores_nothing() -> None:
    stores, handlers = await world()
    await handlers.define_cycle(
        DefineCycle(
            cycle_id="S",
            name="S",
            order_kind=OrderKind.SALES,
            levels=[
                LevelRule(approver="named_user", user_id="ann"),
                LevelRule(approver="named_user", user_id="carl", above=D("5000")),
            ],
            defined_by="r",
        )
    )
    await handlers.assign_party(AssignParty(cycle_id="S", party_id="C1", assigned_by="r"))
    await handlers.order_submitted(sales("SO-1", "700.00"))
    await handlers.approve(ApproveRequest(request_id="SO-1:1", level=1, approver_id="ann"))
    before = {name: dict(getattr(stores, name).docs) for name in ("requests", "customers")}

    router = Router(stores, Rates("USD", {}))
    wanted = read_params(
        {
            "kind": "sales",
            "party_id": "C1",
            "created_by": "alice",
            "total": "300.01",
            "currency": "USD",
        }
    )
    answer = await preview(router, **wanted)

    assert after_docs(stores) == before
    assert answer.cycle_id == "S"
    assert not answer.auto_approved
    assert [(lv.level, lv.approver_id, lv.applies) for lv in answer.levels] == [
        (1, "ann", True),
        (2, None, False),
    ]
    assert answer.levels[1].routing.threshold == D("5000")
    assert answer.credit is not None
    assert (answer.credit.exposure, answer.credit.over_by, answer.credit.approver_id) == (
        D("700.00"),
        D("0.01"),
        "carl",
    )
    again = await preview(router, **{**wanted, "order_id": "SO-1"})  # its own attempt left out
    assert again.credit is not None
    assert again.credit.over_by == D(0)
    assert again.credit.approver_id is None


def after_docs(stores: FakeStores) -> dict[str, dict[str, object]]:
    return {name: dict(getattr(stores, name).docs) for name in ("requests", "customers")}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kind": "rental", "party_id": "C1", "created_by": "a", "total": "1", "currency": "USD"},
        {"kind": "sales", "party_id": "C 1", "created_by": "a", "total": "1", "currency": "USD"},
        {"kind": "sales", "party_id": "C1", "created_by": "a", "total": "-1", "currency": "USD"},
        {"kind": "sales", "party_id": "C1", "created_by": "a", "total": "1e3", "currency": "USD"},
        {"kind": "sales", "party_id": "C1", "created_by": "a", "total": "x", "currency": "USD"},
        {"kind": "sales", "party_id": "C1", "created_by": "a", "total": "1", "currency": "usd"},
        {"kind": "sales", "party_id": "C1", "total": "1", "currency": "USD"},
    ],
)
def test_bad_preview_parameters_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(BadParams):
        read_params(params)

"""Subscription plans and e-mails: revisions of a plan, and an e-mail's retries and outcome."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from services.billing.subscriptions.domain import Plan, PlanTerms
from services.notification import templates
from services.notification.domain import Email, EmailStatus
from services.notification.handlers import BackofficeLinks
from shared.contracts import (
    ApprovalPending,
    ApprovalWithdrawn,
    ApproveRequest,
    CreditCheck,
    OrderKind,
    Person,
    RejectRequest,
    WithdrawalReason,
    utcnow,
)
from shared.contracts.billing import BillingInterval, PlanDefined
from shared.contracts.notification import EmailFailed, EmailSent
from shared.links import read

MONTHLY = PlanTerms(name="Basic", price=Decimal("9.90"), currency="EUR", interval="month")
YEARLY = PlanTerms(
    name="Basic yearly", price=Decimal(99), currency="EUR", interval="year", interval_count=2
)


def test_a_plan_is_defined_at_revision_one_and_each_redefinition_is_the_next() -> None:
    plan = Plan.define("P-1", MONTHLY, by="ann")
    assert (plan.revision, plan.updated_by) == (1, "ann")
    plan.redefine(YEARLY, by="bob")

    first, second = plan.collect_events()
    assert isinstance(first, PlanDefined)
    assert isinstance(second, PlanDefined)
    assert (first.plan_id, first.revision, first.name, first.price) == (
        "P-1",
        1,
        "Basic",
        Decimal("9.90"),
    )
    assert (second.revision, second.interval, second.interval_count) == (
        2,
        BillingInterval.YEAR,
        2,
    )
    assert (plan.id, plan.revision, plan.name, plan.price, plan.updated_by) == (
        "P-1",
        2,
        "Basic yearly",
        Decimal(99),
        "bob",
    )
    assert (plan.interval, plan.interval_count) == (BillingInterval.YEAR, 2)


def email(to: str | None = "mary@example.com") -> Email:
    return Email.compose(
        email_id="E-1",
        kind="approval_pending",
        to=to,
        subject="Approve PO-1",
        body="...",
        source_message_id="M-1",
        order_id="PO-1",
    )


def test_an_email_to_nobody_fails_at_once_saying_why() -> None:
    mail = email(to=None)
    assert (mail.status, mail.last_error) == (
        EmailStatus.FAILED,
        "the recipient has no e-mail address in the user directory",
    )
    [failed] = mail.collect_events()
    assert isinstance(failed, EmailFailed)
    assert (failed.to, failed.order_id, failed.correlation_id) == (None, "PO-1", "PO-1")


def test_an_email_with_an_address_is_queued() -> None:
    mail = email()
    assert (mail.status, mail.to, mail.order_id) == (EmailStatus.QUEUED, "mary@example.com", "PO-1")
    assert mail.collect_events() == []


def test_a_temporary_failure_is_retried_later_each_time_waiting_twice_as_long() -> None:
    mail = email()
    waits = []
    for _ in range(3):
        before = utcnow()
        mail.attempt_failed(
            "421 try later", permanent=False, max_attempts=5, backoff=timedelta(minutes=1)
        )
        waits.append(round((mail.next_attempt_at - before).total_seconds() / 60))

    assert waits == [1, 2, 4]
    assert (mail.status, mail.attempts, mail.last_error) == (EmailStatus.QUEUED, 3, "421 try later")

    mail.delivered()

    assert (mail.status, mail.attempts, mail.last_error) == (EmailStatus.SENT, 4, None)
    assert mail.sent_at is not None
    [sent] = mail.collect_events()
    assert isinstance(sent, EmailSent)
    assert (sent.email_id, sent.attempts, sent.order_id, sent.correlation_id) == (
        "E-1",
        4,
        "PO-1",
        "PO-1",
    )


def test_a_permanent_failure_or_the_last_attempt_gives_up() -> None:
    permanent = email()
    permanent.attempt_failed(
        "550 no such user", permanent=True, max_attempts=5, backoff=timedelta()
    )
    last = email()
    for error in ("421 busy", "421 still busy"):
        last.attempt_failed(error, permanent=False, max_attempts=2, backoff=timedelta())

    for mail, error, attempts in ((permanent, "550 no such user", 1), (last, "421 still busy", 2)):
        assert (mail.status, mail.last_error) == (EmailStatus.FAILED, error)
        assert mail.failed_at is not None
        [failed] = mail.collect_events()
        assert isinstance(failed, EmailFailed)
        assert (failed.error, failed.attempts) == (error, attempts)


def _request_facts() -> dict[str, object]:
    return {
        "request_id": "PO-7:2",
        "order_id": "PO-7",
        "order_kind": OrderKind.PURCHASE,
        "party_id": "V-1",
        "attempt": 2,
        "creator": Person(user_id="alice", name="Alice"),
        "notify": True,
        "level": 2,
        "levels": 2,
        "approver": Person(user_id="ann@hq", name="Ann"),
    }


def test_the_pending_email_names_the_request_and_how_to_decide_it() -> None:
    subject, body = templates.pending(
        ApprovalPending(**_request_facts()),
        approval_url="http://approval.example:8082/",
    )

    assert subject == "Approval needed: Purchase order PO-7 (level 2 of 2)"
    assert "request PO-7:2,\nlevel 2 of 2" in body
    assert "on the exchange oms.commands" in body
    assert "approval.approve to approve or approval.reject to reject" in body
    [command] = [line.strip() for line in body.splitlines() if line.strip().startswith("{")]
    decision = ApproveRequest.model_validate_json(command)
    assert (decision.request_id, decision.level, decision.approver_id) == ("PO-7:2", 2, "ann@hq")
    assert RejectRequest.model_validate_json(command).request_id == "PO-7:2"
    assert "approval.command_rejected" in body
    assert "GET http://approval.example:8082/requests?approver_id=ann%40hq&status=pending" in body


def test_the_pending_email_says_by_how_much_the_credit_limit_is_exceeded() -> None:
    credit = CreditCheck(
        limit=Decimal("1000.00"),
        currency="USD",
        exposure=Decimal("600.00"),
        exposure_after=Decimal("1200.50"),
        over_by=Decimal("200.50"),
        applies=True,
        why="w",
        approver_id="ann@hq",
        level=2,
    )
    facts = {**_request_facts(), "order_kind": OrderKind.SALES, "credit": credit}
    _, body = templates.pending(ApprovalPending(**facts), approval_url="http://a/")
    assert "over the credit limit of 1000.00 USD by 200.50 USD" in body
    assert "You are asked to allow it as the credit approver" in body

    _, first = templates.pending(ApprovalPending(**{**facts, "level": 1}), approval_url="http://a/")
    assert "the credit approver decides after this level" in first
    _, none = templates.pending(ApprovalPending(**_request_facts()), approval_url="http://a/")
    assert "Credit check" not in none


def test_the_pending_email_links_to_the_request_in_the_back_office() -> None:
    event = ApprovalPending(**_request_facts())
    links = BackofficeLinks("https://office.example/", "key", timedelta(hours=72))
    url = links.to(event)
    assert url == links.to(event)  # dated from the event: a redelivery makes the same link
    assert url.startswith("https://office.example/link?token=")
    token = parse_qs(urlsplit(url).query)["token"][0]
    link = read(token, "key", now=event.occurred_at)
    assert (link.request_id, link.order_id, link.attempt, link.level, link.approver_id) == (
        "PO-7:2",
        "PO-7",
        2,
        2,
        "ann@hq",
    )
    assert link.expires_at == event.occurred_at.replace(microsecond=0) + timedelta(hours=72)

    _, body = templates.pending(event, approval_url="http://approval.example:8082/", link=url)
    assert (
        f"open the request in the back office, sign in, and approve or reject it there:\n{url}\n"
        in body
    )
    _, without = templates.pending(event, approval_url="http://approval.example:8082/")
    assert "back office, sign in" not in without
    assert without.endswith("status=pending\n")


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        (WithdrawalReason.ORDER_CANCELLED, "because the order was cancelled"),
        (WithdrawalReason.NEW_ATTEMPT, "because the order was submitted again"),
    ],
)
def test_the_withdrawn_email_says_which_request_and_why(reason: WithdrawalReason, why: str) -> None:
    subject, body = templates.withdrawn(ApprovalWithdrawn(**_request_facts(), reason=reason))

    assert subject == "No longer needed: approval of Purchase order PO-7"
    assert body.startswith("Hello Ann,")
    assert "request PO-7:2\n(level 2 of 2) was withdrawn" in body
    assert why in body

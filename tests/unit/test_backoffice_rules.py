"""The back office's rules: who sees and does what, when an e-mailed link still works, how a
refusal reads, and how typed order lines are read; the signed links themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.backoffice.audit import about
from services.backoffice.cycle_form import cycle_values
from services.backoffice.domain import (
    Forbidden,
    Viewer,
    came_from,
    fulfilment_step,
    link_refusal,
    may_edit,
    may_sign_in,
    may_view_request,
    oldest_first,
    parse_lines,
    refusal_words,
    request_state,
    require_admin,
)
from services.backoffice.orders_view import Filters
from shared.links import ApprovalLink, BadLink, ExpiredLink, approval_link, read, sign

pytestmark = pytest.mark.unit
MONA, ADA, CARL = Viewer("mona", "Mona"), Viewer("ada", "Ada", admin=True), Viewer("carl", "Carl")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def pending(**changes: Any) -> dict[str, Any]:
    return {
        "id": "PO-1:2",
        "order_id": "PO-1",
        "attempt": 2,
        "status": "pending",
        "level": 1,
        "approver": {"user_id": "mona"},
        "creator": {"user_id": "carl"},
        "decisions": [],
        **changes,
    }


# --- who may do what ---------------------------------------------------------------------------


def test_only_an_admin_configures() -> None:
    require_admin(ADA, "configure approvals")
    with pytest.raises(Forbidden, match=r"^Only administrators of the approval directory may x\."):
        require_admin(MONA, "x")


@pytest.mark.parametrize(
    ("person", "allowed"),
    [
        (None, False),
        ({}, False),
        ({"active": True}, False),
        ({"password_hash": "h"}, True),
        ({"password_hash": "h", "active": True}, True),
        ({"password_hash": "h", "active": False}, False),
        ({"password_hash": "", "active": True}, False),
    ],
)
def test_who_may_sign_in(person: dict[str, Any] | None, allowed: bool) -> None:
    assert may_sign_in(person) is allowed


def test_the_approver_it_waits_for_may_decide() -> None:
    assert request_state(pending(), MONA) is None


def test_someone_else_is_told_who_it_waits_for() -> None:
    assert request_state(pending(), ADA) == "Level 1 waits for mona, not for you."
    assert request_state(pending(approver=None), ADA) == "Level 1 waits for None, not for you."


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("approved", "This request was approved; nothing is left to decide."),
        ("rejected", "This request was rejected; nothing is left to decide."),
        ("cancelled", "This request was approved, but the order was cancelled; nothing is left"),
        ("superseded", "This request was superseded: the order was submitted again or cancelled"),
        ("odd", "This request odd; nothing is left to decide."),
    ],
)
def test_a_decided_or_superseded_request_says_so(status: str, words: str) -> None:
    assert request_state(pending(status=status), MONA).startswith(words)  # type: ignore[union-attr]


def test_a_request_without_status_is_not_decidable() -> None:
    found = dict(pending())
    del found["status"]
    assert request_state(found, MONA) == "This request ; nothing is left to decide."


def test_who_may_view_a_request() -> None:
    assert may_view_request(pending(), MONA)
    assert may_view_request(pending(), CARL)
    assert may_view_request(pending(), ADA)
    assert not may_view_request(pending(), Viewer("eve", "Eve"))
    decided = pending(
        status="rejected", approver=None, decisions=[{"approver": {"user_id": "mona"}}]
    )
    assert may_view_request(decided, MONA)
    assert not may_view_request(decided, Viewer("eve", "Eve"))
    assert may_view_request({"decisions": [{}], "creator": {"user_id": "eve"}}, Viewer("eve", "E"))


def test_the_away_approver_may_view_what_their_delegate_decides_for_them() -> None:
    eve = Viewer("eve", "Eve")
    waiting = pending(approver={"user_id": "ann"}, on_behalf_of={"user_id": "eve"})
    assert may_view_request(waiting, eve)
    decided = pending(
        status="approved",
        approver=None,
        decisions=[{"approver": {"user_id": "ann"}, "on_behalf_of": {"user_id": "eve"}}],
    )
    assert may_view_request(decided, eve)
    assert not may_view_request(pending(on_behalf_of=None), eve)


def test_the_inbox_is_oldest_first() -> None:
    requests = [{"opened_at": "2026-11-30T10:00"}, {"opened_at": "2026-11-29T10:00"}, {}]
    assert [r.get("opened_at") for r in oldest_first(requests)] == [
        None,
        "2026-11-29T10:00",
        "2026-11-30T10:00",
    ]


# --- the e-mailed link --------------------------------------------------------------------------


def refusal(request: dict[str, Any] | None, **link: Any) -> str | None:
    facts = {"attempt": 2, "level": 1, "approver_id": "mona", **link}
    return link_refusal(request, **facts)


def test_a_link_works_while_its_request_waits_as_it_did() -> None:
    assert refusal(pending()) is None


@pytest.mark.parametrize(
    ("found", "link", "words"),
    [
        (None, {}, "The request this link was made for does not exist."),
        (
            pending(attempt=3),
            {},
            "The order has changed since this link was sent: it was submitted again.",
        ),
        (pending(status="approved"), {}, "This request was approved."),
        (pending(status="rejected"), {}, "This request was rejected."),
        (pending(status="gone"), {}, "This request is closed."),
        (
            pending(level=2, approver={"user_id": "ada"}),
            {},
            "Level 1 of this request has already been decided.",
        ),
        (
            pending(approver={"user_id": "ada"}),
            {},
            "This request no longer waits for the person this link was sent to.",
        ),
        (
            pending(approver=None),
            {},
            "This request no longer waits for the person this link was sent to.",
        ),
    ],
)
def test_a_link_stops_working_once_the_order_changes_or_is_decided(
    found: dict[str, Any] | None, link: dict[str, Any], words: str
) -> None:
    assert refusal(found, **link) == words


def test_a_stale_status_outranks_the_level() -> None:
    assert refusal(pending(status="rejected", level=2)) == "This request was rejected."


def token(**changes: Any) -> str:
    facts = {
        "request_id": "PO-1:2",
        "order_id": "PO-1",
        "attempt": 2,
        "level": 1,
        "approver_id": "mona",
        "now": NOW,
        "valid_for": timedelta(hours=72),
        **changes,
    }
    return sign(approval_link(**facts), "k1")


def test_a_signed_link_reads_back_until_it_expires() -> None:
    link = read(token(), "k1", now=NOW + timedelta(hours=71, minutes=59))
    assert link == ApprovalLink("PO-1:2", "PO-1", 2, 1, "mona", int(NOW.timestamp()) + 72 * 3600)
    assert link.expires_at == NOW + timedelta(hours=72)
    with pytest.raises(ExpiredLink, match="expired on 2026-12-03 09:00 UTC; open the request"):
        read(token(), "k1", now=NOW + timedelta(hours=72))


def test_a_link_signed_with_another_key_or_changed_is_a_forgery() -> None:
    genuine = token()
    with pytest.raises(BadLink, match=r"^This link was not issued by OMS or has been altered\.$"):
        read(genuine, "k2", now=NOW)
    payload, _, signature = genuine.partition(".")
    other = token(approver_id="eve").partition(".")[0]
    for forged in (f"{other}.{signature}", f"{payload}.{signature[:-2]}", payload, "", "."):
        with pytest.raises(BadLink):
            read(forged, "k1", now=NOW)
    with pytest.raises(BadLink):
        read(genuine, "", now=NOW)


def test_a_signed_token_that_is_no_link_is_refused() -> None:
    from shared.links import _encode, _signature

    payload = _encode(b'{"request_id": "x"}')
    with pytest.raises(BadLink, match=r"^This link is not an approval link\.$"):
        read(f"{payload}.{_signature('k1', payload)}", "k1", now=NOW)
    payload = _encode(b"not json")
    with pytest.raises(BadLink, match="not an approval link"):
        read(f"{payload}.{_signature('k1', payload)}", "k1", now=NOW)


def test_no_key_signs_nothing() -> None:
    with pytest.raises(ValueError, match="a link needs a signing key"):
        sign(
            approval_link(
                request_id="r",
                order_id="o",
                attempt=1,
                level=1,
                approver_id="a",
                now=NOW,
                valid_for=timedelta(hours=1),
            ),
            "",
        )


# --- orders --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "viewer", "editable"),
    [
        ({"created_by": "carl", "status": "draft"}, CARL, True),
        ({"created_by": "carl", "status": "rejected"}, CARL, True),
        ({"created_by": "carl", "status": "pending_approval"}, CARL, False),
        ({"created_by": "carl", "status": "approved"}, CARL, False),
        ({"created_by": "carl", "status": "draft"}, MONA, False),
        ({"created_by": "carl", "status": "rejected"}, ADA, True),
        ({"created_by": "carl", "status": "approved"}, ADA, False),
    ],
)
def test_who_may_edit_an_order(order: dict[str, Any], viewer: Viewer, editable: bool) -> None:
    assert may_edit(order, viewer) is editable


@pytest.mark.parametrize(
    ("order", "step"),
    [
        ({"status": "approved", "kind": "purchase"}, "receive"),
        ({"status": "partially_received", "kind": "purchase"}, "receive"),
        ({"status": "approved", "kind": "sales"}, "issue"),
        ({"status": "partially_issued", "kind": "sales"}, "issue"),
        ({"status": "pending_approval", "kind": "purchase"}, None),
        ({"status": "completed", "kind": "sales"}, None),
        ({"status": "draft", "kind": "sales"}, None),
    ],
)
def test_goods_move_only_against_an_approved_order(order: dict[str, Any], step: str | None) -> None:
    assert fulfilment_step(order) == step


def test_lines_are_typed_one_per_line() -> None:
    assert parse_lines("BOLT 500 0.12\n\n  NUT, 10 \n") == [
        {"sku": "BOLT", "quantity": "500", "unit_price": "0.12"},
        {"sku": "NUT", "quantity": "10"},
    ]
    with pytest.raises(ValueError, match=r"^Line 2: write the item, the quantity and the unit"):
        parse_lines("BOLT 1 1\nNUT")
    with pytest.raises(ValueError, match="Line 1: "):
        parse_lines("A 1 2 3")
    with pytest.raises(ValueError, match=r"^An order needs at least one line\.$"):
        parse_lines(" \n")


# --- refusals -------------------------------------------------------------------------------------


def test_a_refusal_reads_as_words_then_the_services_sentence() -> None:
    assert refusal_words("self_approval", "PO-1 was created by you.") == (
        "You cannot approve an order you created. PO-1 was created by you."
    )
    assert refusal_words("frobnicated", "PO-1 is frobnicated.") == (
        "The request was refused. PO-1 is frobnicated."
    )
    assert refusal_words("order_exists", "") == (
        "An order with this id exists already: choose another id."
    )
    assert refusal_words("unknown_order", "") == "There is no such order."
    assert refusal_words("unknown_order", "There is no such order.") == "There is no such order."
    assert refusal_words("timeout", "").startswith("The service did not answer in time")


def test_order_filters_are_read_from_the_query() -> None:
    filters = Filters.read({"kind": "sales", "branch_id": " N ", "page": "3", "created_from": "x"})
    assert (filters.kind, filters.branch_id, filters.page) == ("sales", "N", 3)
    assert filters.query() == {"kind": "sales", "branch_id": "N"}
    assert Filters.read({"page": "-1"}).page == 1
    assert Filters.read({"page": "0"}).page == 1
    dated = Filters(status="approved", created_from="2026-11-01", created_to="2026-11-30")
    assert dated.query() == {
        "status": "approved",
        "created_on": {"$gte": "2026-11-01", "$lte": "2026-11-30T99"},
    }


def test_after_sign_in_only_a_path_of_this_site() -> None:
    from services.backoffice.web import safe_next

    assert safe_next("/requests/PO-1:1") == "/requests/PO-1:1"
    for elsewhere in ("https://evil.example/", "//evil.example", "/\\evil.example", "", None):
        assert safe_next(elsewhere) == "/inbox"


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("not_the_approver", "This request does not wait for you."),
        ("self_approval", "You cannot approve an order you created."),
        ("request_already_decided", "Someone decided this request already."),
        ("level_already_decided", "This level has already been decided."),
        ("not_current_level", "This level is not the one waiting for a decision."),
        ("unknown_request", "There is no such approval request."),
        (
            "order_locked",
            "The order is waiting for approval or further along: it cannot be changed.",
        ),
        ("invalid_transition", "The order is not in a state that allows this."),
        ("not_the_creator", "Only the order's creator (or an administrator) may do this."),
        ("unknown_order", "There is no such order."),
        ("order_exists", "An order with this id exists already: choose another id."),
        (
            "order_not_approved",
            "The stockroom does not know of the order's approval yet (it learns it a moment "
            "after the approval): try again in a few seconds.",
        ),
        ("invalid_quantity", "A quantity is finer than its item is counted in."),
        ("insufficient_stock", "There is not enough stock free for this."),
        ("over_receipt", "That is more than the order still expects."),
        ("exceeds_ordered", "That is more than the order still expects."),
        ("invalid_message", "Some of what you entered is not valid."),
        ("not_allowed", "The back office may not send this command."),
        ("not_the_acting_user", "The command named someone other than you."),
        ("approver_not_admin", "A named approver must be an administrator."),
        (
            "fallback_approver_required",
            "A cycle that uses the creator's manager needs a fallback approver.",
        ),
        ("unknown_cycle", "There is no such cycle."),
        ("unknown_user", "There is no such user."),
        (
            "timeout",
            "The service did not answer in time; the command may still be carried out. "
            "Reload the page in a moment.",
        ),
    ],
)
def test_each_refusal_reads_as_a_person_would_say_it(reason: str, words: str) -> None:
    assert refusal_words(reason, "") == words


def test_a_request_without_decisions_is_seen_by_its_people_only() -> None:
    undecided = {"approver": {"user_id": "mona"}, "creator": {"user_id": "carl"}}
    assert may_view_request(undecided, MONA)
    assert not may_view_request(undecided, Viewer("eve", "Eve"))


def test_an_orders_origins_are_named_once_in_the_order_its_timeline_meets_them() -> None:
    timeline = [
        {"document": "quotation", "document_id": "Q-1", "event": "order.quotation_created"},
        {"document": "quotation", "document_id": "Q-1", "event": "order.quotation_converted"},
        {"document": "order", "document_id": "SO-Q-1", "event": "order.created"},
        {"event": "order.submitted"},  # an entry recorded before documents were named
    ]
    assert came_from(timeline) == [{"document": "quotation", "id": "Q-1"}]
    assert came_from([]) == []


def test_the_cycle_form_is_filled_with_the_stored_cycle() -> None:
    level = {"approver": "named_user", "user_id": "ada"}
    stored = {
        "id": "CYC-1",
        "name": "Big",
        "levels": [level],
        "emails": {"pending": False, "approved": True, "rejected": False},
    }
    assert cycle_values(stored)["emails"] == stored["emails"]
    assert cycle_values(stored)["levels"] == [{**level, "above_in_text": ""}]
    older = {"id": "CYC-2", "name": "Old", "levels": [], "notify": False}  # one switch for all
    assert cycle_values(older)["emails"] == dict.fromkeys(
        ("pending", "approved", "rejected"), False
    )
    assert cycle_values(None)["emails"] == dict.fromkeys(("pending", "approved", "rejected"), True)


def test_the_audit_trail_names_what_a_form_changed_by_its_ids_and_never_its_secrets() -> None:
    sent = {"csrf": "t", "user_id": "alice", "password": "a long passphrase", "notes": "fine"}
    assert about(sent) == "user_id=alice"
    assert about({"order_id": "PO-1", "decision": "approve", "notes": "x"}) == (
        "order_id=PO-1 decision=approve"
    )
    assert about({"date_style": "iso"}) == ""

"""What a signed-in person may see and do in the back office, and how a refusal reads: pure
rules, no I/O (unit-tested and mutation-tested like the services' domains)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.contracts import statuses
from shared.pricing import minor_unit, round_to


@dataclass(frozen=True)
class Viewer:
    """The person signed in, as the approval directory knows them."""

    user_id: str
    name: str
    admin: bool = False
    active: bool = True


class Forbidden(Exception):
    """The person may not see or do this; the message says why, for them."""


def require_admin(viewer: Viewer, what: str) -> None:
    if not viewer.admin:
        raise Forbidden(f"Only administrators of the approval directory may {what}.")


def may_sign_in(person: Mapping[str, Any] | None) -> bool:
    """A directory user who is active and has a password set."""
    return bool(person and person.get("active", True) and person.get("password_hash"))


# --- approval requests ------------------------------------------------------------------------

STATUS_WORDS = {
    "pending": "is waiting for a decision",
    "approved": "was approved",
    "rejected": "was rejected",
    "superseded": "was superseded: the order was submitted again or cancelled, and a newer "
    "request (if any) replaced this one",
    "cancelled": "was approved, but the order was cancelled",
}


def request_state(request: Mapping[str, Any], viewer: Viewer) -> str | None:
    """Why ``viewer`` cannot decide ``request`` now, in words; ``None`` when they can."""
    status = request.get("status", "")
    if status != "pending":
        return f"This request {STATUS_WORDS.get(status, status)}; nothing is left to decide."
    approver = (request.get("approver") or {}).get("user_id")
    if approver != viewer.user_id:
        return f"Level {request.get('level')} waits for {approver}, not for you."
    return None


def may_view_request(request: Mapping[str, Any], viewer: Viewer) -> bool:
    """The approver it waits for, anyone who decided it, its creator, the away approver a
    delegate decides it for, or an admin."""
    if viewer.admin:
        return True
    people = {(request.get("approver") or {}).get("user_id")}
    people.add((request.get("creator") or {}).get("user_id"))
    people.add((request.get("on_behalf_of") or {}).get("user_id"))  # the away approver
    for decision in request.get("decisions", []):
        people.add((decision.get("approver") or {}).get("user_id"))
        people.add((decision.get("on_behalf_of") or {}).get("user_id"))
    return viewer.user_id in people


def oldest_first(requests: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(requests, key=lambda request: str(request.get("opened_at", "")))


def link_refusal(
    request: Mapping[str, Any] | None, *, attempt: int, level: int, approver_id: str
) -> str | None:
    """Why a genuine e-mailed link no longer works, or ``None`` while its request still waits
    for the same approver at the same level of the same attempt."""
    if request is None:
        return "The request this link was made for does not exist."
    if request.get("attempt") != attempt:
        return "The order has changed since this link was sent: it was submitted again."
    if request.get("status") != "pending":
        return f"This request {STATUS_WORDS.get(request.get('status', ''), 'is closed')}."
    if request.get("level") != level:
        return f"Level {level} of this request has already been decided."
    if (request.get("approver") or {}).get("user_id") != approver_id:
        return "This request no longer waits for the person this link was sent to."
    return None


# --- orders -----------------------------------------------------------------------------------

EDITABLE = statuses.EDITABLE
CANCELLABLE = statuses.CANCELLABLE
"""As the order service allows: before anything was received or issued."""
FULFILLABLE = statuses.CLOSABLE


def may_edit(order: Mapping[str, Any], viewer: Viewer) -> bool:
    """Its creator (or an admin) while it is a draft or rejected."""
    mine = order.get("created_by") == viewer.user_id or viewer.admin
    return mine and order.get("status") in EDITABLE


def may_cancel(order: Mapping[str, Any], viewer: Viewer) -> bool:
    """Its creator (or an admin) until goods were received or issued against it."""
    mine = order.get("created_by") == viewer.user_id or viewer.admin
    return mine and order.get("status") in CANCELLABLE


def fulfilment_step(order: Mapping[str, Any]) -> str | None:
    """``receive`` (purchase) or ``issue`` (sales) when the order is approved and not complete."""
    if order.get("status") not in FULFILLABLE:
        return None
    return "receive" if order.get("kind") == "purchase" else "issue"


def came_from(timeline: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The documents an order came from (its quotation, RFQ or cart), as its timeline names
    them, each once and in the order they first appear."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for entry in timeline:
        document, key = str(entry.get("document") or "order"), str(entry.get("document_id"))
        if document != "order":
            found.setdefault((document, key), {"document": document, "id": key})
    return list(found.values())


# --- answers ----------------------------------------------------------------------------------

REASON_WORDS = {
    "not_the_approver": "This request does not wait for you.",
    "self_approval": "You cannot approve an order you created.",
    "request_already_decided": "Someone decided this request already.",
    "level_already_decided": "This level has already been decided.",
    "not_current_level": "This level is not the one waiting for a decision.",
    "unknown_request": "There is no such approval request.",
    "order_locked": "The order is waiting for approval or further along: it cannot be changed.",
    "invalid_transition": "The order is not in a state that allows this.",
    "not_the_creator": "Only the order's creator (or an administrator) may do this.",
    "unknown_order": "There is no such order.",
    "order_exists": "An order with this id exists already: choose another id.",
    "order_not_approved": "The stockroom does not know of the order's approval yet (it learns "
    "it a moment after the approval): try again in a few seconds.",
    "invalid_quantity": "A quantity is finer than its item is counted in.",
    "discontinued_product": "A product on the order is discontinued, and this branch takes no "
    "sales orders for discontinued products.",
    "stale_record": "Someone changed this record since you opened it: open it again and make "
    "your change on what is stored now.",
    "unit_change_with_stock": "The item has stock or open orders: its unit cannot change, nor "
    "its decimal places become fewer.",
    "item_exists": "A product with this sku exists already: open it to change it.",
    "unknown_item": "There is no such item.",
    "insufficient_stock": "There is not enough stock free for this.",
    "items_held": "The order holds items the storefront's price list does not know: give "
    "their unit prices with Edit first.",
    "over_receipt": "That is more than the order still expects.",
    "exceeds_ordered": "That is more than the order still expects.",
    "invalid_message": "Some of what you entered is not valid.",
    "unknown_tax_rate": "A tax code is not defined, or not in force yet.",
    "unknown_price_list": "There is no such price list.",
    "price_list_mismatch": "That price list is for another currency or branch.",
    "unknown_price": "A line has no unit price, and the price list has none for its item.",
    "discount_exceeds_line": "A line's discount is larger than the line.",
    "discount_exceeds_document": "The discount on the order is larger than the order.",
    "invalid_discount": "A discount is not valid.",
    "invalid_line": "A line is not valid.",
    "not_allowed": "The back office may not send this command.",
    "not_the_acting_user": "The command named someone other than you.",
    "approver_not_admin": "A named approver must be an administrator.",
    "fallback_approver_required": "A cycle that uses the creator's manager needs a fallback "
    "approver.",
    "unknown_cycle": "There is no such cycle.",
    "unknown_user": "There is no such user.",
    "invalid_manager": "A user cannot be their own manager.",
    "manager_cycle": "That manager would make the chain of managers loop.",
    "last_admin": "The directory needs at least one active administrator.",
    "requests_waiting": "Approval requests wait for this user.",
    "invalid_reassignment": "That person cannot take over these approval requests.",
    # the books: sales invoices, supplier bills, returns
    "currency_mismatch": "That is not the document's currency.",
    "invalid_amount": "The amount has more decimals than its currency has.",
    "overpayment": "That is more than the invoice's balance.",
    "duplicate_payment": "A payment with this reference was recorded already.",
    "credit_exceeds_invoice": "That credit is more than what is left on the invoice.",
    "not_on_invoice": "An item is not on the invoice.",
    "refund_exceeds_credit": "That refund is more than the credit owed to the customer.",
    "unknown_credit_note": "There is no such credit note on this invoice.",
    "unknown_invoice": "There is no such invoice.",
    "unknown_bill": "There is no such bill.",
    "bill_not_held": "The bill is not held (any more): nothing is left to accept or reject.",
    "bill_not_payable": "Only an approved bill is paid.",
    "return_exceeds_issued": "That is more than was issued less what came back already.",
    "order_not_issued": "Nothing was issued against the order yet.",
    "not_on_order": "An item is not on the order.",
    "unknown_return": "There is no such return authorization for this order.",
    "return_already_received": "This return was received already.",
    "wrong_location": "That location is not one of the order's branch.",
    "unknown_location": "There is no such location.",
    "wrong_order_kind": "That is not a sales order.",
    "timeout": "The service did not answer in time; the command may still be carried out. "
    "Reload the page in a moment.",
}


def refusal_words(reason: str, detail: str) -> str:
    """A refusal in words a person understands: what happened, then the service's sentence."""
    headline = REASON_WORDS.get(reason, "The request was refused.")
    return headline if not detail or detail == headline else f"{headline} {detail}"


def parse_lines(text: str) -> list[dict[str, str]]:
    """Order lines typed one per line as ``sku quantity [unit price]`` (commas allowed)."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.replace(",", " ").split()
        if not parts:
            continue
        if len(parts) not in (2, 3):
            raise ValueError(f"Line {number}: write the item, the quantity and the unit price.")
        line = {"sku": parts[0], "quantity": parts[1]}
        if len(parts) == 3:
            line["unit_price"] = parts[2]
        lines.append(line)
    if not lines:
        raise ValueError("An order needs at least one line.")
    return lines


# --- numbers ----------------------------------------------------------------------------------


def figure(value: Any) -> str:
    """A decimal as a person writes it: ``7.25`` for ``7.250000``, ``400`` for ``400.000``."""
    if value is None or value == "":
        return ""
    return format(Decimal(str(value)).normalize(), "f")


def money(value: Any, currency: str = "") -> str:
    """An amount with the currency's decimals (``38.40`` in EUR, ``1,200`` in JPY, ``1.250`` in
    BHD), grouped by thousands; an exact line value finer than that keeps its further digits,
    so that shown lines add up to the totals. Files (CSV) write amounts without grouping."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    unit = minor_unit(currency.upper())
    if number == round_to(number, unit):
        return format(round_to(number, unit), ",f")
    return format(number.normalize(), ",f")

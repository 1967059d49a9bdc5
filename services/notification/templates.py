"""E-mail templates: subject and plain-text body for each notification kind."""

from __future__ import annotations

import json
from datetime import datetime
from string import Template
from urllib.parse import urlencode

from shared.contracts import (
    ApprovalApproved,
    ApprovalPending,
    ApprovalReassigned,
    ApprovalRejected,
    ApprovalReminderDue,
    ApprovalWithdrawn,
    ApproveRequest,
    CartRecoveryDue,
    Person,
    RejectRequest,
    WithdrawalReason,
)
from shared.contracts.billing import (
    BillingContact,
    InvoiceOverdue,
    InvoiceUncollectible,
    SubscriptionCancelled,
)
from shared.contracts.receivables import CustomerInvoiceOverdue
from shared.names import COMMANDS, command_rejected

KIND_LABEL = {"purchase": "Purchase order", "sales": "Sales order"}

PENDING = Template(
    """Hello $approver,

$label $order_id for $party_id is waiting for your approval: request $request_id,
level $level of $levels. It was submitted by $creator (attempt $attempt).
$credit
To decide, publish a JSON message on the exchange $exchange with the routing key
$approve to approve or $reject to reject, and this body:

    $command

Send it through the back office (RabbitMQ user backoffice, with the AMQP user_id property
set to backoffice and the header x-oms-user set to $approver_id): only you may decide it.

Add "notes" to explain your decision; a rejection's notes are sent to $creator. The
answer is the request's next event, or $refused with the reason.

The requests waiting for you: GET $inbox
$link"""
)

WITHDRAWN = Template(
    """Hello $approver,

$label $order_id for $party_id no longer waits for your approval: request $request_id
(level $level of $levels) was withdrawn because $why.

Nothing is left for you to decide on it.
"""
)

WHY = {
    WithdrawalReason.ORDER_CANCELLED: "the order was cancelled",
    WithdrawalReason.NEW_ATTEMPT: "the order was submitted again, as a new attempt with an "
    "approval request of its own",
}

APPROVED = Template(
    """Hello $creator,

$label $order_id for $party_id has been approved at every level and can now be $next_step.
$decisions
"""
)

REJECTED = Template(
    """Hello $creator,

$label $order_id for $party_id was rejected at level $level by $approver.

Notes from the approver:
$notes

Edit the order and submit it again; the approval cycle starts again from level 1.
"""
)


OVERDUE = Template(
    """Hello $contact,

invoice $invoice_id ($total $currency, for subscription $subscription_id) was due on $due
and $balance $currency of it is still unpaid. This is reminder $attempt of $attempts.

$next
"""
)

SALES_OVERDUE = Template(
    """Hello $contact,

invoice $invoice_id ($total $currency, for order $order_id) was due on $due
and $balance $currency of it is still unpaid. This is reminder $attempt of $attempts.

$next
"""
)

# The last reminder is not the final notice: the e-mail that follows it (the cancellation, or
# the write-off) is, and says so.
FINAL = {
    "cancel_subscription": "No further reminder follows: because the invoice is still unpaid, "
    "subscription $subscription_id is being cancelled. A separate e-mail, the final notice, "
    "confirms the cancellation.",
    "mark_uncollectible": "No further reminder follows: because the invoice is still unpaid, it "
    "is being written off as uncollectible and handed to our accounts team. A separate e-mail, "
    "the final notice, confirms the write-off.",
}

UNCOLLECTIBLE = Template(
    """Hello $contact,

invoice $invoice_id ($total $currency, for subscription $subscription_id) is still unpaid
after every reminder; $balance $currency is written off as uncollectible. A payment is
still recorded against it if you make one.

This is the final notice about this invoice.
"""
)

CANCELLED = Template(
    """Hello $contact,

subscription $subscription_id (plan $plan_id) $when.
Reason: $reason
$final"""
)


def _name(person: Person) -> str:
    return person.name or person.user_id


def inbox_url(approval_url: str, approver_id: str) -> str:
    """The approval service's query of the requests waiting for ``approver_id``."""
    query = urlencode({"approver_id": approver_id, "status": "pending"})
    return f"{approval_url.rstrip('/')}/requests?{query}"


def backoffice_link(url: str | None) -> str:
    """The paragraph that links to the request in the back office, when there is one."""
    if not url:
        return ""
    return (
        f"\nOr open the request in the back office, sign in, and approve or reject it there:\n"
        f"{url}\n(the link works for this request only, until it is decided or the order "
        "changes)\n"
    )


def pending(
    event: ApprovalPending, *, approval_url: str, link: str | None = None
) -> tuple[str, str]:
    label = KIND_LABEL[event.order_kind.value]
    subject = f"Approval needed: {label} {event.order_id} (level {event.level} of {event.levels})"
    if event.on_behalf_of is not None:
        subject = f"{subject}, for {_name(event.on_behalf_of)}"
    command = {
        "request_id": event.request_id,
        "level": event.level,
        "approver_id": event.approver.user_id,
    }
    return subject, PENDING.substitute(
        approver=_name(event.approver),
        label=label,
        order_id=event.order_id,
        party_id=event.party_id,
        request_id=event.request_id,
        level=event.level,
        levels=event.levels,
        creator=_name(event.creator),
        attempt=event.attempt,
        exchange=COMMANDS,
        approve=ApproveRequest.routing_key,
        reject=RejectRequest.routing_key,
        command=json.dumps(command),
        refused=command_rejected("approval"),
        inbox=inbox_url(approval_url, event.approver.user_id),
        approver_id=event.approver.user_id,
        link=backoffice_link(link),
        credit=credit_paragraph(event),
    )


def credit_paragraph(event: ApprovalPending) -> str:
    """What the credit approver is asked to allow, when the credit check applies (and the
    level waiting is the credit check's); otherwise, nothing or a note for the others."""
    credit = event.credit
    if credit is None or not credit.applies:
        return ""
    amounts = (
        f"the customer's open exposure would be {credit.exposure_after} {credit.currency} "
        f"({credit.exposure} before this order): over the credit limit of {credit.limit} "
        f"{credit.currency} by {credit.over_by} {credit.currency}"
    )
    if credit.level == event.level:
        return f"\nCredit check: {amounts}. You are asked to allow it as the credit approver.\n"
    return f"\nCredit check: {amounts}; the credit approver decides after this level.\n"


def reassigned(
    event: ApprovalReassigned, *, approval_url: str, link: str | None = None
) -> tuple[str, str]:
    """The pending e-mail, saying whose request it was, why and who moved it to the reader."""
    subject, body = pending(event, approval_url=approval_url, link=link)
    greeting, _, rest = body.partition("\n\n")
    previous = _name(event.previous_approver)
    if event.reason == "delegated":
        away = _name(event.on_behalf_of or event.previous_approver)
        moved = f"This request waited for {previous}; {away} is away, and you decide it for them."
    elif event.reason == "escalated":
        moved = (
            f"This request waited for {previous} longer than its approval cycle allows, and "
            "has been escalated to you."
        )
    else:
        moved = (
            f"This request waited for {previous}, who has left; "
            f"{event.reassigned_by} reassigned it to you."
        )
    return f"Reassigned to you: {subject}", f"{greeting}\n\n{moved}\n\n{rest}"


def reminder(
    event: ApprovalReminderDue, *, approval_url: str, link: str | None = None
) -> tuple[str, str]:
    """The pending e-mail again, saying since when it waits (and when it escalates)."""
    subject, body = pending(event, approval_url=approval_url, link=link)
    greeting, _, rest = body.partition("\n\n")
    waits = f"A reminder: this request has waited for you since {_day(event.waiting_since)}."
    if event.escalates_at is not None:
        waits += f" Undecided, it moves to another approver on {_day(event.escalates_at)}."
    return f"Reminder {event.reminder}: {subject}", f"{greeting}\n\n{waits}\n\n{rest}"


def withdrawn(event: ApprovalWithdrawn) -> tuple[str, str]:
    label = KIND_LABEL[event.order_kind.value]
    return f"No longer needed: approval of {label} {event.order_id}", WITHDRAWN.substitute(
        approver=_name(event.approver),
        label=label,
        order_id=event.order_id,
        party_id=event.party_id,
        request_id=event.request_id,
        level=event.level,
        levels=event.levels,
        why=WHY[event.reason],
    )


def approved(event: ApprovalApproved) -> tuple[str, str]:
    label = KIND_LABEL[event.order_kind.value]
    next_step = "received" if event.order_kind.value == "purchase" else "issued"
    decisions = "\n".join(
        f"Level {d.level}: approved by {_name(d.approver)}" + (f" ({d.notes})" if d.notes else "")
        for d in event.decisions
    )
    return f"Approved: {label} {event.order_id}", APPROVED.substitute(
        creator=_name(event.creator),
        label=label,
        order_id=event.order_id,
        party_id=event.party_id,
        next_step=next_step,
        decisions=decisions,
    )


def rejected(event: ApprovalRejected) -> tuple[str, str]:
    label = KIND_LABEL[event.order_kind.value]
    return f"Rejected: {label} {event.order_id}", REJECTED.substitute(
        creator=_name(event.creator),
        label=label,
        order_id=event.order_id,
        party_id=event.party_id,
        level=event.level,
        approver=_name(event.approver),
        notes=event.notes or "(none)",
    )


def _contact(contact: BillingContact) -> str:
    return contact.name or str(contact.email)


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def invoice_overdue(event: InvoiceOverdue) -> tuple[str, str]:
    if event.next_attempt_at is not None:
        follow = f"Please pay it; the next reminder is due on {_day(event.next_attempt_at)}."
    else:
        follow = Template(FINAL[event.final_action]).substitute(
            subscription_id=event.subscription_id
        )
    subject = f"Payment reminder {event.attempt}/{event.attempts}: invoice {event.invoice_id}"
    return subject, OVERDUE.substitute(
        contact=_contact(event.billing_contact),
        invoice_id=event.invoice_id,
        total=event.total,
        currency=event.currency,
        subscription_id=event.subscription_id,
        due=_day(event.due_at),
        balance=event.balance,
        attempt=event.attempt,
        attempts=event.attempts,
        next=follow,
    )


def customer_invoice_overdue(
    event: CustomerInvoiceOverdue, contact: BillingContact
) -> tuple[str, str]:
    """A sales invoice's reminder: only reminded, nothing follows the last on its own."""
    if event.next_attempt_at is not None:
        follow = f"Please pay it; the next reminder is due on {_day(event.next_attempt_at)}."
    else:
        follow = "This is the last reminder. Please pay it, or contact us about it."
    subject = f"Payment reminder {event.attempt}/{event.attempts}: invoice {event.invoice_id}"
    return subject, SALES_OVERDUE.substitute(
        contact=_contact(contact),
        invoice_id=event.invoice_id,
        total=event.total,
        currency=event.currency,
        order_id=event.order_id,
        due=_day(event.due_at),
        balance=event.balance,
        attempt=event.attempt,
        attempts=event.attempts,
        next=follow,
    )


def invoice_uncollectible(event: InvoiceUncollectible) -> tuple[str, str]:
    return f"Invoice {event.invoice_id} written off", UNCOLLECTIBLE.substitute(
        contact=_contact(event.billing_contact),
        invoice_id=event.invoice_id,
        total=event.total,
        currency=event.currency,
        subscription_id=event.subscription_id,
        balance=event.balance,
    )


FINAL_CANCELLATION = "\nThis is the final notice about this subscription.\n"
"""Only a cancellation that takes effect now ends the correspondence (not one at period end)."""


def subscription_cancelled(event: SubscriptionCancelled) -> tuple[str, str]:
    when = (
        f"ends with its current period, on {_day(event.current_period_end)}"
        if event.at_period_end
        else "is cancelled: nothing more is billed"
    )
    return f"Subscription {event.subscription_id} cancelled", CANCELLED.substitute(
        contact=_contact(event.billing_contact),
        subscription_id=event.subscription_id,
        plan_id=event.plan_id,
        when=when,
        reason=event.reason or "(none given)",
        final="" if event.at_period_end else FINAL_CANCELLATION,
    )


CART_RECOVERY = Template(
    """Hello,

you left these items in your cart at $storefront:

$items

Total: $total $currency

Your cart is waiting for you: $link

You get this reminder because you gave us your e-mail address while shopping. To stop cart
reminders, tell the storefront you do not want them.
"""
)

CART_SUBJECTS = {1: "You left something in your cart", 2: "Your cart is still waiting"}
LATER_CART_SUBJECT = "A reminder: your cart is still saved"
"""Steps after the second (carts do not expire, and the event does not say which is last)."""


def cart_recovery(event: CartRecoveryDue) -> tuple[str, str]:
    """A reminder of an abandoned cart: its contents, its total and the link back to it."""
    lines = "\n".join(
        f"  {item.quantity} x {item.name or item.sku} ({item.sku}) at {item.unit_price}"
        for item in event.items
    )
    subject = CART_SUBJECTS.get(event.step, LATER_CART_SUBJECT)
    body = CART_RECOVERY.substitute(
        storefront=event.storefront_id,
        items=lines,
        total=event.total,
        currency=event.currency,
        link=event.cart_url or f"the storefront {event.storefront_id}",
    )
    return subject, body

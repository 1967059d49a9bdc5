"""E-mail templates: subject and plain-text body for each notification kind."""

from __future__ import annotations

from string import Template

from shared.contracts import ApprovalApproved, ApprovalPending, ApprovalRejected, Person

KIND_LABEL = {"purchase": "Purchase order", "sales": "Sales order"}

PENDING = Template(
    """Hello $approver,

$label $order_id for $party_id is waiting for your approval (level $level of $levels).
It was submitted by $creator (attempt $attempt).

Approve or reject it in OMS; a rejection may carry notes for the creator.
"""
)

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


def _name(person: Person) -> str:
    return person.name or person.user_id


def pending(event: ApprovalPending) -> tuple[str, str]:
    label = KIND_LABEL[event.order_kind.value]
    subject = f"Approval needed: {label} {event.order_id} (level {event.level})"
    return subject, PENDING.substitute(
        approver=_name(event.approver),
        label=label,
        order_id=event.order_id,
        party_id=event.party_id,
        level=event.level,
        levels=event.levels,
        creator=_name(event.creator),
        attempt=event.attempt,
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

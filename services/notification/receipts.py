"""E-mails about over-receipt requests: the approval e-mails, saying which held receipt they
are about; and to the order's creator, the receipt's outcome (approved or rejected, with the
approver's notes)."""

from __future__ import annotations

from string import Template
from typing import Protocol

from services.notification import templates
from shared.contracts import ApprovalPending, Event, Person
from shared.contracts.receipts import (
    ReceiptApprovalApproved,
    ReceiptApprovalPending,
    ReceiptApprovalReassigned,
    ReceiptApprovalRejected,
    ReceiptApprovalWithdrawn,
    ReceiptReminderDue,
)

HELD = Template(
    """This request is about goods receipt $receipt_id (received by $received_by at
$location_id), which goes beyond the order's tolerance and is held, nothing in stock yet:
$lines"""
)

OUTCOME = Template(
    """Hello $creator,

goods receipt $receipt_id against purchase order $order_id for $party_id went beyond the
order's tolerance and was held: $outcome
$lines
"""
)


Waiting = ReceiptApprovalPending | ReceiptApprovalReassigned | ReceiptReminderDue
Decided = ReceiptApprovalApproved | ReceiptApprovalRejected


class Links(Protocol):
    def to(self, event: ApprovalPending) -> str: ...


def _name(person: Person) -> str:
    return person.name or person.user_id


def _lines(event: Waiting | ReceiptApprovalWithdrawn | Decided) -> str:
    return "\n".join(
        f"  {line.sku}: ordered {line.ordered}, received {line.received}, this receipt "
        f"{line.offered}, the tolerance allows {line.allowed}, excess {line.excess}"
        for line in event.lines
    )


def about_receipt(
    event: Waiting | ReceiptApprovalWithdrawn, subject: str, body: str
) -> tuple[str, str]:
    """An approval e-mail, saying which held receipt it is about."""
    greeting, _, rest = body.partition("\n\n")
    held = HELD.substitute(
        receipt_id=event.receipt_id,
        received_by=event.received_by,
        location_id=event.location_id,
        lines=_lines(event),
    )
    return f"Over-receipt {event.receipt_id}: {subject}", f"{greeting}\n\n{held}\n\n{rest}"


def outcome(event: Decided) -> tuple[str, str]:
    """To the creator: the held receipt was approved (it is received) or refused (why)."""
    if isinstance(event, ReceiptApprovalRejected):
        who = _name(event.approver)
        said = f"rejected by {who}" if event.refusal == "rejected" else "refused"
        words = f"it was {said}, and nothing was received.\nNotes: {event.notes or '(none)'}\n"
        verdict = "Rejected"
    else:
        approver = event.decisions[-1].approver if event.decisions else None
        by = f" by {_name(approver)}" if approver else ""
        words = f"it was approved{by}, and is received into stock now.\n"
        verdict = "Approved"
    subject = f"{verdict}: over-receipt {event.receipt_id} of purchase order {event.order_id}"
    return subject, OUTCOME.substitute(
        creator=_name(event.creator),
        receipt_id=event.receipt_id,
        order_id=event.order_id,
        party_id=event.party_id,
        outcome=words,
        lines=_lines(event),
    )


class ReceiptNotifications:
    approval_url: str
    links: Links | None

    async def _queue(
        self, event: Event, kind: str, recipient: Person, subject: str, body: str
    ) -> None: ...

    async def receipt_pending(self, event: Waiting) -> None:
        """Tell the approver that an over-receipt waits for them, and how to decide."""
        if not event.notify:
            return
        link = self.links.to(event) if self.links else None
        if isinstance(event, ReceiptApprovalReassigned):
            words = templates.reassigned(event, approval_url=self.approval_url, link=link)
        elif isinstance(event, ReceiptReminderDue):
            words = templates.reminder(event, approval_url=self.approval_url, link=link)
        else:
            words = templates.pending(event, approval_url=self.approval_url, link=link)
        subject, body = about_receipt(event, *words)
        await self._queue(event, "receipt_pending", event.approver, subject, body)

    async def receipt_withdrawn(self, event: ReceiptApprovalWithdrawn) -> None:
        """Tell the approver the over-receipt no longer waits (the order was cancelled)."""
        if event.notify:
            subject, body = about_receipt(event, *templates.withdrawn(event))
            await self._queue(event, "receipt_withdrawn", event.approver, subject, body)

    async def receipt_decided(self, event: Decided) -> None:
        """Tell the order's creator what became of the held receipt."""
        if event.notify:
            subject, body = outcome(event)
            await self._queue(event, "receipt_decided", event.creator, subject, body)

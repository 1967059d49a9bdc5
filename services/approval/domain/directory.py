"""Rules that keep the user directory whole, checked before a user is changed.

A change may not leave the directory without an active admin (nobody could then approve a
named or fallback level, or configure cycles); a chain of managers may not lead back to where
it started, at any depth (the creator's-manager rule would then have no top); and a user may
not leave while approval requests wait for them, unless someone who may decide those requests
takes them over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.approval.domain.errors import (
    InvalidReassignment,
    LastAdmin,
    ManagerCycle,
    RequestsWaiting,
)
from services.approval.domain.requests import ApprovalRequest
from services.approval.domain.users import User, UserDetails

MAX_CHAIN = 1000
"""A manager chain longer than this is treated as broken data, not followed further."""


def needs_turn(before: User | None, details: UserDetails) -> bool:
    """Whether a change could break a rule together with another change made at the same
    time, so that it must take its turn: it names a manager (two changes could close a loop),
    deactivates someone (their waiting requests move), or takes an active admin away (two
    could take the last two). Adding or changing anyone else cannot, and needs no turn."""
    if details.manager_id is not None or not details.active:
        return True
    return before is not None and before.admin and before.active and not details.admin


def check_manager_chain(
    user_id: str, manager_id: str | None, managers: Mapping[str, str | None]
) -> None:
    """Refuse ``manager_id`` for ``user_id`` if following managers from it comes back to them.

    ``managers``: each user's manager as the directory has it now (at least along the chain
    from ``manager_id``).
    """
    if manager_id == user_id:
        return  # a user who is their own manager is refused by the user (invalid_manager)
    chain = [user_id]
    current = manager_id
    while current is not None and len(chain) <= MAX_CHAIN:
        chain.append(current)
        if current == user_id:
            raise ManagerCycle(
                f"{manager_id} cannot be the manager of {user_id}: the chain of managers "
                f"would loop ({' -> '.join(chain)}). Change one of them first."
            )
        if current in chain[:-1]:
            return  # a loop the directory had already, not through this user
        current = managers.get(current)


def check_admins_left(before: User | None, details: UserDetails, other_active_admins: int) -> None:
    """Refuse taking away the last active admin (deactivating or demoting them)."""
    if before is None or not before.can_approve_as_admin:
        return
    if details.active and details.admin:
        return
    if other_active_admins == 0:
        what = "deactivated" if not details.active else "made a non-admin"
        raise LastAdmin(
            f"{before.id} is the last active admin and cannot be {what}: make another user an "
            "active admin first."
        )


def check_reassignment(
    user_id: str,
    before: User | None,
    details: UserDetails,
    waiting: Sequence[ApprovalRequest],
    *,
    reassign_to: str | None,
    successor: User | None,
) -> list[ApprovalRequest]:
    """The requests that move to ``reassign_to`` when this change deactivates a user.

    A user who is deactivated while requests wait for them must name who takes them over:
    an active user, not the creator of any of those orders, and an active admin when a
    request's level is one a named admin or the fallback approves.
    """
    if details.active or not waiting:
        return []
    if reassign_to is None:
        if before is not None and not before.active:
            return []  # left before: what still waits for them is moved only when asked
        raise RequestsWaiting(
            f"{len(waiting)} approval request(s) wait for {user_id} "
            f"({', '.join(r.id for r in waiting[:10])}): name who takes them over "
            "(reassign_to) to deactivate them."
        )
    if successor is None or not successor.active:
        raise InvalidReassignment(
            f"{reassign_to} cannot take over the requests of {user_id}: "
            f"{'not an active user' if successor else 'not in the directory'}."
        )
    for request in waiting:
        if request.creator.user_id == successor.id:
            raise InvalidReassignment(
                f"{successor.id} created order {request.order_id} and cannot approve request "
                f"{request.id}: name someone else in reassign_to."
            )
        if request.needs_admin and not successor.admin:
            raise InvalidReassignment(
                f"Level {request.level} of request {request.id} is approved by an admin, and "
                f"{successor.id} is not one: name an active admin in reassign_to."
            )
    return list(waiting)

"""Who approves a level: the rule, applied to what the directory knows.

Order of preference: the level's own rule (the creator's manager, or the named admin); if that
cannot be used (no manager, the manager is the creator, the person is unknown, inactive, or a
named approver is no longer admin), the cycle's fallback admin; if the fallback cannot be used
either, nobody (the request is then rejected, saying why, rather than left waiting forever).
The creator is never the approver of their own order.

Then delegation: when the approver found is away (``approval.set_away``) at the moment the
level starts waiting, the level goes to their delegate, on their behalf, if the delegate may
decide it: active, not the order's creator, and an active admin when the level is one only an
admin may approve (a named admin's, or the fallback's). If the delegate may not, the level goes
to the cycle's fallback approver (when usable and not the away approver), else it stays with
the approver. A delegate's own delegation is not followed (one step only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from services.approval.domain.users import User
from shared.contracts import ApproverRule, LevelRule, Person


@dataclass(frozen=True)
class Resolved:
    approver: Person | None
    via: str  # "manager", "named", "fallback" or "unresolved"
    why: str | None = None  # why the rule itself was not used
    on_behalf_of: Person | None = None  # the away approver someone else decides for
    to_delegate: bool = False  # approver is the away approver's delegate


def resolve_approver(
    rule: LevelRule, *, creator_id: str, fallback_id: str | None, users: Mapping[str, User]
) -> Resolved:
    if rule.approver is ApproverRule.CREATOR_MANAGER:
        creator = users.get(creator_id)
        manager_id = creator.manager_id if creator else None
        manager = users.get(manager_id or "")
        if manager is None:
            why = f"creator {creator_id} has no manager in the directory"
        elif manager.id == creator_id:
            why = f"the manager of {creator_id} is the creator"
        elif not manager.active:
            why = f"manager {manager.id} is inactive"
        else:
            return Resolved(manager.person(), "manager")
    else:
        named = users.get(rule.user_id or "")
        if named is None:
            why = f"named approver {rule.user_id} is not in the directory"
        elif named.id == creator_id:
            why = f"named approver {named.id} created the order"
        elif not named.can_approve_as_admin:
            why = f"named approver {named.id} is no longer an active admin"
        else:
            return Resolved(named.person(), "named")
    fallback = users.get(fallback_id or "")
    if fallback is not None and fallback.can_approve_as_admin and fallback.id != creator_id:
        return Resolved(fallback.person(), "fallback", why)
    return Resolved(None, "unresolved", f"{why}, and the cycle has no usable fallback approver")


def may_take(user: User | None, *, creator_id: str, needs_admin: bool) -> bool:
    """Whether ``user`` may decide a level of an order ``creator_id`` created."""
    if user is None or not user.active or user.id == creator_id:
        return False
    return user.admin or not needs_admin


def delegated(
    resolved: Resolved,
    *,
    needs_admin: bool,
    creator_id: str,
    fallback_id: str | None,
    users: Mapping[str, User],
    now: datetime,
) -> Resolved:
    """``resolved`` after delegation: to the away approver's delegate, or the fallback."""
    approver = users.get(resolved.approver.user_id) if resolved.approver else None
    delegate_id = approver.delegate_at(now) if approver else None
    if approver is None or delegate_id is None:
        return resolved
    delegate = users.get(delegate_id)
    if may_take(delegate, creator_id=creator_id, needs_admin=needs_admin):
        assert delegate is not None
        return replace(
            resolved, approver=delegate.person(), on_behalf_of=approver.person(), to_delegate=True
        )
    fallback = users.get(fallback_id or "")
    usable = may_take(fallback, creator_id=creator_id, needs_admin=True)
    if fallback is not None and usable and fallback.id != approver.id:
        why = (
            f"{approver.id} is away and their delegate {delegate_id} may not decide this level "
            "(inactive, the order's creator, or not an admin)"
        )
        return Resolved(fallback.person(), "fallback", why, on_behalf_of=approver.person())
    return resolved

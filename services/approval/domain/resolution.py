"""Who approves a level: the rule, applied to what the directory knows.

Order of preference: the level's own rule (the creator's manager, or the named admin); if that
cannot be used (no manager, the manager is the creator, the person is unknown, inactive, or a
named approver is no longer admin), the cycle's fallback admin; if the fallback cannot be used
either, nobody (the request is then rejected, saying why, rather than left waiting forever).
The creator is never the approver of their own order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.approval.domain.users import User
from shared.contracts import ApproverRule, LevelRule, Person


@dataclass(frozen=True)
class Resolved:
    approver: Person | None
    via: str  # "manager", "named", "fallback" or "unresolved"
    why: str | None = None  # why the rule itself was not used


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

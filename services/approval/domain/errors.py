"""Business-rule refusals of the approval service, each with a stable reason code."""

from shared.domain import DomainError


class UnknownUser(DomainError):
    reason = "unknown_user"


class ApproverNotAdmin(DomainError):
    reason = "approver_not_admin"


class FallbackRequired(DomainError):
    reason = "fallback_approver_required"


class UnknownCycle(DomainError):
    reason = "unknown_cycle"


class CycleKindFixed(DomainError):
    reason = "cycle_kind_fixed"


class NotInCycle(DomainError):
    reason = "party_not_in_cycle"


class InvalidManager(DomainError):
    reason = "invalid_manager"


class UnknownRequest(DomainError):
    reason = "unknown_request"


class RequestDecided(DomainError):
    reason = "request_already_decided"


class LevelAlreadyDecided(DomainError):
    reason = "level_already_decided"


class NotCurrentLevel(DomainError):
    reason = "not_current_level"


class SelfApproval(DomainError):
    reason = "self_approval"


class NotAnApprover(DomainError):
    reason = "not_the_approver"


class ManagerCycle(DomainError):
    """approval.upsert_user: the manager named would make the chain of managers lead back to
    the user (at any depth); the detail names the chain."""

    reason = "manager_cycle"


class LastAdmin(DomainError):
    """approval.upsert_user: the change would deactivate or demote the last active admin."""

    reason = "last_admin"


class RequestsWaiting(DomainError):
    """approval.upsert_user: approval requests wait for the user being deactivated and no
    reassign_to names who takes them over; the detail says how many, and which."""

    reason = "requests_waiting"


class InvalidReassignment(DomainError):
    """approval.upsert_user: reassign_to is unknown or inactive, created one of the orders, or
    is no admin while a request waits at a level a named admin or the fallback approves."""

    reason = "invalid_reassignment"


class InvalidDelegate(DomainError):
    """approval.set_away: the delegate is not in the directory, inactive, or the approver
    themself."""

    reason = "invalid_delegate"


class NotPermitted(DomainError):
    """approval.set_away / clear_away: the acting person is neither the approver nor an active
    admin."""

    reason = "not_permitted"


class NotAway(DomainError):
    """approval.clear_away: the user is not away."""

    reason = "not_away"

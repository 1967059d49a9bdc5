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
    reason = "manager_cycle"


class LastAdmin(DomainError):
    reason = "last_admin"


class RequestsWaiting(DomainError):
    reason = "requests_waiting"


class InvalidReassignment(DomainError):
    reason = "invalid_reassignment"

"""The approval service's pure domain: users, cycles, party assignments and requests."""

from services.approval.domain.cycles import Assignment, Cycle, Emails, assignment_id
from services.approval.domain.errors import (
    ApproverNotAdmin,
    FallbackRequired,
    LevelAlreadyDecided,
    NotAnApprover,
    NotCurrentLevel,
    NotInCycle,
    RequestDecided,
    SelfApproval,
    UnknownCycle,
    UnknownRequest,
    UnknownUser,
)
from services.approval.domain.requests import ApprovalRequest, RequestStatus, request_id
from services.approval.domain.resolution import Resolved, resolve_approver
from services.approval.domain.users import User, UserDetails

__all__ = [
    "ApprovalRequest",
    "ApproverNotAdmin",
    "Assignment",
    "Cycle",
    "Emails",
    "FallbackRequired",
    "LevelAlreadyDecided",
    "NotAnApprover",
    "NotCurrentLevel",
    "NotInCycle",
    "RequestDecided",
    "RequestStatus",
    "Resolved",
    "SelfApproval",
    "UnknownCycle",
    "UnknownRequest",
    "UnknownUser",
    "User",
    "UserDetails",
    "assignment_id",
    "request_id",
    "resolve_approver",
]

"""Signed links to one approval request, e-mailed by the notification service and opened in the
back office; both hold the same signing key (``OMS_LINK_SIGNING_KEY``).

A link names the request, the order, the order's approval attempt (its version while it waits:
an edit and a new submission make a new attempt), the level and the approver, and when it
expires; an HMAC-SHA256 over all of it makes any change to them a forgery. That the request
still waits (not decided, superseded or withdrawn) is for the back office to check when the
link is opened: a valid signature proves who the link was for, not that it is still current.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta


class BadLink(ValueError):
    """The link was not made with our key or was changed (a forgery), or is not a link."""


class ExpiredLink(ValueError):
    """The link was genuine but its time is up."""


@dataclass(frozen=True)
class ApprovalLink:
    request_id: str
    order_id: str
    attempt: int
    level: int
    approver_id: str
    expires: int
    """Seconds since the epoch (UTC)."""

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: str, payload: str) -> str:
    return _encode(hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest())


def sign(link: ApprovalLink, key: str) -> str:
    """The token of ``link``: its facts, then their signature."""
    if not key:
        raise ValueError("a link needs a signing key")
    payload = _encode(json.dumps(asdict(link), sort_keys=True).encode())
    return f"{payload}.{_signature(key, payload)}"


def approval_link(
    *,
    request_id: str,
    order_id: str,
    attempt: int,
    level: int,
    approver_id: str,
    now: datetime,
    valid_for: timedelta,
) -> ApprovalLink:
    return ApprovalLink(
        request_id, order_id, attempt, level, approver_id, int((now + valid_for).timestamp())
    )


def read(token: str, key: str, *, now: datetime) -> ApprovalLink:
    """The link a token stands for, if we signed it and it has not expired."""
    payload, _, signature = token.partition(".")
    if not key or not payload or not hmac.compare_digest(signature, _signature(key, payload)):
        raise BadLink("This link was not issued by OMS or has been altered.")
    try:
        link = ApprovalLink(**json.loads(_decode(payload)))
    except (ValueError, TypeError) as error:
        raise BadLink("This link is not an approval link.") from error
    if now.timestamp() >= link.expires:
        raise ExpiredLink(
            f"This link expired on {link.expires_at:%Y-%m-%d %H:%M} UTC; open the request "
            "from your inbox instead."
        )
    return link

"""Away and delegation: an approver names who decides for them while they are away.

Requests that arrive while they are away go to the delegate when their level starts waiting
(``Directory.resolve``); the requests already waiting move to the delegate when the range
starts: at once when ``approval.set_away`` names a range that has started, else when the
schedule finds the start passed (``start_away``). Each move is an ``approval.reassigned``
with reason ``delegated``, naming the away approver in ``on_behalf_of``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from services.approval.domain import ApprovalRequest, RequestStatus, User
from services.approval.domain.errors import NotPermitted, UnknownUser
from services.approval.domain.resolution import Resolved, delegated
from services.approval.domain.users import Away
from services.approval.repository import ApprovalStores
from shared.contracts import ClearAway, ReassignReason, SetAway
from shared.storage.aggregates import ConcurrencyConflict

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
MOST_WAITING = 10_000
"""Requests moved per user and look, at most (what is left moves at the next look)."""


class AwayHandlers:
    stores: ApprovalStores
    clock: Clock
    batch: int

    async def set_away(self, cmd: SetAway) -> None:
        """Record the range and the delegate; if it has started, move what waits now."""
        now = self.clock()
        user = await self._user(cmd.user_id)
        await self._check_acting(user, cmd.set_by)
        delegate = await self.stores.users.read(cmd.delegate_id)
        away = Away(
            delegate_id=cmd.delegate_id,
            starts_at=cmd.starts_at,
            ends_at=cmd.ends_at,
            set_by=cmd.set_by,
        )
        probe = user.model_copy(update={"away": away})  # where each waiting request would go
        moves = await self._moves(probe, now) if away.covers(now) else []
        await self.stores.users.change(
            cmd.user_id,
            cmd,
            lambda u: u.set_away(away, delegate, now=now, moved=[r.id for r, _ in moves]),
            missing=lambda: UnknownUser(f"{cmd.user_id} is not in the user directory."),
        )
        for request, to in moves:
            await self.stores.moved_requests.change(
                request.id,
                cmd,
                _mover(cmd.user_id, to, by=cmd.set_by, now=now),
                missing=LookupError,
            )

    async def clear_away(self, cmd: ClearAway) -> None:
        """Nothing more goes to the delegate; what was moved to them stays with them."""
        user = await self._user(cmd.user_id)
        await self._check_acting(user, cmd.cleared_by)
        await self.stores.users.change(
            cmd.user_id,
            cmd,
            lambda u: u.clear_away(by=cmd.cleared_by, now=self.clock()),
            missing=lambda: UnknownUser(f"{cmd.user_id} is not in the user directory."),
        )

    async def start_away(self, now: datetime) -> int:
        """Away ranges that have started: the requests waiting for those users move to their
        delegates, then the start is marked done (a conflict leaves it for the next look)."""
        started = 0
        query = {"away_starts_pending": {"$ne": None, "$lte": now}}
        for user in await self.stores.users.find(query, limit=self.batch):
            try:
                for request, to in await self._moves(user, now):
                    _move(request, user.id, to, by=_by(user), now=now)
                    await self.stores.requests.save(request, cause=None)
                user.away_started()
                await self.stores.users.save(user, cause=None)
                started += 1
            except ConcurrencyConflict:
                log.info("away_start_retried", user_id=user.id)
        return started

    async def _moves(self, user: User, now: datetime) -> list[tuple[ApprovalRequest, Resolved]]:
        """The requests waiting for ``user`` that go elsewhere while they are away, and to
        whom (their delegate, or the cycle's fallback when the delegate may not decide)."""
        waiting = await self.stores.requests.find(
            {"status": RequestStatus.PENDING, "approver.user_id": user.id}, limit=MOST_WAITING
        )
        assert user.away is not None
        ids = {user.away.delegate_id, *(r.fallback_approver_id for r in waiting)}
        users = await self.stores.directory.get(ids) | {user.id: user}
        moves = []
        for request in waiting:
            resolved = delegated(
                Resolved(user.person(), request.approver_via or "named"),
                needs_admin=request.needs_admin,
                creator_id=request.creator.user_id,
                fallback_id=request.fallback_approver_id,
                users=users,
                now=now,
            )
            if resolved.approver is not None and resolved.approver.user_id != user.id:
                moves.append((request, resolved))
        return moves

    async def _user(self, user_id: str) -> User:
        user = await self.stores.users.read(user_id)
        if user is None:
            raise UnknownUser(f"{user_id} is not in the user directory.")
        return user

    async def _check_acting(self, user: User, acting: str) -> None:
        if acting == user.id:
            return
        admin = await self.stores.users.read(acting)
        if admin is None or not admin.can_approve_as_admin:
            raise NotPermitted(
                f"{acting} may not set or clear the away of {user.id}: only they themself or "
                "an active admin may."
            )


def _move(request: ApprovalRequest, leaving: str, to: Resolved, *, by: str, now: datetime) -> None:
    assert to.approver is not None
    request.reassign(
        leaving=leaving,
        to=to.approver,
        by=by,
        reason=ReassignReason.DELEGATED,
        on_behalf_of=to.on_behalf_of,
        now=now,
    )


def _mover(
    leaving: str, to: Resolved, *, by: str, now: datetime
) -> Callable[[ApprovalRequest], None]:
    return lambda request: _move(request, leaving, to, by=by, now=now)


def _by(user: User) -> str:
    assert user.away is not None
    return user.away.set_by

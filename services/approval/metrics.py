"""The approval service's business figures in ``/metrics``: requests waiting and how long,
and how long decisions took."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import prometheus_client

from services.approval.domain import ApprovalRequest, RequestStatus
from services.approval.repository import REQUESTS
from shared.contracts.base import utcnow
from shared.runtime import Runtime
from shared.storage.mongo import UNCOUNTED

TURNAROUND_BUCKETS = (60, 300, 900, 3600, 4 * 3600, 8 * 3600, 86400, 3 * 86400, 7 * 86400)
"""Minutes to a week: people decide, not machines."""

Observe = Callable[[ApprovalRequest], None]


def approval_metrics(runtime: Runtime[Any]) -> Observe:
    """Register the gauges read on a scrape; return what a decision reports its turnaround to."""
    metrics = runtime.metrics
    waiting = metrics.metric(
        prometheus_client.Gauge,
        "oms_approval_requests_waiting",
        "Approval requests waiting for a decision (status pending).",
    )
    oldest = metrics.metric(
        prometheus_client.Gauge,
        "oms_approval_oldest_request_age_seconds",
        "How long the oldest pending approval request has been waiting (0 when none).",
    )
    turnaround = metrics.metric(
        prometheus_client.Histogram,
        "oms_approval_turnaround_seconds",
        "From a request's opening to its final decision (approved at the last level, or "
        "rejected), by the approvers' commands; by order kind and outcome.",
        ("order_kind", "outcome"),
        buckets=TURNAROUND_BUCKETS,
    )
    requests = runtime.database[REQUESTS]

    async def refresh() -> None:
        pending = {"status": RequestStatus.PENDING}
        count = await requests.count_documents(pending, comment=UNCOUNTED)
        first = await requests.find_one(
            pending, {"opened_at": 1}, sort=[("opened_at", 1)], comment=UNCOUNTED
        )
        waiting.set(count)
        oldest.set((utcnow() - first["opened_at"]).total_seconds() if first else 0)

    metrics.on_scrape("approval_requests", refresh)

    def decided(request: ApprovalRequest) -> None:
        final = request.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
        if final and request.decided_at is not None:
            seconds = (request.decided_at - request.opened_at).total_seconds()
            turnaround.labels(request.order_kind, request.status).observe(seconds)

    return decided

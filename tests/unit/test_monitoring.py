"""The Grafana dashboard and the Prometheus alert rules use metrics the services export."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

import prometheus_client
import yaml

from services.approval.metrics import approval_metrics
from services.notification.app import emails_failed
from shared.metrics import Metrics
from shared.storage.mongo import CommandCounter
from tests.support.servers import ROOT

MONITORING = ROOT / "deploy" / "monitoring"
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def exported() -> set[str]:
    """The names every OMS metric is exported under (each service's registrations)."""
    registry = prometheus_client.CollectorRegistry()
    metrics = Metrics(registry)
    runtime: Any = SimpleNamespace(metrics=metrics, database=defaultdict(object))
    approval_metrics(runtime)
    emails_failed(runtime)
    metrics.watch_outbox(runtime.database, ["orders"])
    CommandCounter(registry)
    return {family.name for family in registry.collect()}


def referenced(text: str) -> set[str]:
    names = set(re.findall(r"\boms_[a-z_]+", text))
    for suffix in SUFFIXES:
        names = {n.removesuffix(suffix) for n in names}
    return names


def test_the_alert_rules_are_well_formed_and_use_exported_metrics() -> None:
    text = (MONITORING / "prometheus-rules.yaml").read_text()
    rules = [rule for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]
    assert {rule["alert"] for rule in rules} >= {
        "OmsOutboxStuck",
        "OmsMessagesDeadLettered",
        "OmsEmailsFailing",
        "OmsApprovalWaitingLong",
    }
    for rule in rules:
        assert rule["expr"].strip()
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"]
    used = referenced(" ".join(rule["expr"] for rule in rules))
    assert used <= exported()
    assert len(used) >= 5


def test_the_dashboard_shows_every_business_metric() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert all(expr.strip() for expr in exprs)
    assert referenced(" ".join(exprs)) == exported() - {"oms_unrouted_commands"}
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))

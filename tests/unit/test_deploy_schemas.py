"""The deployment files against their schemas: Kubernetes manifests (kubernetes-validate,
strict), KEDA's ScaledObjects (what their CRD and our services need), the Compose file (the
Compose JSON schema)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from deploy.generate import KEDA_MAX_REPLICAS, KEDA_MIN_REPLICAS, consumed_queues
from shared.registry import SERVICES
from tests.support.servers import ROOT

K8S = ROOT / "deploy" / "k8s"
CONSUMERS = {f"oms-{service.name}" for service in SERVICES}
"""The Deployments that consume queues (the back office, a gateway, consumes none)."""
KUBERNETES = "1.30.0"


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifests() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.name, doc)
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in documents(path)
    ]


@pytest.mark.parametrize(("name", "resource"), manifests(), ids=lambda v: str(v)[:40])
def test_each_kubernetes_manifest_matches_the_kubernetes_schema(
    name: str, resource: dict[str, Any]
) -> None:
    kubernetes_validate.validate(resource, KUBERNETES, strict=True)


def keda() -> dict[str, dict[str, dict[str, Any]]]:
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in documents(K8S / "keda" / "scaledobjects.yaml"):
        assert doc["apiVersion"] == "keda.sh/v1alpha1"
        found.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    return found


def test_every_consuming_deployment_scales_on_the_depth_of_its_queues() -> None:
    objects = keda()
    secrets = {s["metadata"]["name"]: s for s in documents(K8S / "secrets.template.yaml")}
    for service in SERVICES:
        scaled = objects["ScaledObject"][f"oms-{service.name}"]["spec"]
        assert scaled["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": f"oms-{service.name}",
        }
        assert scaled["minReplicaCount"] == KEDA_MIN_REPLICAS
        assert scaled["maxReplicaCount"] == KEDA_MAX_REPLICAS
        triggers = scaled["triggers"]
        assert {t["metadata"]["queueName"] for t in triggers} == set(consumed_queues(service))
        for trigger in triggers:
            assert trigger["type"] == "rabbitmq"
            assert trigger["metadata"]["mode"] == "QueueLength"
            assert int(trigger["metadata"]["value"]) > 0
            auth = objects["TriggerAuthentication"][trigger["authenticationRef"]["name"]]
            [ref] = auth["spec"]["secretTargetRef"]
            assert ref["parameter"] == "host"
            assert ref["key"] in secrets[ref["name"]]["stringData"]


def test_the_keda_component_replaces_the_cpu_autoscalers_and_fixed_replicas() -> None:
    component = yaml.safe_load((K8S / "keda" / "kustomization.yaml").read_text())
    assert component["kind"] == "Component"
    deleted, unfixed = set(), set()
    for patch in component["patches"]:
        body = yaml.safe_load(patch["patch"])
        if isinstance(body, dict) and body.get("$patch") == "delete":
            deleted.add((body["kind"], body["metadata"]["name"]))
        else:
            assert body == [{"op": "remove", "path": "/spec/replicas"}]
            unfixed.add(patch["target"]["name"])
    for path in K8S.glob("*.yaml"):
        for doc in documents(path):
            if doc.get("kind") == "HorizontalPodAutoscaler":
                assert ("HorizontalPodAutoscaler", doc["metadata"]["name"]) in deleted
            consumer = doc.get("metadata", {}).get("name") in CONSUMERS
            if doc.get("kind") == "Deployment" and "replicas" in doc["spec"] and consumer:
                assert doc["metadata"]["name"] in unfixed
    assert unfixed <= CONSUMERS  # a gateway (the back office) keeps its fixed replicas
    overlay = yaml.safe_load((ROOT / "deploy" / "k8s-keda" / "kustomization.yaml").read_text())
    assert overlay["resources"] == ["../k8s"]
    assert overlay["components"] == ["../k8s/keda"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
def test_the_keda_overlay_builds_with_no_autoscaler_left() -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "deploy" / "k8s-keda")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    resources = [doc for doc in yaml.safe_load_all(built) if doc]
    kinds = [doc["kind"] for doc in resources]
    assert "HorizontalPodAutoscaler" not in kinds
    assert kinds.count("ScaledObject") == len(SERVICES)
    for doc in resources:
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] in CONSUMERS:
            assert "replicas" not in doc["spec"]
        if doc["kind"] not in {"ScaledObject", "TriggerAuthentication"}:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "oms"


def test_the_compose_file_matches_the_compose_schema() -> None:
    schema = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # The vendored schema predates the top-level project name; it is checked by hand.
    name = compose.pop("name")
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name)
    errors = list(jsonschema.Draft201909Validator(schema).iter_errors(compose))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]

"""The deployment files follow shared/registry.py (``make generate``), and a new entry reaches
every one of them without a hand edit."""

import base64
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from deploy import generate, network
from shared.registry import (
    CALLERS,
    GATEWAYS,
    INTEGRATIONS,
    SERVICES,
    STOREFRONTS,
    Need,
    ServiceEntry,
)
from shared.settings import STOP_MARGIN_SECONDS, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
SHIPPING = ServiceEntry("shipping", 8091, "parcels, carriers and tracking")
NEWSLETTER = ServiceEntry(
    "newsletter",
    8092,
    "newsletters and their subscribers",
    needs=frozenset({Need.DATABASE, Need.SMTP}),
    autoscaled=True,
)


def generated(tmp_path: Path, *extra: ServiceEntry) -> Path:
    generate.write(generate.render((*SERVICES, *extra)), tmp_path)
    return tmp_path


def documents(path: Path) -> list[Any]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def by_kind(path: Path) -> dict[str, Any]:
    return {document["kind"]: document for document in documents(path)}


def test_committed_files_are_what_the_registry_generates() -> None:
    result = subprocess.run(
        [sys.executable, "deploy/generate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_check_names_each_stale_file(tmp_path: Path) -> None:
    files = generate.render(SERVICES)
    generate.write(files, tmp_path)
    (tmp_path / "deploy/k8s/billing.yaml").write_text("# edited by hand\n")
    (tmp_path / "docker-compose.yml").unlink()

    assert sorted(generate.stale(files, tmp_path)) == [
        "deploy/k8s/billing.yaml",
        "docker-compose.yml",
    ]


def test_a_new_service_gets_compose_k8s_secret_and_rabbitmq_user(tmp_path: Path) -> None:
    root = generated(tmp_path, SHIPPING)

    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    shipping = compose["services"]["shipping"]
    assert shipping["command"] == ["services.shipping"]
    assert shipping["environment"]["OMS_HTTP_PORT"] == "8091"
    assert (
        shipping["environment"]["OMS_AMQP_URL"] == "amqp://shipping:shipping-dev@rabbitmq:5672/oms"
    )
    assert "ports" not in shipping  # read inside the Compose network only
    assert set(shipping["depends_on"]) == {"mongo", "rabbitmq"}

    kustomization = yaml.safe_load((root / "deploy/k8s/kustomization.yaml").read_text())
    assert "shipping.yaml" in kustomization["resources"]
    manifest = by_kind(root / "deploy/k8s/shipping.yaml")
    assert set(manifest) == {"Deployment", "Service", "PodDisruptionBudget"}
    deployment = manifest["Deployment"]
    assert deployment["spec"]["replicas"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "services.shipping"]
    assert container["ports"][0]["containerPort"] == 8091
    assert manifest["Service"]["spec"]["ports"][0]["port"] == 8091

    secrets = {
        s["metadata"]["name"]: s for s in documents(root / "deploy/k8s/secrets.template.yaml")
    }
    assert set(secrets["oms-shipping"]["stringData"]) == {"OMS_AMQP_URL", "OMS_MONGODB_URL"}

    definitions = json.loads((root / "deploy/rabbitmq/definitions.json").read_text())
    assert "shipping" in {user["name"] for user in definitions["users"]}
    permissions = {p["user"]: p for p in definitions["permissions"]}["shipping"]
    assert permissions["vhost"] == "oms"
    assert permissions["configure"] == permissions["read"] == r"^(oms\.|shipping\.)"
    assert permissions["write"] == r"^(oms\.|shipping\.|amq\.default$)"


def test_the_image_exposes_every_port_of_the_registry(tmp_path: Path) -> None:
    exposed = (ROOT / "Dockerfile").read_text().split("\nEXPOSE ")[1].split("\n")[0]
    assert exposed.split() == [str(s.port) for s in (*SERVICES, *GATEWAYS)]
    assert "8090" in exposed.split()  # the back office's port, missing before it was generated

    root = generated(tmp_path, SHIPPING)
    assert "EXPOSE 8081 8082 8083 8084 8085 8091 8090\n" in (root / "Dockerfile").read_text()
    assert (root / "Dockerfile").read_text().startswith("# syntax=docker/dockerfile:1\n")


def test_an_autoscaled_mail_sending_service_gets_an_autoscaler_and_smtp_settings(
    tmp_path: Path,
) -> None:
    root = generated(tmp_path, NEWSLETTER)

    manifest = by_kind(root / "deploy/k8s/newsletter.yaml")
    assert "replicas" not in manifest["Deployment"]["spec"]
    assert manifest["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == "oms-newsletter"
    container = manifest["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    config_maps = [s["configMapRef"]["name"] for s in container["envFrom"] if "configMapRef" in s]
    assert config_maps == ["oms-settings", "oms-newsletter-settings"]
    assert "oms-newsletter-settings" in {
        document["metadata"]["name"] for document in documents(root / "deploy/k8s/configmap.yaml")
    }

    secrets = {
        s["metadata"]["name"]: s for s in documents(root / "deploy/k8s/secrets.template.yaml")
    }
    assert {"OMS_SMTP_USERNAME", "OMS_SMTP_PASSWORD"} <= set(
        secrets["oms-newsletter"]["stringData"]
    )

    newsletter = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]["newsletter"]
    assert newsletter["depends_on"]["mailpit"] == {"condition": "service_started"}
    assert newsletter["environment"]["OMS_SMTP_HOST"] == "mailpit"


def test_every_rabbitmq_user_logs_in_with_its_development_password() -> None:
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    users = {user["name"]: user for user in definitions["users"]}

    assert set(users) == {"admin"} | {service.rabbitmq_user for service in SERVICES} | {
        caller.name for caller in CALLERS
    } | {front.rabbitmq_user for front in STOREFRONTS} | {i.rabbitmq_user for i in INTEGRATIONS}
    for name, user in users.items():
        stored = base64.b64decode(user["password_hash"])
        salt, digest = stored[:4], stored[4:]
        assert digest == hashlib.sha256(salt + f"{name}-dev".encode()).digest(), name


def test_the_stop_bound_and_both_grace_periods_agree() -> None:
    """Compose and Kubernetes wait the documented bound (OMS_GRACEFUL_TIMEOUT + 5 s) and 5 s
    more before SIGKILL; the definitions give oms.commands its alternate exchange."""
    graceful = ServiceSettings.model_fields["graceful_timeout"].default
    bound = graceful + STOP_MARGIN_SECONDS
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["x-oms-service"]["stop_grace_period"] == f"{int(bound) + 5}s"
    assert compose["x-oms-environment"]["OMS_GRACEFUL_TIMEOUT"] == str(int(graceful))
    for service in SERVICES:
        deployment = by_kind(ROOT / f"deploy/k8s/{service.name}.yaml")["Deployment"]
        assert deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == (
            int(bound) + 5
        )
    readme = (ROOT / "deploy/README.md").read_text()
    assert f"`OMS_GRACEFUL_TIMEOUT` + 5 s ({int(bound)} s)" in readme

    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    exchanges = {e["name"]: e for e in definitions["exchanges"]}
    assert exchanges["oms.commands"]["arguments"] == {"alternate-exchange": "oms.unrouted"}
    assert exchanges["oms.unrouted"]["type"] == "fanout"
    [policy] = definitions["policies"]
    assert policy["definition"] == {"alternate-exchange": "oms.unrouted"}
    assert policy["apply-to"] == "exchanges"


def test_a_service_may_send_exactly_the_commands_whose_contracts_name_it() -> None:
    definitions = json.loads(Path("deploy/rabbitmq/definitions.json").read_text())
    commands = {
        grant["user"]: grant["write"]
        for grant in definitions["topic_permissions"]
        if grant["exchange"] == "oms.commands"
    }
    billing = re.compile(commands["billing"])
    assert billing.match("order.create_sales_order")
    assert billing.match("order.submit")
    for key in ("order.cancel", "order.create_purchase_order", "order.submit.x", "billing.x"):
        assert not billing.match(key), key
    assert commands["inventory"] == commands["order"] == generate.NOTHING


def test_a_storefront_user_publishes_only_its_own_cart_events() -> None:
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    topics = {
        (grant["user"], grant["exchange"]): grant
        for grant in definitions["topic_permissions"]
        if grant["user"] == "storefront-demo"
    }
    grants = [g for g in definitions["permissions"] if g["user"] == "storefront-demo"]

    events = re.compile(topics[("storefront-demo", "oms.events")]["write"])
    assert events.match("cart.demo.item_added")
    assert not events.match("cart.web-eu.item_added")
    assert not events.match("order.created")
    assert topics[("storefront-demo", "oms.commands")]["write"] == "^$"
    assert not re.match(grants[0]["write"], "oms.commands")
    # The older storefront caller keeps its sales-order commands.
    legacy = {
        g["exchange"]: g for g in definitions["topic_permissions"] if g["user"] == "storefront"
    }
    assert re.match(legacy["oms.commands"]["write"], "order.create_sales_order")


def test_an_integration_sender_publishes_only_its_own_record_s_events() -> None:
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    for user, record, other in (
        ("customers", "customer", "vendor"),
        ("vendors", "vendor", "product"),
        ("products", "product", "customer"),
    ):
        topics = {
            grant["exchange"]: grant
            for grant in definitions["topic_permissions"]
            if grant["user"] == user
        }
        events = re.compile(topics["oms.events"]["write"])
        assert events.match(f"{record}.upserted"), user
        for key in (f"{other}.upserted", "order.customer_recorded", f"{record}.upserted.x"):
            assert not events.match(key), (user, key)
        assert topics["oms.commands"]["write"] == "^$"
        [grant] = [g for g in definitions["permissions"] if g["user"] == user]
        assert not re.match(grant["write"], "oms.commands")
        assert user in {u["name"] for u in definitions["users"]}


def test_only_the_back_office_and_local_helpers_are_published_by_compose() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    published = {name: spec.get("ports", []) for name, spec in compose["services"].items()}
    assert published.pop("backoffice") == ["8090:8090"]
    for service in SERVICES:
        assert published.pop(service.name) == [], service.name
    for name, ports in published.items():  # RabbitMQ, MongoDB, Mailpit: this machine only
        assert all(str(port).startswith("127.0.0.1:") for port in ports), (name, ports)


def test_network_policies_deny_by_default_and_open_only_what_oms_needs() -> None:
    policies = {
        doc["metadata"]["name"]: doc["spec"]
        for doc in documents(ROOT / "deploy/k8s/networkpolicy.yaml")
    }
    assert policies["oms-default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    kustomization = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    assert "networkpolicy.yaml" in kustomization["resources"]
    for service in SERVICES:
        spec = policies[f"oms-{service.name}"]
        queries, metrics = spec["ingress"]
        assert queries["ports"] == [{"protocol": "TCP", "port": service.port}]
        readers = [peer["podSelector"]["matchLabels"] for peer in queries["from"]]
        assert {"oms.io/query-client": "true"} in readers
        reads = service.name in generate.BACKOFFICE_READS
        assert ({"app.kubernetes.io/name": "oms-backoffice"} in readers) is reads
        assert metrics["ports"] == [{"protocol": "TCP", "port": network.METRICS_PORT}]
        assert metrics["from"][0]["namespaceSelector"]["matchLabels"] == {
            "kubernetes.io/metadata.name": "monitoring"
        }
        [egress] = spec["egress"]
        ports = {rule["port"] for rule in egress["ports"]}
        smtp = set(network.SMTP_PORTS) if Need.SMTP in service.needs else set()
        assert ports == {5672, 5671, 27017} | smtp, service.name
    backoffice = policies["oms-backoffice"]
    reached = {
        rule["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in backoffice["egress"]
        if "to" in rule
    }
    assert reached == {f"oms-{name}" for name in generate.BACKOFFICE_READS}


def test_every_pod_resolves_names_and_notification_reaches_the_configured_smtp_port() -> None:
    policies = {
        doc["metadata"]["name"]: doc["spec"]
        for doc in documents(ROOT / "deploy/k8s/networkpolicy.yaml")
    }
    dns = policies["oms-allow-dns"]
    assert dns["podSelector"] == {}
    [rule] = dns["egress"]
    assert rule["to"][0]["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
    assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("UDP", 53), ("TCP", 53)}
    settings = {
        doc["metadata"]["name"]: doc["data"]
        for doc in documents(ROOT / "deploy/k8s/configmap.yaml")
    }
    smtp_port = int(settings["oms-notification-settings"]["OMS_SMTP_PORT"])
    [egress] = policies["oms-notification"]["egress"]
    assert smtp_port in {rule["port"] for rule in egress["ports"]}


def test_metrics_are_scraped_on_their_own_port_and_query_keys_mounted_as_a_file() -> None:
    for service in SERVICES:
        manifest = by_kind(ROOT / f"deploy/k8s/{service.name}.yaml")
        pod = manifest["Deployment"]["spec"]["template"]
        [container] = pod["spec"]["containers"]
        env = {item["name"]: item.get("value") for item in container["env"]}
        assert env["OMS_METRICS_PORT"] == str(network.METRICS_PORT)
        assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(network.METRICS_PORT)
        keys_file = env["OMS_QUERY_KEYS"].removeprefix("@")  # followed without a restart
        [mount] = [m for m in container["volumeMounts"] if m["name"] == "query-keys"]
        assert keys_file.startswith(mount["mountPath"] + "/")
        [volume] = [v for v in pod["spec"]["volumes"] if v["name"] == "query-keys"]
        assert volume["secret"]["secretName"] == "oms-query-keys"

"""Service names, ports and reads come from shared/registry.py, wherever they are used."""

from __future__ import annotations

from services.backoffice.settings import BackofficeSettings
from services.billing.subscriptions.handlers import ACTING_USER
from shared.registry import GATEWAYS, SERVICES, entry, gateway


def test_the_back_office_reads_each_service_the_registry_names_at_its_port() -> None:
    reads = gateway("backoffice").reads
    assert reads == ("order", "approval", "inventory", "billing")
    settings = BackofficeSettings(inventory_url="http://stock.internal:9000")
    assert settings.query_urls() == {
        "order": f"http://127.0.0.1:{entry('order').port}",
        "approval": f"http://127.0.0.1:{entry('approval').port}",
        "inventory": "http://stock.internal:9000",
        "billing": f"http://127.0.0.1:{entry('billing').port}",
    }


def test_every_process_has_its_own_name_and_port() -> None:
    processes = [*SERVICES, *GATEWAYS]
    assert len({p.name for p in processes}) == len({p.port for p in processes}) == len(processes)
    assert {read for g in GATEWAYS for read in g.reads} <= {s.name for s in SERVICES}


def test_billing_acts_as_its_own_rabbitmq_user() -> None:
    assert ACTING_USER == entry("billing").rabbitmq_user == "billing"

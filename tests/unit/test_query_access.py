"""Query credentials without a service: key sets, rotation, development keys in production,
the storefront rules and the refusal log's once-per-interval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import structlog

from services.backoffice.settings import BackofficeSettings
from shared.access import guard
from shared.access.guard import RefusalLog
from shared.access.keys import (
    RELOAD_SECONDS,
    KeyFile,
    KeyProblem,
    KeySet,
    development_key_set,
    development_private_jwk,
    public_jwk,
)
from shared.access.policy import (
    Caller,
    Forbidden,
    OwnData,
    Redacted,
    check_owned,
    redact,
    scoped_params,
)
from shared.access.tokens import Refused, Signer, verify
from shared.logging import configure_logging
from shared.ports import on_its_own_port
from shared.settings import LogFormat
from tests.support.credentials import new_private_jwk

pytestmark = pytest.mark.unit


def test_two_keys_of_one_caller_are_valid_at_once_so_a_key_rotates_service_by_service() -> None:
    old, new = new_private_jwk("backoffice:2026-06"), new_private_jwk("backoffice:2026-12")
    both = KeySet({"keys": [public_jwk(old), public_jwk(new)]})
    for key in (old, new):
        assert verify(Signer(key).mint("order"), both, "order").caller == "backoffice"
    after = KeySet({"keys": [public_jwk(new)]})
    with pytest.raises(Refused) as refused:
        verify(Signer(old).mint("order"), after, "order")
    assert refused.value.reason == "unknown_key"


def test_a_key_signs_for_its_owner_only() -> None:
    key = new_private_jwk("storefront-demo:1")
    claims = verify(Signer(key).mint("order"), KeySet({"keys": [public_jwk(key)]}), "order")
    assert claims.caller == "storefront-demo"


def test_key_sets_that_cannot_work_are_refused_with_the_reason() -> None:
    private = new_private_jwk("operator:1")
    problems: dict[str, dict[str, Any]] = {
        "private key": {"keys": [private]},
        "<caller>:<label>": {"keys": [public_jwk({**private, "kid": "operator"})]},
        "at least one key": {"keys": []},
        "appears twice": {"keys": [public_jwk(private), public_jwk(private)]},
    }
    for words, jwks in problems.items():
        with pytest.raises(KeyProblem, match=words):
            KeySet(jwks)


def test_production_refuses_development_keys_and_a_missing_key_set() -> None:
    with pytest.raises(KeyProblem, match="set OMS_QUERY_KEYS"):
        KeySet.from_setting(None, production=True)
    with pytest.raises(KeyProblem, match="development keys"):
        KeySet.from_setting(json.dumps(development_key_set()), production=True)
    real = json.dumps({"keys": [public_jwk(new_private_jwk("operator:2026"))]})
    assert list(KeySet.from_setting(real, production=True).callers()) == ["operator"]
    assert "backoffice" in KeySet.from_setting(None, production=False).callers()


def test_a_storefront_list_is_narrowed_to_its_own_and_another_ones_is_refused() -> None:
    rule, demo = OwnData("storefront_id", "carts"), Caller("storefront-demo")
    assert scoped_params(rule, demo, {"status": "open"}) == {
        "status": "open",
        "storefront_id": "demo",
    }
    with pytest.raises(Forbidden, match="only its own carts"):
        scoped_params(rule, demo, {"storefront_id": "web-eu"})
    check_owned(rule, demo, [{"storefront_id": "demo"}])
    with pytest.raises(Forbidden, match="reads only its own carts: this one is someone else's"):
        check_owned(rule, demo, {"storefront_id": "web-eu"})


def test_the_notification_log_hides_addresses_from_all_but_operators_even_in_an_error() -> None:
    rule = Redacted(("to",), masked=("last_error",))
    refused = "SMTP 550: 5.1.1 <bob@example.com>: Recipient address rejected"

    def sent() -> list[dict[str, Any]]:
        return [{"to": "bob@example.com", "last_error": refused}, {"to": None, "last_error": None}]

    assert redact(rule, Caller("backoffice"), sent()) == [
        {
            "to": "(hidden)",
            "last_error": "SMTP 550: 5.1.1 <<e-mail address>>: Recipient address rejected",
        },
        {"to": None, "last_error": None},
    ]
    assert redact(rule, Caller("operator"), sent()) == sent()


def test_refusals_are_logged_once_per_source_and_reason_per_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refusals = RefusalLog(interval=60, capacity=3)
    with structlog.testing.capture_logs() as logs:
        # A logger made now logs into the capture, whatever another test configured and cached.
        monkeypatch.setattr(guard, "log", structlog.get_logger())
        for _ in range(1000):
            refusals.refused("198.51.100.1", "missing_credential")
        refusals.refused("198.51.100.2", "missing_credential")
        refusals.refused("198.51.100.1", "bad_signature")
    assert [(e["source"], e["reason"]) for e in logs] == [
        ("198.51.100.1", "missing_credential"),
        ("198.51.100.2", "missing_credential"),
        ("198.51.100.1", "bad_signature"),
    ]
    refusals.interval = 0
    with structlog.testing.capture_logs() as logs:
        monkeypatch.setattr(guard, "log", structlog.get_logger())
        refusals.refused("198.51.100.1", "missing_credential")
    assert logs[0]["not_logged"] == 999
    for n in range(10):  # a flood of sources is remembered up to the capacity
        refusals.refused(f"203.0.113.{n}", "missing_credential")
    assert len(refusals.seen) == 3


def test_a_log_line_carries_no_email_address(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("notification", fmt=LogFormat.JSON)
    try:
        structlog.get_logger().error(
            "email_failed",
            email_id="E-1",
            error="SMTPRecipientsRefused({'bob.o+1@mail.example.com': (550, b'unknown')})",
            fields={"to": ["ann@example.org"]},
        )
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        structlog.reset_defaults()
    assert line["email_id"] == "E-1"
    assert "@" not in json.dumps(line)
    assert "<e-mail address>" in line["error"]


def test_the_back_office_signs_with_its_own_key_and_production_refuses_the_development_one() -> (
    None
):
    assert BackofficeSettings().query_signer().caller == "backoffice"
    development = json.dumps(development_private_jwk("backoffice"))
    real = json.dumps(new_private_jwk("backoffice:2026-12"))
    production: dict[str, Any] = {
        "environment": "production",
        "link_signing_key": "a real link key",
        "amqp_url": "amqp://backoffice:a-real-password@rabbitmq:5672/oms",
    }
    with pytest.raises(ValueError, match="OMS_QUERY_SIGNING_KEY"):
        BackofficeSettings(**production)
    with pytest.raises(ValueError, match="development key"):
        BackofficeSettings(**production, query_signing_key=development)
    signer = BackofficeSettings(**production, query_signing_key=real).query_signer()
    assert signer.kid == "backoffice:2026-12"


def test_metrics_answer_on_their_own_port_only_when_one_is_set() -> None:
    def scope(path: str, port: int) -> dict[str, Any]:
        return {"type": "http", "path": path, "server": ("127.0.0.1", port)}

    assert on_its_own_port(scope("/metrics", 8081), None)
    assert on_its_own_port(scope("/metrics", 9464), 9464)
    assert not on_its_own_port(scope("/metrics", 8081), 9464)
    assert not on_its_own_port(scope("/orders", 9464), 9464)
    assert on_its_own_port(scope("/orders", 8081), 9464)


def test_a_key_set_in_a_file_follows_the_file_without_a_restart(tmp_path: Path) -> None:
    old, new = new_private_jwk("operator:2026-06"), new_private_jwk("operator:2026-12")
    path = tmp_path / "query-keys.json"
    path.write_text(json.dumps({"keys": [public_jwk(old)]}))
    keys = KeySet.from_setting(f"@{path}", production=True)
    assert verify(Signer(old).mint("order"), keys, "order").kid == "operator:2026-06"

    path.write_text(json.dumps({"keys": [public_jwk(old), public_jwk(new)]}))
    assert isinstance(keys, KeyFile)
    keys.looked -= RELOAD_SECONDS  # as if the interval had passed
    assert verify(Signer(new).mint("order"), keys, "order").kid == "operator:2026-12"

    path.write_text("not JSON")  # a broken update keeps the keys in use
    keys.looked -= RELOAD_SECONDS
    with structlog.testing.capture_logs() as logs:
        assert verify(Signer(old).mint("order"), keys, "order").caller == "operator"
    assert logs[0]["event"] == "query_keys_not_reloaded"

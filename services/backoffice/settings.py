"""Back-office settings (``OMS_*`` environment variables)."""

from __future__ import annotations

import json
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator

from services.backoffice.formats import time_zone
from shared.access.keys import development_private_jwk, is_development_key, read_json
from shared.access.tokens import Signer
from shared.registry import entry, gateway
from shared.settings import ServiceSettings

READS = gateway("backoffice").reads
"""The services whose queries the back office reads (shared/registry.py)."""


def _local(service: str) -> str:
    return f"http://127.0.0.1:{entry(service).port}"


class BackofficeSettings(ServiceSettings):
    order_url: str = Field(default=_local("order"), description="the order service's queries")
    approval_url: str = Field(default=_local("approval"), description="approval's queries")
    inventory_url: str = Field(default=_local("inventory"), description="inventory's queries")
    billing_url: str = Field(default=_local("billing"), description="billing's queries")
    link_signing_key: SecretStr = Field(
        default=SecretStr("backoffice-dev-link-key"),
        description="checks the signed links of the pending e-mails (the notification service "
        "signs them with the same key)",
    )
    query_signing_key: SecretStr | None = Field(
        default=None,
        description="the back office's private key (a JWK with kid backoffice:<label>, or @file) "
        "that signs its credentials for the services' queries; default outside production: "
        "the development key",
    )
    session_hours: float = Field(default=8.0, gt=0, description="a sign-in lasts so long")
    session_idle_minutes: float = Field(
        default=30.0, gt=0, description="a session unused for so long ends"
    )
    secure_cookies: bool = Field(
        default=False, description="send the session cookie over HTTPS only (production)"
    )
    sign_in_attempts: int = Field(
        default=5, gt=0, description="failed sign-ins of one user id before sign-in is held back"
    )
    sign_in_address_attempts: int = Field(
        default=20, gt=0, description="failed sign-ins from one client address before the same"
    )
    sign_in_lock_seconds: float = Field(
        default=30.0, gt=0, description="the first hold; each further failure doubles it"
    )
    sign_in_lock_max_minutes: float = Field(
        default=15.0, gt=0, description="the longest hold; failures are counted for as long"
    )
    reports_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        description="reports are computed at most so often (they read "
        "every order); 0: on every visit",
    )
    audit_days: float = Field(
        default=365, gt=0, description="how long the audit trail keeps who read or changed what"
    )
    time_zone: str = Field(
        default="UTC",
        description="the time zone dates are shown and reports are made in for people who "
        "chose none on their preferences page (an IANA name: Europe/Berlin)",
    )
    answer_timeout_seconds: float = Field(
        default=10.0, gt=0, description="how long a page waits for a command's answer"
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        time_zone(name)  # a ValueError naming the zone
        return name

    @model_validator(mode="after")
    def _refuse_development_key(self) -> Self:
        if self.environment == "production" and self.link_signing_key.get_secret_value() in {
            "backoffice-dev-link-key",
            "changeme",
            "",
        }:
            raise ValueError("set OMS_LINK_SIGNING_KEY to a real secret in production")
        self.query_signer()  # a key that cannot sign is refused at start, not at the first page
        return self

    def query_urls(self) -> dict[str, str]:
        """Where each service the back office reads answers (``OMS_<SERVICE>_URL``)."""
        return {service: str(getattr(self, f"{service}_url")) for service in READS}

    def query_signer(self) -> Signer:
        """What signs the back office's query credentials (caller ``backoffice``)."""
        production = self.environment == "production"
        if self.query_signing_key is None:
            if production:
                raise ValueError("set OMS_QUERY_SIGNING_KEY (the back office's key) in production")
            return Signer(development_private_jwk("backoffice"))
        found = read_json(self.query_signing_key.get_secret_value(), "OMS_QUERY_SIGNING_KEY")
        if production and is_development_key(found):
            raise ValueError("OMS_QUERY_SIGNING_KEY is the development key; production refuses it")
        return Signer.from_setting(json.dumps(found), "OMS_QUERY_SIGNING_KEY")

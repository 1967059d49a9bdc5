"""Settings every service shares, read from ``OMS_*`` environment variables.

Defaults work on a developer's machine; outside development, placeholder credentials are refused.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class QueueKind(StrEnum):
    CLASSIC = "classic"
    QUORUM = "quorum"


class LogFormat(StrEnum):
    AUTO = "auto"
    JSON = "json"
    CONSOLE = "console"


STOP_MARGIN_SECONDS = 5.0
"""A stopping process exits within ``OMS_GRACEFUL_TIMEOUT`` plus this: owed events, closing."""

PLACEHOLDER_PASSWORDS = frozenset({"guest", "password", "changeme", "secret", "admin", ""})


class ServiceSettings(BaseSettings):
    """What one service process needs to run; subclasses add their own fields and defaults."""

    model_config = SettingsConfigDict(env_prefix="OMS_", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    mongodb_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongodb_database: str | None = Field(default=None, description="default: oms_<service>")
    http_host: str = "127.0.0.1"
    http_port: int | None = Field(default=None, description="default: the registry's port")
    log_format: LogFormat = LogFormat.AUTO
    log_level: str = "INFO"
    queue_type: QueueKind = QueueKind.CLASSIC
    delivery_limit: int = Field(default=20, ge=1, description="redeliveries before a dead letter")
    prefetch: int = Field(default=32, ge=1, le=1000)
    graceful_timeout: float = Field(
        default=3.0,
        gt=0,
        description="on SIGTERM, seconds in-flight messages get to finish (what does not is "
        "given back to its queue, and handled again by any replica: handlers are idempotent)",
    )
    retry_backoff_seconds: float = Field(default=1.0, ge=0)
    outbox_lease_seconds: float = Field(
        default=2.0,
        gt=0,
        description="how long events a process stored are its own to publish; then any replica's",
    )
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_idle_poll_seconds: float = Field(
        default=8.0,
        gt=0,
        description="the longest an idle outbox poller waits between looks: events a crashed "
        "replica stored go out through another replica within the lease plus this (a replica "
        "that restarts looks again one lease after its start)",
    )
    startup_wait_seconds: float = Field(
        default=600.0,
        gt=0,
        description="how long a starting service waits for its broker and database",
    )
    startup_timeout_seconds: float = Field(
        default=60.0, gt=0, description="once they answer, how long until consumers must run"
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Self:
        if self.environment != "production":
            return self
        for name, url in (("OMS_AMQP_URL", self.amqp_url), ("OMS_MONGODB_URL", self.mongodb_url)):
            parts = urlsplit(url)
            if parts.username is not None and (parts.password or "") in PLACEHOLDER_PASSWORDS:
                msg = f"{name} uses a placeholder password; set a real secret in production"
                raise ValueError(msg)
        return self

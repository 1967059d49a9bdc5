"""Notification service settings (``OMS_*`` environment variables)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from shared.registry import entry
from shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = Field(default=15.0, gt=0)
    mail_from: str = "OMS <oms@localhost>"
    approval_url: str = Field(
        default=f"http://127.0.0.1:{entry('approval').port}",
        description="where approvers reach the approval service's queries (named in e-mails)",
    )
    backoffice_url: str | None = Field(
        default=None,
        description="the back office's address: the pending e-mail links to the request there "
        "(with OMS_LINK_SIGNING_KEY)",
    )
    link_signing_key: SecretStr | None = Field(
        default=None,
        description="signs the pending e-mail's link; the back office holds the same key",
    )
    approval_link_hours: float = Field(
        default=72.0, gt=0, description="how long the pending e-mail's link works"
    )
    send_max_attempts: int = Field(default=8, ge=1)
    send_backoff_seconds: float = Field(default=2.0, ge=0)
    dispatch_interval_seconds: float = Field(default=1.0, gt=0)
    send_lease_seconds: float = Field(
        default=4.0,
        gt=0,
        description="an e-mail being sent is this replica's for so long, renewed while sending",
    )

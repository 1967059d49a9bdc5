"""Approval service settings (``OMS_*`` environment variables)."""

from shared.settings import ServiceSettings


class ApprovalSettings(ServiceSettings):
    service_name: str = "approval"
    http_port: int = 8082

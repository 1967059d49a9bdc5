"""Billing service settings (``OMS_*`` environment variables)."""

from shared.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    service_name: str = "billing"
    http_port: int = 8084

"""Order service settings (``OMS_*`` environment variables)."""

from shared.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    service_name: str = "order"
    http_port: int = 8081

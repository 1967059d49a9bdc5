"""Inventory service settings (``OMS_*`` environment variables)."""

from decimal import Decimal

from pydantic import Field

from shared.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    receipt_tolerance_percent: Decimal = Field(
        default=Decimal(5),
        ge=0,
        le=100,
        description="how far a PO line may be over-received, in percent of the ordered quantity",
    )
    reservation_ttl_seconds: float = Field(
        default=48 * 3600,
        gt=0,
        description="how long a submitted SO's soft reservation waits for the approval",
    )
    upkeep_interval_seconds: float = Field(
        default=30.0, gt=0, description="how often reservation expiry and stalled work are checked"
    )
    stale_after_seconds: float = Field(
        default=60.0,
        gt=0,
        description="when an unfinished receipt, issue or sync counts as stalled",
    )

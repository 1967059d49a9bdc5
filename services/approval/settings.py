"""Approval service settings (``OMS_*`` environment variables)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, field_validator

from services.approval.domain.thresholds import Rates
from shared.settings import ServiceSettings


class ApprovalSettings(ServiceSettings):
    approval_base_currency: str = Field(
        default="USD",
        pattern="^[A-Z]{3}$",
        description="the currency of the cycles' above thresholds (ISO 4217)",
    )
    approval_rates: dict[str, Decimal] = Field(
        default_factory=dict,
        description="units of the base currency one unit of each other currency is worth, for "
        "comparing an order's total with an above threshold (JSON object of decimal strings: "
        'OMS_APPROVAL_RATES=\'{"EUR": "1.08"}\'); an order in a currency with no rate and no '
        "threshold of its own (above_in) always enters the level",
    )
    approval_schedule_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        description="how often waiting requests are looked at for reminders and escalations, "
        "and away ranges for their start",
    )
    approval_schedule_batch: int = Field(
        default=500, ge=1, description="requests or users taken per look, at most"
    )

    @field_validator("approval_rates")
    @classmethod
    def _positive(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        for currency, rate in rates.items():
            if len(currency) != 3 or not currency.isupper() or not rate.is_finite() or rate <= 0:
                msg = f"rate {currency}: {rate} must be a positive decimal for an ISO 4217 code"
                raise ValueError(msg)
        return rates

    @property
    def rates(self) -> Rates:
        return Rates(self.approval_base_currency, dict(self.approval_rates))

"""Order service settings (``OMS_*`` environment variables): the ones carts add."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from services.order.carts.domain.recovery import RecoveryPolicy
from shared.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    cart_abandon_after_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="a cart idle this long with a known e-mail counts as abandoned",
    )
    cart_recovery_steps_seconds: list[float] = Field(
        default=[3600.0, 86400.0, 259200.0],
        min_length=1,
        description="idle time at which each reminder goes out, in increasing order (JSON list; "
        "default 1 h, 24 h, 72 h)",
    )
    cart_scan_interval_seconds: float = Field(
        default=30.0, gt=0, description="how often the abandoned-cart scan runs (one replica)"
    )
    cart_checkout_grace_seconds: float = Field(
        default=30.0,
        gt=0,
        description="a checkout still not a sales order after this long (the process died "
        "midway) is finished by the scan",
    )

    @property
    def recovery_policy(self) -> RecoveryPolicy:
        return RecoveryPolicy(
            abandon_after=timedelta(seconds=self.cart_abandon_after_seconds),
            steps=[timedelta(seconds=s) for s in self.cart_recovery_steps_seconds],
        )

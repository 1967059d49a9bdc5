"""Subscribers of the billing service."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.rabbit import RabbitRouter

from services.billing.handlers import BillingHandlers
from shared.contracts.billing import DefinePlan
from shared.messaging.topology import COMMANDS, Topology, routed
from shared.names import Billing as N

Handlers = Annotated[BillingHandlers, Context("deps")]


def routers(topology: Topology) -> list[RabbitRouter]:
    router = RabbitRouter()
    commands = topology.subscriber(router, N.COMMANDS_QUEUE, "billing.*", COMMANDS)

    @commands(filter=routed(N.DEFINE_PLAN))
    async def define_plan(cmd: DefinePlan, handlers: Handlers) -> None:
        """Create or revise a subscription plan."""
        await handlers.define_plan(cmd)

    return [router]

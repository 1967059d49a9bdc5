"""The stock part's rows of the order service's table."""

from __future__ import annotations

from services.order.stock.handlers import StockHandlers
from services.order.stock.repository import BRANCHES
from shared.contracts import (
    BranchConfigured,
    ConfigureBranch,
    ItemDefined,
    LocationDefined,
    StockMoved,
)
from shared.parts import Part

TABLE = Part[StockHandlers](
    commands={ConfigureBranch: StockHandlers.configure_branch},
    events={
        ItemDefined: StockHandlers.item_defined,
        LocationDefined: StockHandlers.location_defined,
        StockMoved: StockHandlers.stock_moved,
    },
    publishes=[BranchConfigured],
    outbox_collections=[BRANCHES],
)

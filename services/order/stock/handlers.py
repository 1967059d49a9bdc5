"""The stock part's handlers: inventory's items, locations and stock movements kept as the order
service's own copy, and each branch's rule for short stock (``order.configure_branch``)."""

from __future__ import annotations

from services.order.stock.domain.availability import Branch
from services.order.stock.repository import Branches, ItemCatalog, StockLevels
from shared.contracts import ConfigureBranch, ItemDefined, LocationDefined, StockMoved


class StockHandlers:
    def __init__(self, levels: StockLevels, branches: Branches, items: ItemCatalog) -> None:
        self.levels = levels
        """What each branch's sales location has, which sales orders are assessed against."""
        self.branches = branches
        self.items = items
        """How finely each item is counted: every quantity taken is checked against it."""

    async def configure_branch(self, cmd: ConfigureBranch) -> None:
        def configure(branch: Branch) -> None:
            branch.configure(
                when_stock_short=cmd.when_stock_short,
                unknown_party=cmd.unknown_party,
                by=cmd.configured_by,
            )

        def create() -> Branch:
            branch = Branch(id=cmd.branch_id)
            configure(branch)
            return branch

        await self.branches.store.create_or_change(
            cmd.branch_id, cmd, create=create, change=configure
        )
        self.branches.forget(cmd.branch_id)

    async def item_defined(self, event: ItemDefined) -> None:
        """Learn how finely an item is counted."""
        await self.items.item_defined(event)

    async def location_defined(self, event: LocationDefined) -> None:
        """Learn a branch's stock locations (which one its sales orders are served from)."""
        await self.levels.location_defined(event)

    async def stock_moved(self, event: StockMoved) -> None:
        """Keep the latest stock figures of an item at a location."""
        await self.levels.stock_moved(event)

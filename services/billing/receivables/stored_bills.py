"""Bills this process stored as invoices that billing's copy of the order does not mark yet:
the mark rides on the copy's next write instead of costing a write of its own.

What is remembered is only a shortcut. A bill the copy does not mark and this process does not
remember (another replica stored it, this process restarted, or forgot it) is stored again in
name only: the unique ``(order_id, bill)`` index of the invoices answers with the invoice
stored before (``add_numbered``'s ``issued_already``), which is then remembered.
"""

from __future__ import annotations

from collections import OrderedDict

from services.billing.receivables.domain import SalesOrder

REMEMBERED_ORDERS = 10_000
"""Orders whose stored bills are remembered; the oldest are forgotten first."""


class StoredBills:
    def __init__(self, *, size: int = REMEMBERED_ORDERS) -> None:
        self.size = size
        self._by_order: OrderedDict[str, dict[str, str]] = OrderedDict()

    def stored(self, order_id: str, key: str, invoice_id: str) -> None:
        """The order's bill ``key`` is stored as ``invoice_id``."""
        self._by_order.setdefault(order_id, {})[key] = invoice_id
        self._by_order.move_to_end(order_id)
        while len(self._by_order) > self.size:
            self._by_order.popitem(last=False)

    def mark(self, order: SalesOrder) -> None:
        """Mark on the copy (about to be written) each of its bills known to be stored."""
        for key, invoice_id in self._by_order.get(order.id, {}).items():
            order.invoice_stored(key, invoice_id)

    def unmarked(self, order: SalesOrder) -> set[str]:
        """The keys of the copy's bills known to be stored that it does not mark yet; the bills
        it marks are forgotten."""
        known = self._by_order.get(order.id)
        if not known:
            return set()
        waiting = {bill.key for bill in order.pending_bills}
        left = {key: invoice_id for key, invoice_id in known.items() if key in waiting}
        if left:
            self._by_order[order.id] = left
        else:
            del self._by_order[order.id]
        return set(left)

"""Inventory service: items, stock per location, reservations, goods receipt and issue, ledger."""

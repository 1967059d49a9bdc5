"""An event two parts of one service consume: the service's table takes it (its check of each
handler's message type passes), and each part's handler runs, in the parts' order."""

from __future__ import annotations

from services.billing.app import PARTS, SERVICE
from shared.contracts.billing import InvoiceIssued
from shared.contracts.ledger import DefineChartOfAccounts


def test_billing_events_both_parts_consume_reach_the_ledger_then_subscriptions() -> None:
    routes = {route.contract: route for route in SERVICE.routes()}  # checked: no TypeError
    handler = routes[InvoiceIssued].handler
    assert handler.__doc__ is not None
    ledger, subscriptions = handler.__doc__.split("\n", 1)
    assert "subscription invoice" in ledger
    assert "renewal is invoiced" in subscriptions
    assert routes[InvoiceIssued].queue == "billing.billing-invoice-issued"
    assert DefineChartOfAccounts in PARTS.commands

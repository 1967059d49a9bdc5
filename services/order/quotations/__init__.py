"""Quotations: offers to a customer, revised, sent, accepted or declined, expired, converted into
a sales order. Its contract is ``shared.contracts.quotations``."""

"""Subscriptions: plans, subscriptions, their renewal orders and invoices, payments, dunning."""

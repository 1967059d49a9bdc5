"""Subscription-billing service: plans, subscriptions, renewals, invoices, payment retries."""

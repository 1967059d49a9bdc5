"""Approval service: approval cycles, the user directory, and approval requests for orders."""

"""Customer and vendor records, pure: their version rule and history, and what an order's
customer or vendor says about the order (findings, defaults, tax exemption)."""

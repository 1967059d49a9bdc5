"""The ledger's rules, pure: financial facts by role, the chart of accounts, posting."""

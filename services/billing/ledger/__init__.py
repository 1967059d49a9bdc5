"""The ledger part of the billing service: every financial fact as one balanced journal entry
on the accounts of a configurable chart-of-accounts mapping, learnt from events only."""

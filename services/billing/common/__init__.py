"""What the billing service's parts share, beneath them all: the dunning rules (when an unpaid
invoice is reminded) and gap-free invoice numbering per series."""

"""The payables rules, pure: billing's copy of approved purchase orders and their receipts,
the three-way match, supplier bills and their payments."""

from services.billing.payables.domain.bill import Bill
from services.billing.payables.domain.matching import Tolerance
from services.billing.payables.domain.orders import MatchTolerance, PurchaseOrderCopy

__all__ = ["Bill", "MatchTolerance", "PurchaseOrderCopy", "Tolerance"]

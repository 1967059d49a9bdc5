"""RFQs: the same items asked of several suppliers, their replies, and the purchase order made
from the reply chosen. Its contract is ``shared.contracts.rfqs``."""

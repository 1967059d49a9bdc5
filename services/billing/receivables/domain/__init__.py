"""The receivables rules, pure: billing's copy of a sales order and its bills, sales invoices
(payments, credit notes, refunds, reminders), exact shares of money, a customer's statement."""

from services.billing.receivables.domain.invoices import CustomerInvoice
from services.billing.receivables.domain.orders import OrderTerms, SalesOrder
from services.billing.receivables.domain.policies import PolicyRecord

__all__ = ["CustomerInvoice", "OrderTerms", "PolicyRecord", "SalesOrder"]

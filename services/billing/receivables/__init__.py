"""The billing service's receivables part: customer invoices for sales orders, by each branch's
or customer's invoicing policy; payments, credit notes (by command, or from returns), refunds,
reminders; a customer's open items and statement. Its contract:
``shared/contracts/receivables.py``; it consumes ``order.approved``, ``order.completed``,
``inventory.goods_issued`` and ``inventory.return_received``."""

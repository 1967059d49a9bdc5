"""Customers and vendors: the records OMS keeps of who it sells to and buys from, learnt from
the business's own systems (``customer.upserted``, ``vendor.upserted``) or kept with the back
office and omsctl (``order.upsert_customer``, ``order.upsert_vendor``); orders are checked
against them. Its contracts are ``shared.contracts.parties``."""

"""Purchase and sales orders: drafting, pricing, submission, the approval outcome, receipts and
issues, and the orders quotations, RFQs and carts become. Its contract is
``shared.contracts.orders`` (the order commands and events)."""

"""What the order service knows of inventory (items and how finely each is counted, stock at
each location, learnt from ``shared.contracts.inventory`` events), and each branch's rule for
sales orders its stock cannot serve (``order.configure_branch`` in ``shared.contracts.orders``)."""

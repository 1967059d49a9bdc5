"""Work orders in the order service: their store, handlers and query (the rules are in
``services.order.domain.work_order``)."""

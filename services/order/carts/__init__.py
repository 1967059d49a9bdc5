"""Storefront carts in the order service: the carts from storefront events, checkout into
sales orders, abandoned-cart recovery (the rules are in ``services.order.domain.cart`` and
``services.order.domain.cart_recovery``)."""

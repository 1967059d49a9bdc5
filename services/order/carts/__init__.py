"""Storefront carts: the carts from storefront events (``cart.<storefront_id>.*``), checkout into
sales orders, abandoned-cart recovery. Its contract is ``shared.contracts.carts``."""

"""What prices orders, quotations and carts: tax rates (versioned), price lists and each
storefront's price list. Its contracts are ``shared.contracts.pricing`` and
``shared.contracts.storefronts``."""

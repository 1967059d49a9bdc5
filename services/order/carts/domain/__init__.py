"""Storefront carts, pure: a cart from its events, what it holds, abandoned-cart recovery."""

"""Pricing configuration, pure: tax rate codes, price lists, a storefront's prices."""

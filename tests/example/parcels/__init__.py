"""Parcels service (an example that exists only in the tests): parcels to ship for orders."""

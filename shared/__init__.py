"""The project's thin shared package: contracts, messaging names, logging and reliability helpers."""

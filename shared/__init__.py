"""The thin shared package: contracts, messaging names, logging, reliability helpers."""

"""Messaging helpers: topology, publishing with confirms, and settling every delivery."""

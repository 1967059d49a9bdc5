"""Deployment files and the generator that writes most of them (``deploy/generate.py``)."""

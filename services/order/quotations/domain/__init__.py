"""Quotations, pure: the aggregate, where it stands, its refusals."""

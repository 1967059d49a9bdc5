"""RFQs, pure: the aggregate and its refusals."""

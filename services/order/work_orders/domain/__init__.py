"""Work orders, pure: the aggregate, what it is made of, its refusals."""

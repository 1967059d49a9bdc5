"""Purchase and sales orders, pure: the aggregate, its statuses, what it receives or issues, its
refusals."""

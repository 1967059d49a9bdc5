"""Stock, pure: whether a sales order can be served, and how finely an item is counted."""

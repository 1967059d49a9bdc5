"""Order service: quotations, purchase and sales orders, their lifecycle and status history."""

"""Work orders: an item to produce or a job to do, released to inventory for its components,
completed or cancelled. Its contract is ``shared.contracts.work_orders``."""

"""``python -m services.order``: run the order service until SIGTERM."""

from services.order.app import SERVICE
from shared.runtime import main

main(SERVICE)

"""``python -m services.inventory``: run the inventory service until SIGTERM."""

from services.inventory.app import SERVICE
from shared.runtime import main

main(SERVICE)

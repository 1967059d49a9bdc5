"""``python -m services.inventory``: run the inventory service until SIGTERM."""

from services.inventory.app import create_app
from services.inventory.settings import InventorySettings
from shared.runtime import serve

settings = InventorySettings()
serve(create_app(settings), settings)

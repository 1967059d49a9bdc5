"""``python -m services.order``: run the order service until SIGTERM."""

from services.order.app import create_app
from services.order.settings import OrderSettings
from shared.runtime import serve

settings = OrderSettings()
serve(create_app(settings), settings)

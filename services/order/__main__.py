"""``python -m services.order``: run the order service until SIGTERM."""

from shared.runtime import serve

from services.order.app import create_app
from services.order.settings import OrderSettings

settings = OrderSettings()
serve(create_app(settings), settings)

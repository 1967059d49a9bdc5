"""``python -m services.billing``: run the subscription-billing service until SIGTERM."""

from services.billing.app import create_app
from services.billing.settings import BillingSettings
from shared.runtime import serve

settings = BillingSettings()
serve(create_app(settings), settings)

"""``python -m services.billing``: run the billing service until SIGTERM."""

from services.billing.app import SERVICE
from shared.runtime import main

main(SERVICE)

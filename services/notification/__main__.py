"""``python -m services.notification``: run the notification service until SIGTERM."""

from services.notification.app import SERVICE
from shared.runtime import main

main(SERVICE)

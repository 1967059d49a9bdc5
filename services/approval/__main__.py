"""``python -m services.approval``: run the approval service until SIGTERM."""

from services.approval.app import SERVICE
from shared.runtime import main

main(SERVICE)

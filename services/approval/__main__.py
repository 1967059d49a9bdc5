"""``python -m services.approval``: run the approval service until SIGTERM."""

from shared.runtime import serve

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings

settings = ApprovalSettings()
serve(create_app(settings), settings)

"""``python -m services.approval``: run the approval service until SIGTERM."""

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from shared.runtime import serve

settings = ApprovalSettings()
serve(create_app(settings), settings)

"""``python -m services.backoffice`` serves the pages; ``python -m services.backoffice
set-password USER`` sets a directory user's password (read from standard input)."""

from services.backoffice.app import main

main()

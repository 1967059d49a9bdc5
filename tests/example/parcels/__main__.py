"""``python -m tests.example.parcels``: run the example service until SIGTERM."""

from shared.runtime import main
from tests.example.parcels.app import SERVICE

main(SERVICE)

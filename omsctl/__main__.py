"""``python -m omsctl``: the same as the ``omsctl`` command."""

from omsctl.cli import main

main()

"""``python -m iamtui``: the same entry point as the ``iamtui`` command."""

from iamtui.cli import main

main()

"""``python -m xltools.cli``: the command line."""

from xltools.cli.commands import main

main()

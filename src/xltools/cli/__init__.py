"""The command line ``xltools`` (entry point ``xltools.cli:main``).

:mod:`.commands` declares the commands, :mod:`.clizh` makes click's own words Chinese,
:mod:`.cliparams` holds the option types, :mod:`.demo` makes the demo's inputs.  A shell:
it may import every layer below it.
"""

from xltools.cli.commands import main

__all__ = ["main"]

"""The rule engine, as users import it: ``from xltools.validate import validate_rows``.

The code is :mod:`xltools.core.validate`; this module only hands its names on.
"""

from xltools.core.validate import *  # noqa: F401,F403

"""The village templates, as users import them: ``xltools.templates.build_template``.

The code is :mod:`xltools.ops.templates`; this module only hands its names on.
"""

from xltools.ops.templates import *  # noqa: F401,F403

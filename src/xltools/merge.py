"""The district merge, as users import it: ``from xltools.merge import merge``.

The code is :mod:`xltools.ops.merge`; this module only hands its names on.
"""

from xltools.ops.merge import *  # noqa: F401,F403
from xltools.ops.merge import merge  # noqa: F401 - named here so the face never loses it

"""The worksheet functions under the name add-ins built before the layers name in their ``xltools.conf``
sheet (``xltools.udfs``).

The code is :mod:`xltools.excel.udfs`; this module only hands its names on.
"""

from xltools.excel.udfs import *  # noqa: F401,F403

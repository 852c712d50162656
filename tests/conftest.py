"""Test-wide settings."""

import os

# An unexpected exception in a command reaches the test as itself (clizh re-raises it) instead of
# becoming a Chinese sentence and a log file in the current folder; tests of that report unset it.
os.environ.setdefault("XLTOOLS_DEBUG", "1")

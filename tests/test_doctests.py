"""The docstring examples of idcard, regions, dates, codepoints, readers, sheetread and stats run and pass (what ``--doctest-modules`` would check)."""

from __future__ import annotations

import doctest

import pytest

from xltools.core import codepoints, dates, idcard, regions, stats
from xltools.workbooks import readers, sheetread


@pytest.mark.parametrize("module", [idcard, regions, dates, codepoints, readers, sheetread, stats], ids=lambda m: m.__name__)
def test_docstring_examples_pass(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.attempted > 0, f"{module.__name__} has no docstring examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {module.__name__} failed"

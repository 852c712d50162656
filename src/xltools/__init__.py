"""xltools: spreadsheet toolkit for the 流动儿童/留守儿童 监测摸排 survey.

The package is its layers, each importing only those below it: :mod:`xltools.core`
(the forms and the rules, pure), :mod:`xltools.workbooks` (reading and writing files),
:mod:`xltools.ops` (the survey's operations), :mod:`xltools.runs` (each command from its
inputs to its files), :mod:`xltools.excel` (the Excel add-in) and the shells,
:mod:`xltools.cli` and :mod:`xltools.web`.
"""

__version__ = "0.1.0"


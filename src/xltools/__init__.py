"""xltools: spreadsheet toolkit for the 流动儿童/留守儿童 监测摸排 survey.

The forms are declared once in :mod:`xltools.schema` (with locality profiles in
:mod:`xltools.profiles`); :mod:`xltools.idcard`, :mod:`xltools.regions` and
:mod:`xltools.dates` own the number, region and date rules; :mod:`xltools.validate`
applies every rule to a roster; :mod:`xltools.readers` turns workbooks into rosters;
:mod:`xltools.cli` is the command line.
"""

__version__ = "0.1.0"

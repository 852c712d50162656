"""Reading and writing workbooks and files.

Rosters read from whatever townships send (:mod:`.readers`), a file checked
(:mod:`.check`), the 花名册 as data (:mod:`.roster`), written (:mod:`.rosterbook`) and read
back (:mod:`.rosterread`), the tables every output shares (:mod:`.outbook`,
:mod:`.bulksheet`, :mod:`.xlsxfinish`), atomic saves, masking and encryption, per-file
fault isolation, the settings file.  Imports ``core`` and ``workbooks`` only.
"""

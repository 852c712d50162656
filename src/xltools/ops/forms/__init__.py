"""The official per-child 登记表 (附件1 流动, 附件2 留守): printed, prefilled from a roster.

- :mod:`.layout` — the printed grid, computed from the schema and the profile;
- :mod:`.xlsxform`, :mod:`.docxform` — draw it as a workbook (one sheet per child)
  or a Word document (one page per child);
- :mod:`.prefill` — forms prefilled from a roster, blank forms, PDF via LibreOffice.

A filled form is read back by :mod:`xltools.workbooks.formread` (the readers hand it
short sheets that look like forms and every ``.docx``), so validate and merge take
forms too.
"""

"""The official per-child 登记表 (附件1 流动, 附件2 留守): print them, read them back.

- :mod:`.layout` — the printed grid, computed from the schema and the profile;
- :mod:`.xlsxform`, :mod:`.docxform` — draw it as a workbook (one sheet per child)
  or a Word document (one page per child);
- :mod:`.prefill` — forms prefilled from a roster, blank forms, PDF via LibreOffice;
- :mod:`.read` — a filled form (xlsx/xls sheet, Word table) back into one roster row;
  :func:`xltools.readers.read_rosters` calls it, so validate and merge take forms too.
"""

"""The Excel add-in: worksheet functions, ribbon buttons, and the add-in file's build.

:mod:`.udfs` and :mod:`.ribbon` run inside Excel (through xlwings) over
:mod:`.workbook_adapter`; :mod:`.addin` builds ``xltools.xlam`` with the VBA project
(:mod:`.vbaproject`), its compression (:mod:`.ovba`) and compound file (:mod:`.cfb`).
Imports the layers below it (core, workbooks, ops).
"""

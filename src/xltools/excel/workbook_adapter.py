"""The few workbook operations the ribbon buttons need, over Excel (xlwings) and over a file (openpyxl).

:class:`WorkbookAdapter` is the protocol :mod:`xltools.excel.ribbon` is written
against: sheets and their values, writing a block of values, adding a sheet,
cell fills and notes (comments), and the dialogs (message, question, folder
picker, opening a file).  Cells are A1 addresses (``"E5"``); colours
``"#RRGGBB"``.  A fill is read as an opaque token that only the same adapter
restores, so that "clear the marks" puts back exactly what was there.

:class:`OpenpyxlBook` works on a file and stands in for Excel in the tests
(dialog answers are given in advance, messages and opened files recorded).
Don't use it on our templates for real: openpyxl drops their cross-sheet
dropdowns when it saves (see FACTS).  :class:`XlwingsBook` is the thin shell
over a live Excel workbook; nothing here can run it (no Excel on this
machine), so it is kept to one or two xlwings calls per method.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from xltools.workbooks import atomic

TITLE = "民政摸排"


class ProtectedError(Exception):
    """The workbook or sheet is protected against the change asked for."""


STRUCTURE_PROTECTED = ("工作簿结构受保护（下发的填报模板是这样），不能添加工作表；"
                       "请用“合并工作簿”汇总后在花名册中操作，或先在“审阅”中取消保护工作簿。")


class WorkbookAdapter:
    """What the ribbon actions use of a workbook (see the module docstring)."""

    name: str = ""            # file name, e.g. 两路街道.xlsx
    path: str | None = None   # full path, None when never saved

    @property
    def sheets(self) -> list[str]:
        raise NotImplementedError

    @property
    def active_sheet(self) -> str:
        raise NotImplementedError

    def read_values(self, sheet: str) -> list[list]:
        """Every row from A1 to the last used cell, values as Excel holds them."""
        raise NotImplementedError

    def merged_ranges(self, sheet: str):
        """Merged ranges ``((r0, c0), (r1, c1))``, 0-based, or None when not known."""
        return None

    def write_values(self, sheet: str, top_left: str, rows: list[list]) -> None:
        raise NotImplementedError

    def add_sheet(self, name: str, hidden: bool = False) -> None:
        """A new sheet after the last one."""
        raise NotImplementedError

    def delete_sheet(self, name: str) -> None:
        raise NotImplementedError

    def structure_protected(self) -> bool:
        raise NotImplementedError

    def sheet_protected(self, sheet: str) -> bool:
        raise NotImplementedError

    def get_fill(self, sheet: str, cell: str) -> str:
        """The cell's fill as a token ('' for none)."""
        raise NotImplementedError

    def set_fill(self, sheet: str, cells: list[str], colour: str) -> None:
        raise NotImplementedError

    def restore_fill(self, sheet: str, cell: str, token: str) -> None:
        raise NotImplementedError

    def get_comment(self, sheet: str, cell: str) -> str | None:
        raise NotImplementedError

    def set_comment(self, sheet: str, cell: str, text: str | None) -> None:
        """Replace the cell's note with ``text``; None removes it."""
        raise NotImplementedError

    def message(self, text: str) -> None:
        raise NotImplementedError

    def ask(self, prompt: str, default: str = "") -> str | None:
        """A line of text from the user; None when cancelled."""
        raise NotImplementedError

    def pick_folder(self, prompt: str) -> str | None:
        raise NotImplementedError

    def open(self, path) -> None:
        raise NotImplementedError


class OpenpyxlBook(WorkbookAdapter):
    """A workbook file through openpyxl; ``answers`` for :meth:`ask` in order, ``folder``
    for :meth:`pick_folder`.  Changes stay in memory until :meth:`save`."""

    def __init__(self, path, *, answers=(), folder=None):
        import openpyxl

        self.path = str(path)
        self.name = Path(path).name
        self.wb = openpyxl.load_workbook(path)
        self.answers = list(answers)
        self.folder = None if folder is None else str(folder)
        self.messages: list[str] = []
        self.opened: list[Path] = []

    @property
    def sheets(self) -> list[str]:
        return list(self.wb.sheetnames)

    @property
    def active_sheet(self) -> str:
        return self.wb.active.title

    def read_values(self, sheet: str) -> list[list]:
        return [list(r) for r in self.wb[sheet].iter_rows(min_row=1, min_col=1, values_only=True)]

    def merged_ranges(self, sheet: str):
        return [((m.min_row - 1, m.min_col - 1), (m.max_row - 1, m.max_col - 1))
                for m in self.wb[sheet].merged_cells.ranges]

    def write_values(self, sheet: str, top_left: str, rows: list[list]) -> None:
        from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

        ws = self.wb[sheet]
        letters, row0 = coordinate_from_string(top_left)
        col0 = column_index_from_string(letters)
        for r, values in enumerate(rows):
            for c, v in enumerate(values):
                cell = ws.cell(row0 + r, col0 + c, v)
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"  # our text, never a formula

    def add_sheet(self, name: str, hidden: bool = False) -> None:
        if self.structure_protected():
            raise ProtectedError(STRUCTURE_PROTECTED)
        ws = self.wb.create_sheet(name)
        if hidden:
            ws.sheet_state = "hidden"

    def delete_sheet(self, name: str) -> None:
        del self.wb[name]

    def structure_protected(self) -> bool:
        sec = self.wb.security
        return bool(sec is not None and sec.lockStructure)

    def sheet_protected(self, sheet: str) -> bool:
        return bool(self.wb[sheet].protection.sheet)

    def get_fill(self, sheet: str, cell: str) -> str:
        fill = self.wb[sheet][cell].fill
        if getattr(fill, "fill_type", "x") is None:
            return ""
        return ET.tostring(fill.to_tree(), encoding="unicode")

    def set_fill(self, sheet: str, cells: list[str], colour: str) -> None:
        from openpyxl.styles import PatternFill

        fill = PatternFill(fill_type="solid", start_color=colour.lstrip("#").upper(),
                           end_color=colour.lstrip("#").upper())
        ws = self.wb[sheet]
        for cell in cells:
            ws[cell].fill = fill

    def restore_fill(self, sheet: str, cell: str, token: str) -> None:
        from openpyxl.styles import PatternFill
        from openpyxl.styles.fills import Fill

        self.wb[sheet][cell].fill = Fill.from_tree(ET.fromstring(token)) if token else PatternFill()

    def get_comment(self, sheet: str, cell: str) -> str | None:
        c = self.wb[sheet][cell].comment
        return None if c is None else c.text

    def set_comment(self, sheet: str, cell: str, text: str | None) -> None:
        from openpyxl.comments import Comment

        target = self.wb[sheet][cell]
        if text is None:
            target.comment = None
        else:
            target.comment = Comment(text, "xltools", width=360, height=120)

    def message(self, text: str) -> None:
        self.messages.append(text)

    def ask(self, prompt: str, default: str = "") -> str | None:
        return self.answers.pop(0) if self.answers else None

    def pick_folder(self, prompt: str) -> str | None:
        return self.folder

    def open(self, path) -> None:
        self.opened.append(Path(path))

    def save(self, path) -> Path:
        """Write the workbook to ``path`` (atomically; the file read is never overwritten in place)."""
        with atomic.atomic_path(Path(path)) as tmp:
            self.wb.save(tmp)
        return Path(path)


class XlwingsBook(WorkbookAdapter):
    """A live Excel workbook (``xw.Book``).  Not run here (no Excel): keep it thin."""

    def __init__(self, book):
        self.book = book
        self.name = book.name
        full = book.fullname
        self.path = full if full and full != book.name else None

    @property
    def sheets(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    @property
    def active_sheet(self) -> str:
        return self.book.sheets.active.name

    def read_values(self, sheet: str) -> list[list]:
        sh = self.book.sheets[sheet]
        last = sh.used_range.last_cell
        return sh.range((1, 1), (last.row, last.column)).options(ndim=2).value

    def write_values(self, sheet: str, top_left: str, rows: list[list]) -> None:
        width = max((len(r) for r in rows), default=0)
        block = [list(r) + [""] * (width - len(r)) for r in rows]
        rng = self.book.sheets[sheet].range(top_left).resize(len(block), width)
        rng.number_format = "@"  # text stays text: Excel would turn "1/2" into a date, "=…" into a formula
        rng.options(ndim=2).value = block

    def add_sheet(self, name: str, hidden: bool = False) -> None:
        if self.structure_protected():
            raise ProtectedError(STRUCTURE_PROTECTED)
        sh = self.book.sheets.add(name, after=self.book.sheets[-1])
        if hidden:
            sh.visible = False

    def delete_sheet(self, name: str) -> None:
        self.book.sheets[name].delete()

    def structure_protected(self) -> bool:
        return bool(self.book.api.ProtectStructure)

    def sheet_protected(self, sheet: str) -> bool:
        return bool(self.book.sheets[sheet].api.ProtectContents)

    def get_fill(self, sheet: str, cell: str) -> str:
        rgb = self.book.sheets[sheet].range(cell).color
        return "" if rgb is None else "#%02X%02X%02X" % rgb

    def set_fill(self, sheet: str, cells: list[str], colour: str) -> None:
        sh = self.book.sheets[sheet]
        for group in _address_groups(cells):  # one COM call per ~250 characters of addresses
            sh.range(group).color = colour

    def restore_fill(self, sheet: str, cell: str, token: str) -> None:
        self.book.sheets[sheet].range(cell).color = token or None

    def get_comment(self, sheet: str, cell: str) -> str | None:
        note = self.book.sheets[sheet].range(cell).note
        return None if note is None else note.text

    def set_comment(self, sheet: str, cell: str, text: str | None) -> None:
        rng = self.book.sheets[sheet].range(cell)
        if rng.note is not None:
            rng.note.delete()
        if text is not None:
            rng.add_note(text)

    def message(self, text: str) -> None:
        self.book.app.alert(text, title=TITLE)

    def ask(self, prompt: str, default: str = "") -> str | None:
        answer = self.book.app.api.InputBox(prompt, TITLE, default)
        return None if answer is False else str(answer)

    def pick_folder(self, prompt: str) -> str | None:
        dialog = self.book.app.api.FileDialog(4)  # msoFileDialogFolderPicker
        dialog.Title = prompt
        return dialog.SelectedItems(1) if dialog.Show() == -1 else None

    def open(self, path) -> None:
        self.book.app.books.open(str(path))


def _address_groups(cells: list[str], limit: int = 250) -> list[str]:
    """Cell addresses joined with commas into strings Excel's Range() accepts (≤ 255 characters)."""
    groups, current = [], ""
    for cell in cells:
        if current and len(current) + 1 + len(cell) > limit:
            groups.append(current)
            current = ""
        current = f"{current},{cell}" if current else cell
    return groups + ([current] if current else [])

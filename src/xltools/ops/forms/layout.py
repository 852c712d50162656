"""The printed grid of one 登记表, computed from the schema: which text goes in which cell.

A :class:`Layout` is a list of :class:`Cell` on a grid of :data:`NCOLS` narrow columns
(one column ≈ one Chinese character), rows from the top of the page: title, the
unit/date line, the sections of :data:`xltools.core.schema.FORM_LAYOUT` (group cell on the
left, each field's label, then its answer cells), the signature line and a footer.
The xlsx and docx writers both draw this grid, and :func:`answer` says what an answer
cell shows for a roster row, so the two files print the same form.  Nothing here names
a field or an option: they come from the schema and the locality profile.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from functools import lru_cache

from xltools.core.dates import DateError, parse_date
from xltools.core.profiles import Profile, load as load_profile
from xltools.core.schema import (
    ADDRESS_PARTS,
    FORM_LAYOUT,
    FORM_MARKS,
    FORM_NUMBERS,
    FORM_SIGNATURES,
    FORM_TITLES,
    FORM_WRITTEN_CHOICES,
    SHEET_FIELDS,
    Field,
    Form,
)

NCOLS = 48
GROUP_W = 3
LABEL_W = 8          # label column of a full-width line
LABEL_W_HALF = 6     # label column of a half line (two fields side by side)
HALF = (NCOLS - GROUP_W) // 2
LINE_PT = 13.0       # one line of 10-pt text, in points
ROW_PT = 18.0        # the least height of a row
DATE_PARTS = (("y", "年", 4), ("m", "月", 2), ("d", "日", 2))
OTHER_BLANK_W = 6    # the 其他____ blank
SIGN_W = 12


@dataclass(frozen=True)
class Cell:
    """One (possibly merged) cell.  ``role``: title, head (a label of the unit/date line),
    group, label, part (an address part's or a date's printed word), option, tick, value
    (an answer), fill (empty ruled space), sign (signature label), footer.  ``key`` is the
    column key an answer or tick belongs to; ``option`` the option of a tick cell, or the
    part of a date (``y``/``m``/``d``)."""

    row: int
    col: int
    rows: int
    cols: int
    text: str
    role: str
    key: str = ""
    option: str = ""
    fallback: str = ""  # the key whose text an empty answer shows (an address kept as one text)

    @property
    def answer(self) -> bool:
        return self.role in ("value", "tick")


@dataclass(frozen=True)
class Layout:
    kind: str
    profile: str
    cells: tuple[Cell, ...]
    heights: tuple[float, ...]   # points, one per row
    table_rows: tuple[int, int]  # first and last row of the bordered table
    footer_row: int

    @property
    def nrows(self) -> int:
        return len(self.heights)


def text_width(text: str) -> float:
    """Printed width in Chinese characters (ASCII counts about half)."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def _w(text: str) -> int:
    return max(1, math.ceil(text_width(text)))


@lru_cache(maxsize=None)
def layout(kind: str, profile: str = "national") -> Layout:
    """The form of ``kind`` in ``profile``'s wording, on the grid."""
    prof = load_profile(profile)
    form = prof.form(kind)
    b = _Builder(form, prof)
    return b.build()


class _Builder:
    def __init__(self, form: Form, prof: Profile):
        self.form, self.prof = form, prof
        self.cells: list[Cell] = []
        self.heights: list[float] = []

    def add(self, *a, **kw) -> None:
        self.cells.append(Cell(*a, **kw))

    def new_rows(self, n: int) -> int:
        r = len(self.heights)
        self.heights += [ROW_PT] * n
        return r

    def build(self) -> Layout:
        kind = self.form.kind
        r = self.new_rows(1)
        self.add(r, 0, 1, 8, FORM_NUMBERS[kind], "head")
        r = self.new_rows(1)
        self.heights[r] = 30.0
        self.add(r, 0, 1, NCOLS, FORM_TITLES[kind], "title")
        r = self.new_rows(1)
        unit, date = SHEET_FIELDS
        lw = _w(unit.label) + 1
        self.add(r, 0, 1, lw, unit.label + "：", "head")
        self.add(r, lw, 1, 30 - lw, "", "value", unit.key)
        dw = _w(date.label) + 1
        self.add(r, 30, 1, dw, date.label + "：", "head")
        self.add(r, 30 + dw, 1, NCOLS - 30 - dw, "", "value", date.key)
        first = len(self.heights)
        for group, lines in FORM_LAYOUT[kind]:
            top = len(self.heights)
            for keys in lines:
                fields = [self.form[k] for k in keys if k in self.form]
                self.line(fields)
            self.add(top, 0, len(self.heights) - top, GROUP_W, group, "group")
        last = len(self.heights) - 1
        self.new_rows(1)
        r = self.new_rows(1)
        col = 0
        for s in FORM_SIGNATURES:
            self.add(r, col, 1, _w(s) + 1, s + "：", "sign")
            col += _w(s) + 1
            self.add(r, col, 1, SIGN_W, "", "fill")
            col += SIGN_W + 2
        footer = self.new_rows(1)
        self.add(footer, 0, 1, NCOLS, "", "footer")
        return Layout(kind, self.prof.name, tuple(self.cells), tuple(self.heights), (first, last), footer)

    # one line of the paper form: one field across, or two side by side
    def line(self, fields: list[Field]) -> None:
        top = len(self.heights)
        if len(fields) == 1:
            spans = [(GROUP_W, NCOLS - GROUP_W, LABEL_W)]
        else:
            spans = [(GROUP_W, HALF, LABEL_W_HALF), (GROUP_W + HALF, NCOLS - GROUP_W - HALF, LABEL_W_HALF)]
        packed = [self.pack(f, w - lw) for f, (_, w, lw) in zip(fields, spans)]
        n = max(len(p) for p in packed)
        self.new_rows(n)
        for f, (x, w, lw), lines in zip(fields, spans, packed):
            label = self.label(f, len(fields) > 1)
            self.add(top, x, n, lw, label, "label", f.key)
            need = math.ceil(text_width(label) / (lw - 0.4)) * LINE_PT + 5
            for i in range(n):
                self.heights[top + i] = max(self.heights[top + i], need / n)
            for i, atoms in enumerate(lines):
                col = x + lw
                for text, width, role, key, option, whole in atoms:
                    self.add(top + i, col, 1, width, text, role, key, option, whole)
                    col += width
            if len(lines) < n:
                self.add(top + len(lines), x + lw, n - len(lines), w - lw, "", "fill")

    def label(self, f: Field, side_by_side: bool) -> str:
        if side_by_side and f.person in ("father", "mother") and f.label == "姓名":
            return f.parent_label or f.label  # the forms print 父亲 | 母亲 over the parents' names
        return f.label

    def pack(self, f: Field, width: int) -> list[list[tuple]]:
        """The answer atoms of a field, packed into lines of ``width`` columns; the last atom
        of each line is widened (a value) or followed by a fill to the line's end."""
        atoms: list[tuple] = []  # groups that stay on one line
        if f.is_choice and f.key not in FORM_WRITTEN_CHOICES:
            for o in f.options:
                group = [("", 1, "tick", f.key, o, ""), (o, _w(o) + 1, "option", f.key, "", "")]
                if o == f.other_option and f.companion:
                    group.append(("", OTHER_BLANK_W, "value", f.companion, "", ""))
                atoms.append(group)
        elif f.type == "date":
            atoms.append([a for part, word, w in DATE_PARTS
                          for a in (("", w, "value", f.key, part, ""), (word, 1, "part", "", "", ""))])
        elif f.type == "address":
            labels = self.prof.address_labels
            for (part, _), word in zip(ADDRESS_PARTS, labels):
                whole = f.key if part == "detail" else ""
                atoms.append([(word, _w(word), "part", "", "", ""), ("", 6, "value", f.part_key(part), "", whole)])
        else:
            atoms.append([("", width, "value", f.key, "", "")])
        lines: list[list[tuple]] = [[]]
        used = 0
        for group in atoms:
            gw = sum(a[1] for a in group)
            if lines[-1] and used + gw > width:
                lines.append([])
                used = 0
            lines[-1] += group
            used += gw
        out = []
        for line in lines:
            rest = width - sum(a[1] for a in line)
            if rest > 0:
                t, w, role, key, option, whole = line[-1]
                if role == "value" and f.type != "date":
                    line[-1] = (t, w + rest, role, key, option, whole)
                else:
                    line.append(("", rest, "fill", "", "", ""))
            out.append(line)
        return out


# --- what an answer cell shows ------------------------------------------------------------

def chosen(value: str) -> set[str]:
    """The options a roster cell holds ("残疾、慢性病" → {残疾, 慢性病})."""
    from xltools.core.rowtable import split_multi
    return set(split_multi(value or ""))


def date_parts(value: str) -> dict[str, str]:
    """'2013-01-29' → {'y': '2013', 'm': '1', 'd': '29'}; text that is not a date stays whole in 'y'."""
    value = (value or "").strip()
    if not value:
        return {}
    try:
        d = parse_date(value)
    except DateError:
        d = None
    if isinstance(d, _dt.date):
        return {"y": str(d.year), "m": str(d.month), "d": str(d.day)}
    return {"y": value}


def report_date_text(value: str) -> str:
    p = date_parts(value)
    if set(p) == {"y", "m", "d"}:
        return f"{p['y']}年{p['m']}月{p['d']}日"
    return value or ""


def answer(cell: Cell, row: dict, marks: dict = FORM_MARKS) -> str:
    """The text of an answer cell for a roster ``row`` (column key → text); the printed
    box of a tick cell, ticked or not; '' for other cells."""
    if cell.role == "tick":
        return marks["ticked"] if cell.option in chosen(row.get(cell.key, "")) else marks["blank"]
    if cell.role != "value":
        return ""
    value = row.get(cell.key, "") or ""
    if not value and cell.fallback:
        value = row.get(cell.fallback, "") or ""
    if cell.option:
        return date_parts(value).get(cell.option, "")
    if cell.key == "report_date":
        return report_date_text(value)
    return value

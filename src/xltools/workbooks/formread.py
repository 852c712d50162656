"""Read a filled 登记表 back into one roster row: the form as another input shape.

A form is a grid of labelled cells, whoever drew it: our own (xlsx, docx), the
district's Word form, a village's Excel copy with a row inserted.  So nothing here
depends on positions.  Each cell whose text is a field's label (the schema's labels,
titles and synonyms, through :func:`xltools.workbooks.sheetread.match_header`) starts that field;
its answer is what follows it on its row(s) up to the next label — or, when nothing
follows, the cell below it (labels above values).  Which person a 公民身份号码 belongs
to is decided by the section (其他监护人, 委托照护) and, in the parents' section, by the
父亲/母亲 column it stands under.  "姓名：张三" in one cell is a label with its answer.

Answers are read by type: a date from "2013年1月29日", three cells "2013 | 年 | 1 | 月 …"
or ISO text; an address from its part labels (省/市/县…) or as one text; a choice from
its options and the marks next to them — ☑ ■ √ ✓ ✔ ● ☒ ticked, ☐ □ 口 ○ not — with
the mark before ("☐是 ☑否", our own forms) or after ("是☑ 否□", the paper forms), or
from the option's text alone when no box is marked.  Two options ticked in a
single-choice field, or a tick that contradicts a written option, are reported as
issues (``form.tick_ambiguous``, ``form.tick_conflict``) with every candidate kept in
the value, never resolved by guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from xltools.core.dates import DateError, parse_date
from xltools.core.issues import Issue
from xltools.workbooks.sheetread import (
    PART_LABELS,
    ReadError,
    Roster,
    cell_text,
    form_for,
    match_header,
    norm_header,
)
from xltools.core.schema import (
    ADDRESS_PARTS,
    FORM_LAYOUT,
    FORM_TITLES,
    KINDS,
    MULTI_JOINER,
    SHEET_FIELDS,
    Field,
    Form,
)
from xltools.core.rowtable import column_letter

TICKED = "☑☒■√✓✔●▇█▣◉"
UNTICKED = "☐□口○◯"
MARKS = TICKED + UNTICKED
MAX_FORM_ROWS = 300      # a form is one page; a taller sheet is a roster
MIN_LABEL_ROWS = 4       # rows holding a label, for a grid to be a form (a roster has 1–3) …
MAX_LABELS_PER_ROW = 5   # … and no row of many labels (a roster's header row has a dozen)
PERSON_OF_GROUP = {"其他监护人基本信息": "其他监护人", "委托照护状况": "受委托照护人"}
_PAREN = re.compile(r"[（(][^）)]*(?:[）)]|$)")
_INLINE = re.compile(r"(?:^|(?<=\s))([^\s：:]{1,20})\s*[:：]")
_YMD = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_DATE_WORDS = re.compile(r"^[\s年月日_＿/\-.]*$")
_SHEET_LABELS = {norm_header(n): f.key for f in SHEET_FIELDS for n in (f.label, *f.synonyms)}
_GROUPS = {norm_header(g) for kind in KINDS for g, _ in FORM_LAYOUT[kind]}


@dataclass
class FormValues:
    """One form read back: column key → text, and what it says about itself."""

    values: dict[str, str] = field(default_factory=dict)
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # key → (row, col) of its answer
    issues: list[Issue] = field(default_factory=list)
    unit: str = ""
    report_date: str = ""
    first_row: int = 1


# --- grids --------------------------------------------------------------------------

def _norm_grid(grid) -> list[list[str]]:
    return [[cell_text(v) for v in row] for row in grid]


def _spans(merged) -> dict[tuple[int, int], tuple[int, int]]:
    return {(r0, c0): (r1, c1) for (r0, c0), (r1, c1) in (merged or ())}


@dataclass
class _Label:
    key: str
    row: int
    col: int
    end_row: int
    end_col: int
    inline: str | None = None  # "姓名：张三": the answer written in the label's own cell


class _Scanner:
    def __init__(self, grid: list[list[str]], merged, form: Form, address_labels=()):
        self.grid, self.form = grid, form
        self.spans = _spans(merged)
        self.infer_spans = merged is None  # values alone (a range read through Excel): see spans_below
        self.part_labels = dict(PART_LABELS)
        for (part, _), word in zip(ADDRESS_PARTS, address_labels):
            self.part_labels[norm_header(word)] = part
        self.labels: dict[tuple[int, int], _Label] = {}
        self.groups: set[tuple[int, int]] = set()
        self.extra: list[_Label] = []  # the second and later labels written in one cell

    # which cells are labels, in reading order, with their section and person
    def find_labels(self, most_per_row: int | None = None) -> bool:
        """Find the labels; False as soon as a row holds more than ``most_per_row`` (a roster's header)."""
        group = ""
        person_cols: list[tuple[int, str]] = []
        for r, row in enumerate(self.grid):
            if most_per_row is not None and r and sum(1 for k in self.labels if k[0] == r - 1) > most_per_row:
                return False
            for c, text in enumerate(row):
                if not text:
                    continue
                t = norm_header(text)
                if t in _GROUPS:
                    group, person_cols = t, []
                    self.groups.add((r, c))
                    continue
                inline = None
                key = self.resolve(t, group, person_cols, c)
                if key is None:
                    found = self.inline_labels(text.strip(), group, person_cols, c)
                    if not found:
                        continue
                    (key, inline), rest = found[0], found[1:]
                    self.extra += [_Label(k, r, c, r, c, v) for k, v in rest]
                f = self.form.get(key)
                if f is not None and f.person in ("father", "mother") and t in ("父亲", "母亲"):
                    person_cols = sorted([pc for pc in person_cols if pc[0] != c] + [(c, t)])
                r1, c1 = self.spans.get((r, c), (r, c))
                self.labels[(r, c)] = _Label(key, r, c, r1, c1, inline)
        return True

    def inline_labels(self, text: str, group, person_cols, col) -> list[tuple[str, str]]:
        """"填报单位：X  填报日期：Y" → [(unit, X), (report_date, Y)]: labels written with their answers."""
        hits = []
        for m in _INLINE.finditer(text):
            key = self.resolve(norm_header(m.group(1)), group, person_cols, col)
            if key:
                hits.append((m.start(1), m.end(), key))
        return [(key, text[end:(hits[i + 1][0] if i + 1 < len(hits) else len(text))].strip())
                for i, (_, end, key) in enumerate(hits)]

    def resolve(self, t: str, group: str, person_cols, col: int) -> str | None:
        if t in _SHEET_LABELS:
            return _SHEET_LABELS[t]
        person = PERSON_OF_GROUP.get(group)
        if person is None and person_cols:
            left = [p for c, p in person_cols if c <= col]
            person = left[-1] if left else None
        key = match_header(t, person, self.form) if person else None
        if key is None:
            key = match_header(t, None, self.form)
        if key is None or key not in self.form:
            return None
        f = self.form[key]
        if f.companion_of and self.form[f.companion_of].other_option:
            return None  # 其他____: read with the choice it completes
        return key

    def is_stop(self, r: int, c: int, current: Field | None) -> bool:
        """A cell that ends the answer of ``current``: another label or a section cell —
        but not one of ``current``'s own options (其他监护人 is also a label)."""
        if (r, c) in self.groups:
            return True
        if (r, c) not in self.labels:
            return False
        if current is not None and current.is_choice:
            t = _strip_marks(self.grid[r][c])
            if any(norm_header(o) == norm_header(t) for o in current.options):
                return False
        return True

    def spans_below(self) -> None:
        """Without merge information, a label runs down over the rows below it that hold no
        label and are blank under it (a choice's options wrapped onto a second line)."""
        label_rows = {r for r, _ in self.labels} | {r for r, _ in self.groups}
        for lab in self.labels.values():
            r = lab.end_row
            while r + 1 < len(self.grid) and r + 1 not in label_rows and \
                    (lab.col >= len(self.grid[r + 1]) or not self.grid[r + 1][lab.col]) and \
                    any(self.grid[r + 1][lab.col + 1:]):
                r += 1
            lab.end_row = r

    def region(self, lab: _Label) -> list[tuple[int, int, str]]:
        f = self.form.get(lab.key)
        # the answer stops at the next label of the label's own row (父亲 … | 母亲 …), on every row
        limit = min([c for (r, c) in list(self.labels) + list(self.groups) if r == lab.row and c > lab.col],
                    default=None)
        out = []
        for r in range(lab.row, lab.end_row + 1):
            row = self.grid[r]
            for c in range(lab.end_col + 1, len(row) if limit is None else min(limit, len(row))):
                if self.is_stop(r, c, f):
                    break
                if row[c]:
                    out.append((r, c, row[c]))
        return out

    def below(self, lab: _Label) -> list[tuple[int, int, str]]:
        """The answer under a label: only in a row of answers (no label, no section cell in it)."""
        r = lab.end_row + 1
        if any(k[0] == r for k in self.labels) or any(k[0] == r for k in self.groups):
            return []
        if r < len(self.grid) and lab.col < len(self.grid[r]):
            text = self.grid[r][lab.col]
            if text and (r, lab.col) not in self.labels and (r, lab.col) not in self.groups:
                return [(r, lab.col, text)]
        return []


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in text if ch not in MARKS).strip()


# --- answers by type ------------------------------------------------------------------------

def read_date(text: str) -> str:
    """'2013 年 1 月 29 日' → '2013-01-29'; the blank '年 月 日' → ''; other text unchanged
    (the rule engine reports it)."""
    t = unicodedata.normalize("NFKC", text).strip()
    if not t or _DATE_WORDS.match(t):
        return ""
    m = _YMD.search(t)
    candidate = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else t
    try:
        d = parse_date(candidate)
    except DateError:
        return t
    return d.isoformat() if d is not None else t


def unit_text(text: str) -> str:
    """The 填报单位 as written: without the printed （盖章） and the form's own hint (区+镇街+社区)."""
    t = re.split(r"\s{2,}|　", text.strip())[0]
    t = re.sub(r"[（(]\s*盖章\s*[)）]", "", t).strip()
    return "" if "+" in t else t


@dataclass
class Ticks:
    chosen: list[str]
    companion: str = ""
    written: list[str] = field(default_factory=list)  # options written as text, no box next to them
    ticked: list[str] = field(default_factory=list)


def read_ticks(text: str, options: tuple[str, ...], other: str | None = None) -> Ticks:
    """The options a cell's text chooses.

    >>> read_ticks("是☑ 否□", ("是", "否")).chosen, read_ticks("☐是 ☑否", ("是", "否")).chosen
    (['是'], ['否'])
    >>> read_ticks("较差", ("较好", "一般", "较差")).chosen
    ['较差']
    >>> t = read_ticks("☐爷爷 ☑其他：外婆的妹妹", ("爷爷", "其他"), "其他"); t.chosen, t.companion
    (['其他'], '外婆的妹妹')
    """
    raw = text.replace("_", " ").replace("＿", " ")
    scan = _PAREN.sub(lambda m: " " * len(m.group(0)), raw)  # (多重残疾的需列明…) names options too
    taken = [False] * len(scan)
    occ: list[tuple[int, int, str]] = []
    for o in sorted(options, key=len, reverse=True):
        start = 0
        while (i := scan.find(o, start)) >= 0:
            if not any(taken[i:i + len(o)]):
                occ.append((i, i + len(o), o))
                for j in range(i, i + len(o)):
                    taken[j] = True
            start = i + 1
    occ.sort()
    marks = [(i, ch in TICKED) for i, ch in enumerate(scan) if ch in MARKS]
    first = next((ch for ch in scan if not ch.isspace()), "")
    before = first in MARKS
    ticked, written, used = [], [], set()
    for k, (s, e, o) in enumerate(occ):
        mark = None
        if before:
            j = s - 1
            while j >= 0 and scan[j].isspace():
                j -= 1
            if j >= 0 and scan[j] in MARKS:
                mark = j
        else:
            nxt = occ[k + 1][0] if k + 1 < len(occ) else len(scan)
            for j in range(e, nxt):
                if scan[j] in MARKS:
                    mark = j
                    break
                if not scan[j].isspace() and o != other:
                    break
        if mark is None:
            written.append(o)
        else:
            used.add(mark)
            if scan[mark] in TICKED:
                ticked.append(o)
    companion = ""
    if other:
        rest = "".join(" " if (taken[i] or ch in MARKS or (i in used)) else ch for i, ch in enumerate(raw))
        companion = re.sub(r"\s+", " ", rest).strip(" ：:（）()、,，;；").strip()
    if not marks:
        chosen = written if len(set(written)) < len(options) or len(options) == 1 else []
        return Ticks(_ordered(chosen, options), companion, [], [])
    chosen = ticked or written
    return Ticks(_ordered(chosen, options), companion, _ordered(written, options), _ordered(ticked, options))


def _ordered(chosen, options) -> list[str]:
    s = set(chosen)
    return [o for o in options if o in s]


def read_address(f: Field, cells: list[tuple[int, int, str]], part_labels: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    pending = None
    loose = []
    for _, _, text in cells:
        t = norm_header(text)
        if t in part_labels:
            pending = part_labels[t]
            continue
        if pending:
            out[f.part_key(pending)] = text.strip()
            pending = None
        else:
            loose.append(text.strip())
    if not out and loose:
        return {f.key: "".join(loose)}
    if set(out) == {f.part_key("detail")} and not loose:
        return {f.key: out[f.part_key("detail")]}  # only the 详细地址 written: one text, as a roster column
    if loose:
        out[f.part_key("detail")] = "".join([out.get(f.part_key("detail"), ""), *loose])
    return out


# --- a whole form -------------------------------------------------------------------------

def looks_like_form(grid: list[list[str]], form: Form) -> bool:
    """A form, not a roster: labels on many rows, none a header row of many labels, and
    the form's title or two of its section cells."""
    if len(grid) > MAX_FORM_ROWS:
        return False
    sc = _Scanner(grid, (), form)
    if not sc.find_labels(MAX_LABELS_PER_ROW):
        return False
    per_row: dict[int, int] = {}
    for r, _ in sc.labels:
        per_row[r] = per_row.get(r, 0) + 1
    return (len(per_row) >= MIN_LABEL_ROWS and max(per_row.values()) <= MAX_LABELS_PER_ROW
            and (len(sc.groups) >= 2 or _title_kind(grid) is not None))


def _title_kind(grid) -> str | None:
    for row in grid[:8]:
        for text in row:
            t = norm_header(text)
            for kind, title in FORM_TITLES.items():
                if title in t:
                    return kind
    return None


def guess_kind(grid: list[list[str]], profile=None) -> str | None:
    """流动 or 留守: the title, else the form whose own labels (共同居住人, 有无受委托照护人 …) appear."""
    kind = _title_kind(grid)
    if kind:
        return kind
    scores = {}
    for k in KINDS:
        sc = _Scanner(grid, (), form_for(k, profile))
        sc.find_labels()
        scores[k] = len({lab.key for lab in sc.labels.values()})
    best = max(scores, key=scores.get)
    return best if scores[best] != min(scores.values()) or len(scores) == 1 else None


def read_grid_form(grid, merged, form: Form, address_labels=()) -> FormValues:
    """The answers of one form drawn on ``grid`` (0-based merged ranges in ``merged``)."""
    grid = _norm_grid(grid)
    sc = _Scanner(grid, merged, form, address_labels)
    sc.find_labels()
    if sc.infer_spans:
        sc.spans_below()
    out = FormValues()
    rows = [lab.row for lab in sc.labels.values() if lab.key not in ("unit", "report_date")]
    out.first_row = (min(rows) + 1) if rows else 1
    for lab in sorted(sc.labels.values(), key=lambda x: (x.row, x.col)) + sc.extra:
        cells = sc.region(lab) if lab not in sc.extra else []
        if lab.inline:
            cells = [(lab.row, lab.col, lab.inline)] + cells
        if not cells and lab.row == lab.end_row:
            cells = sc.below(lab)
        if not cells:
            continue
        text = " ".join(t for _, _, t in cells)
        where = (cells[0][0], cells[0][1])
        if lab.key == "unit":
            out.unit = out.unit or unit_text(text)
            continue
        if lab.key == "report_date":
            out.report_date = out.report_date or read_date(text)
            continue
        f = form[lab.key]
        if f.type == "address":
            for k, v in read_address(f, cells, sc.part_labels).items():
                if v:
                    out.values.setdefault(k, v)
                    out.cells.setdefault(k, where)
            continue
        if f.is_choice:
            value = _choice(f, text, where, out)
        elif f.type == "date":
            value = read_date(text)
        else:
            value = "".join(t.strip() for _, _, t in cells) if f.type in ("id_number", "phone") else text.strip()
        if value and lab.key not in out.values:
            out.values[lab.key] = value
            out.cells[lab.key] = where
    return out


def _choice(f: Field, text: str, where, out: FormValues) -> str:
    t = read_ticks(text, f.options, f.other_option)
    if f.companion and f.other_option and t.companion:
        out.values.setdefault(f.companion, t.companion)
        out.cells.setdefault(f.companion, where)
    r, c = where
    if t.ticked and t.written and set(t.written) - set(t.ticked):
        out.issues.append(Issue("form.tick_conflict", row=r + 1, column=column_letter(c), field=f.key,
                                label=f.title, value=text,
                                params={"ticked": MULTI_JOINER.join(t.ticked),
                                        "written": MULTI_JOINER.join(t.written)}))
        return MULTI_JOINER.join(_ordered(set(t.ticked) | set(t.written), f.options))
    if f.type == "choice" and len(t.chosen) > 1:
        out.issues.append(Issue("form.tick_ambiguous", row=r + 1, column=column_letter(c), field=f.key,
                                label=f.title, value=text, params={"options": MULTI_JOINER.join(t.chosen)}))
    if t.chosen:
        return MULTI_JOINER.join(t.chosen)
    left = _strip_marks(text)
    if left and not any(o in left for o in f.options):
        # written, not ticked (性别 男, 民族 汉族), or boxes of another wording (another profile's
        # options): kept as written, marks and all, for the rule engine to report
        return left if left == text.strip() else text.strip()
    return ""


def to_roster(fv: FormValues, form: Form, path, sheet: str, meta: dict | None = None) -> Roster:
    keys = [k for k, _, _ in form.columns()]
    extra = [k for k in fv.values if k not in keys]
    data = {k: [fv.values.get(k, "")] for k in keys + extra}
    frame = pd.DataFrame(data, index=[fv.first_row], dtype=object)
    letters = {k: column_letter(c) for k, (_, c) in fv.cells.items()}
    title = FORM_TITLES[form.kind]
    return Roster(path=str(path), sheet=sheet, kind=form.kind, header_rows=(), columns=letters, ignored=[],
                  frame=frame, unit=fv.unit, report_date=fv.report_date, title=title, meta=meta or {},
                  issues=list(fv.issues), shape="form",
                  cells={k: (r + 1, column_letter(c)) for k, (r, c) in fv.cells.items()})


BLANK_FORM = "空白登记表（没有填写任何内容）"


def sheet_form(path, name: str, grid, merged, kind: str | None, profile=None, meta=None) -> Roster | str | None:
    """The child on one worksheet if the sheet is a form; :data:`BLANK_FORM` for a form with
    nothing filled in; None when it is not a form (the roster reader tries it then)."""
    if len(grid) > MAX_FORM_ROWS:
        return None
    text_grid = _norm_grid(grid)
    # cheap first: a form has its title or two section cells (儿童基本信息, 父母基本信息 …)
    if _title_kind(text_grid) is None and sum(norm_header(t) in _GROUPS for row in text_grid for t in row if t) < 2:
        return None
    k = kind or guess_kind(text_grid, profile)
    if k is None:
        return None
    form = form_for(k, profile)
    if not looks_like_form(text_grid, form):
        return None
    fv = read_grid_form(text_grid, merged, form, _address_labels(profile))
    if not fv.values:
        return BLANK_FORM
    return to_roster(fv, form, path, name, meta)


def _address_labels(profile) -> tuple[str, ...]:
    if profile is None:
        return ()
    from xltools.core.profiles import Profile, load
    return (profile if isinstance(profile, Profile) else load(profile)).address_labels


# --- Word ---------------------------------------------------------------------------------

def docx_tables(path) -> list[tuple[list[str], list[list[str]], list]]:
    """Each top-level table of a .docx: (the paragraphs just above it, its grid, its merges)."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.table import _Cell

    try:
        doc = Document(str(path))
    except Exception as exc:  # python-docx raises several kinds (KeyError, ValueError, BadZipFile …)
        raise ReadError("file.not_spreadsheet", path,
                        "Word 文档无法打开，可能已损坏；请用 Word 或 WPS 打开后另存为 .docx") from exc
    out = []
    above: list[str] = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            text = "".join(t.text or "" for t in el.iter(qn("w:t"))).strip()
            if text:
                above.append(text)
        elif el.tag == qn("w:tbl"):
            grid: list[list[str]] = []
            merged = []
            open_v: dict[int, tuple[int, int]] = {}  # column → (row, span) of a vertical merge's origin
            for r, tr in enumerate(el.iterchildren(qn("w:tr"))):
                row: list[str] = []
                before = tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}")
                if before is not None:
                    row += [""] * int(before.get(qn("w:val")))
                for tc in tr.iterchildren(qn("w:tc")):
                    pr = tc.find(qn("w:tcPr"))
                    span, vm = 1, None
                    if pr is not None:
                        gs = pr.find(qn("w:gridSpan"))
                        span = int(gs.get(qn("w:val"))) if gs is not None else 1
                        v = pr.find(qn("w:vMerge"))
                        if v is not None:
                            vm = v.get(qn("w:val")) or "continue"
                    c = len(row)
                    if vm == "continue" and c in open_v:
                        row += [""] * span
                        r0, s0 = open_v[c]
                        open_v[c] = (r0, s0)
                        merged = [m for m in merged if m[0] != (r0, c)] + [((r0, c), (r, c + s0 - 1))]
                        continue
                    text = _Cell(tc, None).text.strip()
                    row += [text] + [""] * (span - 1)
                    if vm == "restart":
                        open_v[c] = (r, span)
                    else:
                        open_v.pop(c, None)
                    if span > 1:
                        merged.append(((r, c), (r, c + span - 1)))
                grid.append(row)
            out.append((above, grid, merged))
            above = []
    return out


def read_docx(path, *, kind: str | None = None, profile=None):
    """Every form in a Word document (one per table; a table without 姓名 and 公民身份号码
    continues the form before it), and (table, reason) for tables that are not forms."""
    rosters: list[Roster] = []
    others: list[tuple[str, str]] = []
    labels = _address_labels(profile)
    for i, (above, grid, merged) in enumerate(docx_tables(path), 1):
        name = f"表格{i}"
        lines = [[t] for t in above]
        full = lines + grid
        shift = len(lines)
        moved = [((r0 + shift, c0), (r1 + shift, c1)) for (r0, c0), (r1, c1) in merged]
        k = kind or guess_kind(full, profile) or (rosters[-1].kind if rosters else None)
        if k is None:
            others.append((name, "不是登记表"))
            continue
        form = form_for(k, profile)
        fv = read_grid_form(full, moved, form, labels)
        if not fv.values:
            others.append((name, BLANK_FORM))
            continue
        fv.first_row = max(1, fv.first_row - shift)
        if rosters and not ({"name", "id_number"} & set(fv.values)) and rosters[-1].kind == k:
            prev = rosters[-1]  # the form goes on in a second table (a page break in Word)
            for key, v in fv.values.items():
                if key not in prev.frame.columns:
                    prev.frame[key] = ""
                if not prev.frame.iloc[0][key]:
                    prev.frame.iloc[0, prev.frame.columns.get_loc(key)] = v
            prev.issues += fv.issues
            continue
        r = to_roster(fv, form, path, name)
        r.cells = {}  # a Word table has no row numbers and column letters to point at
        rosters.append(r)
    if not rosters and not others:
        others.append(("", "文档中没有表格"))
    return rosters, others

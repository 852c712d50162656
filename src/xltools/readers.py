"""Roster files as tables: find the header, map columns to the schema, read rows as text.

Reads what townships and villages send: .xlsx/.xlsm and .xls (python-calamine,
which also gives merged ranges; several times faster than openpyxl, see FACTS),
.csv in UTF-8 or GBK/GB18030, and encrypted workbooks when a password is given
(msoffcrypto-tool).  It finds the header itself — title rows above it, a
two-row header with merged group cells (父亲 over 姓名/公民身份号码; 户籍地址 over
省/市/县(区)/详细地址; 健康状况 over one column per option marked √) — and maps
headers to the schema's column keys through labels, titles and synonyms.

Every value comes out as text, by these rules (the rule engine relies on them):
stripped strings; dates as ``YYYY-MM-DD``; integer-valued numbers below 1e15
as digits; larger numbers as scientific text (``5.00101201012311e+17``), so an
ID number that Excel turned into a number is reported as "digits lost", never
accepted; empty cells as ''.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .schema import KINDS, MULTI_JOINER, Field, Form, base_form
from .validate import column_letter

MAX_HEADER_SCAN = 30
TEMPLATE_SHEET = "填报"  # the roster sheet of our templates (xltools.templates)
MIN_HEADER_MATCHES = 3
TICKS = {"√", "✓", "✔", "☑", "■", "是", "1", "y", "Y", "v", "V", "●", "对"}
TOTAL_ROW = re.compile(r"^(合\s*计|总\s*计|小\s*计|共计)")
FOOTER_ROW = re.compile(r"^(填表人|填报人|审核人|负责人|联系人|制表|注[:：]|说明[:：]|备注[:：])")
PERSON_PARENTS = {"父亲": "father", "母亲": "mother", "其他监护人": "guardian", "监护人": "guardian",
                  "受委托照护人": "caregiver", "照护人": "caregiver", "委托照护人": "caregiver"}
PART_LABELS = {"省": "province", "省份": "province", "省（自治区、直辖市）": "province", "省(自治区、直辖市)": "province",
               "市": "city", "地（市、州、盟）": "city", "地(市、州、盟)": "city", "市（州）": "city", "地市": "city",
               "县(区)": "county", "县（区）": "county", "区(县)": "county", "区（县）": "county", "区县": "county",
               "县区": "county", "县": "county", "区": "county", "县（区、市、旗）": "county", "县(区、市、旗)": "county",
               "详细地址": "detail", "地址": "detail", "详址": "detail"}


class ReadError(Exception):
    """A file that cannot be read as a roster; ``code`` says why, ``message`` what to do."""

    MESSAGES = {
        "file.not_found": "找不到文件，请检查路径。",
        "file.encrypted": "工作簿已加密，请用 --password 提供打开密码。",
        "file.wrong_password": "打开密码不对，请核对后重试。",
        "file.corrupt": "文件已损坏或不完整，无法打开；请让报送单位重新导出或重新发送。",
        "file.not_spreadsheet": "不是表格文件（支持 .xlsx、.xlsm、.xls、.csv）。",
        "file.no_header": "没有找到登记表的表头（如 姓名、性别、公民身份号码）；请检查是否为花名册。",
        "file.empty": "表中没有数据行。",
    }

    def __init__(self, code: str, path, detail: str = ""):
        self.code, self.path = code, str(path)
        self.message = f"{self.path}：{self.MESSAGES[code]}" + (f"（{detail}）" if detail else "")
        super().__init__(self.message)


@dataclass
class Roster:
    path: str
    sheet: str
    kind: str | None
    header_rows: tuple[int, ...]
    columns: dict[str, str]
    ignored: list[tuple[str, str]]
    frame: pd.DataFrame
    unit: str = ""
    report_date: str = ""
    title: str = ""
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    hidden: bool = False


# --- opening files ----------------------------------------------------------------

def _open(path, password: str | None):
    """(kind, payload): ('book', calamine workbook) or ('csv', rows)."""
    import python_calamine as pc

    p = Path(path)
    if not p.is_file():
        raise ReadError("file.not_found", path)
    data = p.read_bytes()
    if not data:
        raise ReadError("file.empty", path)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE: .xls, or encrypted OOXML
        if "EncryptionInfo".encode("utf-16-le") in data:
            data = _decrypt(path, data, password)
        else:
            try:
                return "book", pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
            except Exception as exc:  # calamine raises its own error types
                if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
                    raise ReadError("file.encrypted", path) from None
                raise ReadError("file.corrupt", path, str(exc)[:80]) from None
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if z.testzip() is not None or "[Content_Types].xml" not in z.namelist():
                    raise ReadError("file.corrupt", path)
            return "book", pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except ReadError:
            raise
        except Exception as exc:
            raise ReadError("file.corrupt", path, str(exc)[:80]) from None
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        return "csv", _csv_rows(data, path)
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise ReadError("file.corrupt", path)
    raise ReadError("file.not_spreadsheet", path)


def _decrypt(path, data: bytes, password: str | None) -> bytes:
    if not password:
        raise ReadError("file.encrypted", path)
    import msoffcrypto

    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    out = io.BytesIO()
    try:
        office.load_key(password=password)
        office.decrypt(out)
    except Exception:  # msoffcrypto's InvalidKeyError and friends
        raise ReadError("file.wrong_password", path) from None
    return out.getvalue()


def _csv_rows(data: bytes, path) -> list[list]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReadError("file.not_spreadsheet", path, "编码无法识别")
    if "\x00" in text:
        raise ReadError("file.not_spreadsheet", path)
    dialect = csv.excel_tab if text.count("\t") > text.count(",") else csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


# --- cells --------------------------------------------------------------------------

def cell_text(value) -> str:
    """One cell as text, by the module's rules."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if value != value:
            return ""
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        if abs(value) >= 1e15:
            return f"{value:.15g}"
        return repr(float(value))
    return str(value).strip()


def norm_header(text: str) -> str:
    """Header text without spaces, line breaks, 必填 marks and trailing colons."""
    t = unicodedata.normalize("NFKC", str(text or ""))
    t = re.sub(r"\s+", "", t)
    t = re.sub(r"[（(](必填|选填|必选|单选|多选|可多选|打√|请打√|年月日|yyyy-mm-dd)[)）]", "", t)
    return t.strip("*＊:：□")


# --- header matching -------------------------------------------------------------------

@lru_cache(maxsize=None)
def _lookup(kind: str) -> dict[str, str]:
    """Normalised header text → column key, for one form (titles, labels, synonyms)."""
    form = base_form(kind)
    table: dict[str, str] = {}
    child_labels = {norm_header(f.label) for f in form if not f.parent_label}
    label_count: dict[str, int] = {}
    for f in form:
        label_count[norm_header(f.label)] = label_count.get(norm_header(f.label), 0) + 1
    for f in form:
        names = [f.title, *f.synonyms]
        if not f.parent_label:
            names.append(f.label)
        elif label_count[norm_header(f.label)] == 1 and norm_header(f.label) not in child_labels:
            names.append(f.label)  # e.g. 与儿童关系: only one field of the form has it
        for n in names:
            table.setdefault(norm_header(n), f.key)
    return table


def _field_by_label(form: Form, label: str) -> Field | None:
    key = _lookup(form.kind).get(norm_header(label))
    return form.get(key) if key else None


def match_header(text: str, parent: str | None, form: Form, person: str | None = None):
    """Header cell (and the group cell above it) → column key, or (field key, option)
    for a one-column-per-option layout, or None."""
    t, p = norm_header(text), norm_header(parent or "")
    table = _lookup(form.kind)
    if p and p != t:
        who = PERSON_PARENTS.get(p)
        if who:
            key = _person_key(form, who, t)
            if key:
                return key
        pf = _field_by_label(form, p)
        if pf is not None:
            if pf.type == "address" and t in PART_LABELS:
                return pf.part_key(PART_LABELS[t])
            if pf.is_choice:
                opt = _option(pf, t)
                if opt:
                    return (pf.key, opt)
        if (p + t) in table:
            return table[p + t]
    if person and t in ("公民身份号码", "身份证号", "身份证号码", "公民身份证号码", "联系方式", "联系电话",
                        "电话", "户籍地址", "户籍地", "现居住地", "现住址", "与儿童关系", "姓名"):
        key = _person_key(form, person, t)
        if key:
            return key
    return table.get(t)


def _person_key(form: Form, who: str, label: str) -> str | None:
    t = norm_header(label)
    aliases = {"身份证号": "公民身份号码", "身份证号码": "公民身份号码", "公民身份证号码": "公民身份号码",
               "身份证": "公民身份号码", "电话": "联系方式", "联系电话": "联系方式", "手机": "联系方式",
               "户籍地": "户籍地址", "现住址": "现居住地", "居住地": "现居住地"}
    t = aliases.get(t, t)
    for f in form:
        if f.person == who and (norm_header(f.label) == t or (t == "户籍地址" and f.label == "户籍地")):
            return f.key
    return None


def _option(f: Field, text: str) -> str | None:
    t = norm_header(text)
    for o in f.options:
        if norm_header(o) == t:
            return o
    return None


# --- sheets -------------------------------------------------------------------------------

def _grid(sheet) -> list[list]:
    return sheet.to_python(skip_empty_area=False)


def _fill_merged(grid: list[list], merged) -> None:
    """Copy a merged range's value into every cell of the range (headers only matter)."""
    for (r0, c0), (r1, c1) in merged or ():
        if r0 >= MAX_HEADER_SCAN + 2:
            continue
        if r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        v = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if r < MAX_HEADER_SCAN + 2:
                    row[c] = v


def _score(cells: list[str], form: Form) -> int:
    table = _lookup(form.kind)
    return sum(1 for c in cells if c and (norm_header(c) in table or norm_header(c) in PERSON_PARENTS))


@dataclass
class _Header:
    row: int           # 0-based index of the lowest header row
    rows: tuple[int, ...]
    kind: str
    mapping: dict       # column index → key or (field key, option)
    ignored: list[tuple[int, str]]
    score: int


def _find_header(grid: list[list], kind: str | None) -> _Header | None:
    kinds = (kind,) if kind else KINDS
    best = None
    top = min(len(grid), MAX_HEADER_SCAN)
    for r in range(top):
        cells = [cell_text(v) for v in grid[r]]
        if sum(1 for c in cells if c) < MIN_HEADER_MATCHES:
            continue
        for k in kinds:
            form = base_form(k)
            for rows in ((r,), (r, r + 1) if r + 1 < len(grid) else None):
                if rows is None:
                    continue
                h = _map_header(grid, rows, form)
                if best is None or h.score > best.score:
                    best = h
    if best is None or best.score < MIN_HEADER_MATCHES:
        return None
    if not kind:
        best.kind = _guess_kind(best, grid)
    return best


def _map_header(grid, rows: tuple[int, ...], form: Form) -> _Header:
    width = max(len(grid[r]) for r in rows)
    mapping: dict = {}
    ignored = []
    used: set[str] = set()
    person = None
    for c in range(width):
        texts = [cell_text(grid[r][c]) if c < len(grid[r]) else "" for r in rows]
        if len(rows) == 2:
            parent, text = texts
            if not text:
                parent, text = "", parent
            if parent == text:
                parent = ""
        else:
            parent, text = "", texts[0]
        if not text:
            continue
        key = match_header(text, parent or None, form, person)
        if isinstance(key, str) and key in used and person is None:
            key = None
        if key is None and isinstance(text, str) and norm_header(text) in PERSON_PARENTS and not parent:
            key = _person_key(form, PERSON_PARENTS[norm_header(text)], "姓名")
        if key is None or (isinstance(key, str) and key in used):
            ignored.append((c, (parent + "/" if parent else "") + text))
            continue
        mapping[c] = key
        base = key[0] if isinstance(key, tuple) else key
        used.add(key if isinstance(key, str) else f"{key[0]}={key[1]}")
        f = form.get(base) or next((x for x in form if base in x.part_keys), None)
        person = f.person if f is not None and f.person not in (None, "child") else (
            None if not parent or norm_header(parent) not in PERSON_PARENTS else person)
    distinct = {k if isinstance(k, str) else k[0] for k in mapping.values()}
    score = len(distinct) + (1 if len(rows) == 2 and any(isinstance(k, tuple) or "_" in str(k) for k in mapping.values()) else 0)
    if len(rows) == 2:
        # a second header row must not look like data
        below = [cell_text(v) for v in grid[rows[1]]]
        if any(re.fullmatch(r"\d{17}[\dXx]", v) for v in below):
            score = -1
    return _Header(rows[-1], rows, form.kind, mapping, ignored, score)


def _guess_kind(h: _Header, grid) -> str | None:
    scores = {}
    for k in KINDS:
        form = base_form(k)
        h2 = _map_header(grid, h.rows, form)
        only = {f.key for f in form} - {f.key for f in base_form("left" if k == "flow" else "flow")}
        keys = {v if isinstance(v, str) else v[0] for v in h2.mapping.values()}
        scores[k] = len(keys & only)
    title = " ".join(cell_text(v) for r in range(min(h.rows[0], 10)) for v in grid[r])
    if "流动" in title and "留守" not in title:
        scores["flow"] += 2
    if "留守" in title and "流动" not in title:
        scores["left"] += 2
    if scores["flow"] == scores["left"]:
        return None
    return max(scores, key=scores.get)


_UNIT = re.compile(r"(?:填报)?单位[:：]\s*(.*?)(?:\s{2,}|填报日期|$)")
_DATE = re.compile(r"填报日期[:：]\s*(.*)$")


def _above(grid, header_row: int) -> tuple[str, str, str]:
    unit = date = title = ""
    for r in range(header_row):
        cells = [cell_text(v) for v in grid[r]]
        for i, c in enumerate(cells):
            if not c:
                continue
            nxt = next((x for x in cells[i + 1:] if x), "")
            m = _UNIT.search(c)
            if m and not unit:
                unit = m.group(1).strip() or (nxt if "日期" not in nxt else "")
                unit = "" if unit.startswith("+") or "（盖章）" == unit else unit.replace("（盖章）", "")
            m = _DATE.search(c)
            if m and not date:
                date = m.group(1).strip() or nxt
            if not title and ("表" in c or "花名册" in c) and "：" not in c and ":" not in c:
                title = c
    return unit, date, title


def _sheet_roster(path, name: str, grid: list[list], merged, kind: str | None, hidden: bool) -> Roster | str:
    if not grid:
        return "空表"
    _fill_merged(grid, merged)
    h = _find_header(grid, kind)
    if h is None:
        return "没有找到登记表表头"
    unit, date, title = _above(grid, h.rows[0])
    letters: dict[str, str] = {}
    options: dict[str, list[tuple[int, str]]] = {}
    for c, key in h.mapping.items():
        if isinstance(key, tuple):
            options.setdefault(key[0], []).append((c, key[1]))
            letters.setdefault(key[0], column_letter(c))
        else:
            letters[key] = column_letter(c)
    index: list[int] = []
    skipped: list[tuple[int, str]] = []
    data_rows = []
    header_set = {norm_header(cell_text(v)) for v in grid[h.row] if cell_text(v)}
    mapped = sorted(h.mapping)  # only these columns are converted (templates carry formula columns too)
    for r in range(h.row + 1, len(grid)):
        raw = grid[r]
        filled = [v for v in raw if v != "" and v is not None]
        if not filled:
            skipped.append((r + 1, "空行"))
            continue
        first = cell_text(filled[0])
        if TOTAL_ROW.match(first) or (len(filled) <= 3 and any(TOTAL_ROW.match(cell_text(v)) for v in filled)):
            skipped.append((r + 1, "合计行"))
            continue
        if FOOTER_ROW.match(first):
            skipped.append((r + 1, "表尾签字或说明"))
            continue
        if len(filled) >= 3 and norm_header(first) in header_set and \
                sum(1 for v in filled if norm_header(cell_text(v)) in header_set) >= len(filled) - 1:
            skipped.append((r + 1, "重复的表头"))
            continue
        width = len(raw)
        values = [cell_text(raw[c]) if c < width else "" for c in mapped]
        if not any(values):
            skipped.append((r + 1, "没有登记表字段的内容"))
            continue
        index.append(r + 1)
        data_rows.append(values)
    # trailing blank rows are not worth reporting one by one
    while skipped and skipped[-1][1] == "空行" and skipped[-1][0] > (index[-1] if index else 0):
        skipped.pop()
    at = {c: i for i, c in enumerate(mapped)}
    data = {}
    for c, key in h.mapping.items():
        if isinstance(key, str):
            data[key] = [row[at[c]] for row in data_rows]
    for key, cols in options.items():
        data[key] = [MULTI_JOINER.join(o for c, o in cols if row[at[c]] in TICKS) for row in data_rows]
    frame = pd.DataFrame(data, index=index, dtype=object)
    ignored = [(column_letter(c), t) for c, t in h.ignored]
    return Roster(path=str(path), sheet=name, kind=h.kind, header_rows=tuple(r + 1 for r in h.rows),
                  columns=letters, ignored=ignored, frame=frame, unit=unit, report_date=date, title=title,
                  skipped_rows=skipped, hidden=hidden)


def _meta(book) -> dict:
    """Our templates' hidden metadata sheet (key/value rows), if present."""
    for name in book.sheet_names:
        if name in ("_xltools", "xltools_meta", "_meta"):
            rows = book.get_sheet_by_name(name).to_python()
            return {cell_text(r[0]): cell_text(r[1]) for r in rows if len(r) >= 2 and cell_text(r[0])}
    return {}


def read_rosters(path, *, kind: str | None = None, profile=None, password: str | None = None):
    """Every roster sheet of a file, and (sheet, reason) for the sheets that are not rosters."""
    what, payload = _open(path, password)
    if what == "csv":
        r = _sheet_roster(path, "", payload, (), kind, False)
        if isinstance(r, str):
            raise ReadError("file.no_header", path)
        return [r], []
    book = payload
    meta = _meta(book)
    if meta.get("kind") in KINDS and not kind:
        kind = meta["kind"]
    import python_calamine as pc

    rosters, others = [], []
    ours = meta.get("generator") == "xltools"
    for sm in book.sheets_metadata:
        name = sm.name
        if name in ("_xltools", "xltools_meta", "_meta") or sm.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        if ours and name != TEMPLATE_SHEET:  # our own 说明/选项 sheets: known, nothing to report
            continue
        sheet = book.get_sheet_by_name(name)
        try:
            grid = _grid(sheet)
            merged = sheet.merged_cell_ranges
        except Exception as exc:  # a broken sheet inside a readable book
            others.append((name, f"无法读取：{str(exc)[:60]}"))
            continue
        r = _sheet_roster(path, name, grid, merged, kind, sm.visible != pc.SheetVisibleEnum.Visible)
        if isinstance(r, str):
            others.append((name, r))
        else:
            r.meta = meta
            rosters.append(r)
    return rosters, others


def read_roster(path, *, kind: str | None = None, profile=None, password: str | None = None,
                sheet: str | None = None) -> Roster:
    """The roster of a file: the named sheet, else the visible sheet with the most rows."""
    rosters, others = read_rosters(path, kind=kind, profile=profile, password=password)
    if sheet is not None:
        for r in rosters:
            if r.sheet == sheet:
                return r
        why = dict(others).get(sheet, "没有这个工作表")
        raise ReadError("file.no_header", path, f"工作表“{sheet}”：{why}")
    if not rosters:
        raise ReadError("file.no_header", path)
    visible = [r for r in rosters if not r.hidden] or rosters
    return max(visible, key=lambda r: (len(r.frame), -rosters.index(r)))


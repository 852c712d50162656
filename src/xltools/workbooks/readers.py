"""Roster files as tables: find the header, map columns to the schema, read rows as text.

Reads what townships and villages send: .xlsx/.xlsm/.xls/.ods, .csv in UTF-8 or
GBK/GB18030, ".xls" files that are really HTML tables (what many web systems
export), and encrypted workbooks when a password is given (msoffcrypto-tool).
It finds the header itself — title rows above it, a two-row header with merged
group cells (父亲 over 姓名/公民身份号码; 户籍地址 over 省/市/县(区)/详细地址;
健康状况 over one column per option marked √) — and maps headers to the schema's
column keys through labels, titles and synonyms (:mod:`xltools.workbooks.sheetread`, which the
form reader shares).

Engine: python-calamine for every workbook format.  Measured here on a 20,000-row
× 71-column roster (shared strings, medians of 3): calamine ``to_python`` 0.73 s;
openpyxl ``read_only`` 2.93 s; openpyxl full load (needed for merged cells and
hidden rows) 6.47 s; :func:`read_roster` end to end (20,000 rows × 41 mapped
columns) 0.86 s.  Calamine also gives merged ranges, which is all the header
search needs.  It does not say which rows/columns are hidden; it reads them like
any other, which is what a roster needs (a hidden row is still a child), so
openpyxl is not used at all.  Calamine allocates a sheet's whole bounding box,
so :mod:`xltools.workbooks.sniff` checks the size a file claims (and what its name hides:
text, UTF-16 and Excel 2003 XML named .xls) before calamine sees it.

Not every sheet of a workbook becomes a roster: hidden sheets and instructions
sheets (填表说明 with an example row) are listed with the reason; a sheet holding
a second table under another header gives two rosters, each read by its own header.

Every value comes out as text, by these rules (the rule engine relies on them):
stripped strings; dates as ``YYYY-MM-DD``; integer-valued numbers below 1e15
as digits; larger numbers as scientific text (``5.00101201012311e+17``), so an
ID number that Excel turned into a number is reported as "digits lost", never
accepted; empty cells as ''.  A cell merged down over several data rows (one
father for two siblings) gives its value to each of those rows.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from xltools.workbooks import sniff
from xltools.core.dates import DateError, parse_date
from xltools.core.rowtable import column_letter
from xltools.core.schema import KINDS, MULTI_JOINER, Form, base_form
from xltools.workbooks.sheetread import (PERSON_PARENTS, ReadError, Roster, cell_text, form_for, lookup,
                                         match_cell, norm_header, person_key)
from xltools.workbooks.sheetread import match_header  # noqa: F401  (readers.match_header: reconcile, the tests)

MAX_HEADER_SCAN = 30
TEMPLATE_SHEET = "填报"  # the roster sheet of our templates (xltools.ops.templates)
MIN_HEADER_MATCHES = 3
FORM_MAX_ROWS = 300  # a sheet this short may be one child's 登记表 (xltools.workbooks.formread)
TICKS = {"√", "✓", "✔", "☑", "■", "是", "1", "y", "Y", "v", "V", "●", "对"}
TOTAL_ROW = re.compile(r"^(合\s*计|总\s*计|小\s*计|共\s*计|汇\s*总|累\s*计)")
EXAMPLE_ROW = re.compile(r"^(示例|样例|范例|举例|例[:：]|例子|填写示例|填表示例|填报示例)")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"))
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")
FOOTER_ROW = re.compile(r"^(填表人|填报人|审核人|负责人|联系人|制表|注[:：]|说明[:：]|备注[:：]|以下空白|以下无|此页无)")


# --- opening files ----------------------------------------------------------------

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open(path, password: str | None):
    """(kind, payload): ('book', calamine workbook) or ('grid', (rows, merged ranges))."""
    what, payload = open_file(path, password)
    if what == "book":
        return what, payload[0]
    if what == "sheets":  # an Excel 2003 XML spreadsheet: its first sheet
        return "grid", (payload[0][1], payload[0][2]) if payload else ([], ())
    return what, payload


def open_file(path, password: str | None):
    """What a file holds, by its bytes (not its name), checked before anything large is allocated:
    ('book', (calamine workbook, sheet name → :class:`sniff.SheetScan`)), ('grid', (rows, merged
    ranges)) for text and HTML tables, or ('sheets', [(name, rows, merged, hidden)]) for Excel
    2003 XML.  Raises :class:`ReadError`."""
    import python_calamine as pc

    p = Path(path)
    if not p.is_file():
        raise ReadError("file.not_found", path)
    data = p.read_bytes()
    if not data:
        raise ReadError("file.empty", path)
    if data[:8] == OLE_SIGNATURE:  # .xls, or an encrypted .xlsx (an OLE file, not a zip)
        if _ole_encrypted(data):
            data = _decrypt(path, data, password)
        else:
            too_big = sniff.check_xls(data)
            if too_big:
                raise ReadError("file.too_large", path, too_big)
            try:
                return "book", (pc.CalamineWorkbook.from_filelike(io.BytesIO(data)), {})
            except BaseException as exc:
                if not _calamine_failed(exc):
                    raise
                if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
                    raise ReadError("file.encrypted", path) from None
                raise ReadError("file.corrupt", path) from exc
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                too_big = sniff.check_zip(z)  # before anything is decompressed
                if too_big:
                    raise ReadError("file.too_large", path, too_big)
                if z.testzip() is not None:
                    raise ReadError("file.corrupt", path)
                too_big, notes = sniff.scan_xlsx(z) if "xl/workbook.xml" in names else (None, {})
                if too_big:
                    raise ReadError("file.too_large", path, too_big)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:  # zipfile on damage
            raise ReadError("file.corrupt", path) from exc
        if not ({"xl/workbook.xml", "xl/workbook.bin"} & names or "content.xml" in names):
            raise ReadError("file.not_spreadsheet", path, "压缩包或 Word 等其他文档")
        try:
            book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except BaseException as exc:
            if not _calamine_failed(exc):
                raise
            raise ReadError("file.corrupt", path, _calamine_reason(exc)) from exc
        return "book", (book, notes)
    if sniff.is_spreadsheet_2003(data):
        try:
            return "sheets", sniff.spreadsheet_2003_sheets(data)
        except (ValueError, SyntaxError) as exc:  # ElementTree.ParseError is a SyntaxError
            raise ReadError("file.bad_xml", path) from exc
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")) or \
            (head.startswith(b"<") and b"<table" in data[:65536].lower()):
        return "grid", _html_grid(data, path)
    if head.startswith(b"<?xml"):
        raise ReadError("file.not_spreadsheet", path, "XML 文件，不是表格")
    # "Unicode 文本" (UTF-16, tabs) and tab-separated exports are often named .xls
    if p.suffix.lower() in (".csv", ".txt", ".tsv") or sniff.looks_like_text_table(data):
        return "grid", (_csv_rows(data, path), ())
    if p.suffix.lower() in WORKBOOK_SUFFIXES:
        raise ReadError("file.corrupt", path)
    raise ReadError("file.not_spreadsheet", path)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".xltx", ".xltm", ".xlt", ".et", ".ett")


def _calamine_reason(exc: BaseException) -> str:
    """What a calamine error says about the damage, in Chinese (its own text is English)."""
    text = str(exc)
    low = text.lower()
    if "xml" in low or "expecting" in low or "attribute" in low or "unexpected" in low:
        return "工作表的 XML 内容已损坏"
    if "shared string" in low or "sharedstring" in low or "index" in low:
        return "共享字符串表已损坏"
    if "cell" in low or "dimension" in low or "range" in low:
        return "单元格位置记录已损坏"
    if "zip" in low or "deflate" in low:
        return "压缩包已损坏"
    return "文件结构已损坏"


def _ole_encrypted(data: bytes) -> bool:
    """An OLE file with an EncryptionInfo stream is an encrypted OOXML workbook."""
    try:
        import olefile  # a dependency of msoffcrypto-tool
    except ImportError:  # pragma: no cover - msoffcrypto-tool is a dependency
        return "EncryptionInfo".encode("utf-16-le") in data
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:  # bytes < 1536 long would be taken as a file name
            return ole.exists("EncryptionInfo")
    except OSError:  # olefile's "not an OLE2 structured storage" and friends
        return False


def _calamine_failed(exc: BaseException) -> bool:
    """True for what calamine raises on a bad file: its CalamineError family, and a Rust
    panic inside it, which pyo3 raises as PanicException (a BaseException, not an Exception)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _decrypt(path, data: bytes, password: str | None) -> bytes:
    if not password:
        raise ReadError("file.encrypted", path)
    import msoffcrypto
    from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError, ParseError

    out = io.BytesIO()
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        office.load_key(password=password)
        office.decrypt(out)
    except (InvalidKeyError, DecryptionError):
        raise ReadError("file.wrong_password", path) from None
    except (FileFormatError, ParseError, OSError, ValueError) as exc:  # a damaged encrypted file
        raise ReadError("file.corrupt", path) from exc
    return out.getvalue()


def _csv_rows(data: bytes, path) -> list[list]:
    # Excel's "Unicode 文本" is UTF-16 with a BOM and tabs; otherwise UTF-8, then GBK's superset
    encodings = ("utf-16",) if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # a few broken bytes: read the rest; the broken characters show as � to the rules
        text = data.decode(encodings[-1], errors="replace")
    if "\x00" in text:
        raise ReadError("file.not_spreadsheet", path)
    dialect = csv.excel_tab if text.count("\t") > text.count(",") else csv.excel
    try:  # newline=None: a lone \r (old Mac line ends, damaged files) is a line end too
        return list(csv.reader(io.StringIO(text, newline=None), dialect))
    except csv.Error:  # e.g. a NUL or field limit; not a table we can read
        raise ReadError("file.corrupt", path) from None


class _TableParser(HTMLParser):
    """The first <table> of an HTML page as rows of text, with rowspan/colspan as merged ranges."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self._taken: set[tuple[int, int]] = set()
        self._depth = 0
        self._done = False
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._width: dict[int, int] = {}  # row → columns its spanned cells reach
        self._budget = MAX_SPAN_CELLS

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "table":
            self._depth += 1
        elif self._depth == 1 and tag == "tr":
            self.rows.append([])
        elif self._depth == 1 and tag in ("td", "th") and self.rows:
            a = dict(attrs)
            self._span = (_int(a.get("rowspan")), _int(a.get("colspan")))
            self._cell = []
        elif self._cell is not None and tag == "br":
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if self._done:
            return
        if tag in ("td", "th") and self._cell is not None:
            r = len(self.rows) - 1
            row = self.rows[r]
            c = len(row)
            while (r, c) in self._taken:
                c += 1
            while len(row) < c:
                row.append("")
            row.append("".join(self._cell).strip())
            rs, cs = self._span
            if rs > 1 or cs > 1:
                self._budget -= rs * cs
                if self._budget < 0:  # rowspan/colspan claims that would fill memory
                    raise _TooLarge(f"网页表格的合并单元格共超过 {MAX_SPAN_CELLS} 格")
                self.merged.append(((r, c), (r + rs - 1, c + cs - 1)))
                self._taken.update((r + i, c + j) for i in range(rs) for j in range(cs) if i or j)
                for i in range(1, rs):
                    self._width[r + i] = max(self._width.get(r + i, 0), c + cs)
                row.extend([""] * (cs - 1))
            self._cell = None
        elif tag == "tr" and self.rows:
            r = len(self.rows) - 1
            width = self._width.pop(r, 0)
            self.rows[r].extend([""] * (width - len(self.rows[r])))
        elif tag == "table":
            self._depth -= 1
            self._done = self._depth == 0

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


MAX_SPAN_CELLS = 250_000  # cells covered by rowspan/colspan in one HTML table


class _TooLarge(Exception):
    pass


def _int(v) -> int:
    try:
        return max(1, min(int(v), 1000))
    except (TypeError, ValueError):
        return 1


def _html_grid(data: bytes, path):
    """An "Excel" file that is really a web page (what many systems export as .xls)."""
    m = re.search(rb"charset\s*=\s*[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
    encodings = ([m.group(1).decode("ascii")] if m else []) + ["utf-8-sig", "gb18030"]
    for enc in encodings:
        try:
            text = data.decode(enc)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        raise ReadError("file.not_spreadsheet", path, "编码无法识别")
    parser = _TableParser()
    try:
        parser.feed(text)
        parser.close()
    except _TooLarge as exc:
        raise ReadError("file.too_large", path, str(exc)) from None
    if not parser.rows:
        raise ReadError("file.not_spreadsheet", path, "网页中没有表格")
    return parser.rows, parser.merged


# --- sheets -------------------------------------------------------------------------------

def _grid(sheet) -> list[list]:
    return sheet.to_python(skip_empty_area=False)


def _fill_merged(grid: list[list], merged, top: int, bottom: int, down_only: bool = False) -> None:
    """Copy each merged range's value into every cell of it, for ranges starting in rows
    ``top``..``bottom-1``.  ``down_only``: only ranges one column wide and several rows
    tall (in data, a horizontal merge is a note such as 以下空白, not a value per column)."""
    for (r0, c0), (r1, c1) in merged or ():
        if not top <= r0 < bottom or r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        if down_only and (c1 != c0 or r1 == r0):
            continue
        v = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = v


def _score(cells: list[str], form: Form) -> int:
    table = lookup(form)
    return sum(1 for c in cells if c and (norm_header(c) in table or norm_header(c) in PERSON_PARENTS))


@dataclass
class _Header:
    row: int           # 0-based index of the lowest header row
    rows: tuple[int, ...]
    kind: str
    mapping: dict       # column index → key or (field key, option)
    ignored: list[tuple[int, str]]
    score: float


def _find_header(grid: list[list], kind: str | None, profile=None) -> _Header | None:
    kinds = (kind,) if kind else KINDS
    best = None
    top = min(len(grid), MAX_HEADER_SCAN)
    # a header (one row, or a group row over a label row) has header words in it: rows
    # without any are data or titles, and mapping them would cost most of a read
    forms = [form_for(k, profile) for k in kinds]
    texts = [[cell_text(v) for v in grid[r]] for r in range(top)]
    words = [max(_score(cells, f) for f in forms) for cells in texts] + [0]
    for r in range(top):
        if words[r] + words[r + 1] < MIN_HEADER_MATCHES:
            continue
        if sum(1 for c in texts[r] if c) < MIN_HEADER_MATCHES:
            continue
        for form in forms:
            for rows in ((r,), (r, r + 1) if r + 1 < len(grid) else None):
                if rows is None:
                    continue
                h = _map_header(grid, rows, form)
                if best is None or h.score > best.score:
                    best = h
    if best is None or best.score < MIN_HEADER_MATCHES:
        return None
    if not kind:
        best.kind = _guess_kind(best, grid, profile)
    return best


def _map_header(grid, rows: tuple[int, ...], form: Form) -> _Header:
    width = max(len(grid[r]) for r in rows)
    mapping: dict = {}
    ignored = []
    used: set[str] = set()
    person = None
    table = lookup(form)
    contributed = noise = doubled = 0  # what the upper row of a two-row reading did
    for c in range(width):
        texts = [cell_text(grid[r][c]) if c < len(grid[r]) else "" for r in rows]
        if len(rows) == 2:
            parent, text = texts
            if not text:
                parent, text = "", parent
            if parent == text:
                parent = ""
                doubled += bool(text)
        else:
            parent, text = "", texts[0]
        if not text:
            continue
        key = match_cell(text, parent or None, form, person)
        if parent:
            if key is not None and key != match_cell(text, None, form, person):
                contributed += 1
            elif norm_header(parent) not in table and norm_header(parent) not in PERSON_PARENTS:
                noise += 1
        if isinstance(key, str) and key in used and person is None:
            key = None
        if key is None and isinstance(text, str) and norm_header(text) in PERSON_PARENTS and not parent:
            key = person_key(form, PERSON_PARENTS[norm_header(text)], "姓名")
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
    score: float = len(distinct)
    if len(rows) == 2:
        # Two rows only when the upper one adds something: group cells (父亲 over 姓名) win
        # over one row; cells merged down both rows tie-break for two; anything else
        # above the header (填报单位…) or data below it (an ID number) rules two rows out.
        below = [cell_text(v) for v in grid[rows[1]]]
        if any(re.fullmatch(r"\d{17}[\dXx]", v) for v in below):
            score = -1
        elif contributed:
            score += 1
        elif noise:
            score = -1
        elif doubled:
            score += 0.5
    return _Header(rows[-1], rows, form.kind, mapping, ignored, score)


def _guess_kind(h: _Header, grid, profile=None) -> str | None:
    scores = {}
    for k in KINDS:
        form = form_for(k, profile)
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


_UNIT = re.compile(r"(?:填报|填表)?单位[:：]\s*(.*?)(?:\s{2,}|(?:填报|填表|统计)(?:日期|时间)|$)")
_DATE = re.compile(r"(?:填报|填表|统计)(?:日期|时间)[:：]\s*(.*)$")
# a label cell alone, its value in the next non-empty cell
UNIT_LABELS = {"填报单位", "填表单位", "单位", "填报单位（盖章）", "单位（盖章）", "填报单位(盖章)", "单位(盖章)"}
DATE_LABELS = {"填报日期", "填表日期", "填报时间", "填表时间", "统计时间", "统计日期", "日期"}


def _above(grid, header_row: int) -> tuple[str, str, str]:
    unit = date = title = ""
    for r in range(header_row):
        cells = [cell_text(v) for v in grid[r]]
        for i, c in enumerate(cells):
            if not c:
                continue
            nxt = next((x for x in cells[i + 1:] if x and x != c), "")
            if norm_header(c) in UNIT_LABELS | DATE_LABELS and norm_header(nxt) in UNIT_LABELS | DATE_LABELS:
                nxt = ""
            if norm_header(c) in UNIT_LABELS and not unit:
                unit = nxt
                continue
            if norm_header(c) in DATE_LABELS and not date:
                date = nxt
                continue
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


def _sheet_roster(path, name: str, grid: list[list], merged, kind: str | None, hidden: bool,
                  profile=None) -> Roster | str:
    if not grid:
        return "空表"
    scan = MAX_HEADER_SCAN + 2
    top_rows = [list(row) for row in grid[:scan]]
    _fill_merged(grid, merged, 0, scan)
    h = _find_header(grid, kind, profile)
    if h is None:
        return "没有找到登记表表头"
    grid[h.row + 1:scan] = top_rows[h.row + 1:]  # the data rows as they were, then merged down only
    _fill_merged(grid, merged, h.row + 1, len(grid), down_only=True)
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
    words = _header_words(h.kind)
    next_table = None
    mapped = sorted(h.mapping)  # only these columns are converted (templates carry formula columns too)
    for r in range(h.row + 1, len(grid)):
        raw = grid[r]
        n_filled = len(raw) - raw.count("") - raw.count(None)  # list.count: C speed on wide rows
        if not n_filled:
            skipped.append((r + 1, "空行"))
            continue
        first = cell_text(next(v for v in raw if v != "" and v is not None))
        if TOTAL_ROW.match(first) or (n_filled <= 3 and any(TOTAL_ROW.match(cell_text(v)) for v in raw if v)):
            skipped.append((r + 1, "合计行"))
            continue
        if FOOTER_ROW.match(first):
            skipped.append((r + 1, "表尾签字或说明"))
            continue
        if EXAMPLE_ROW.match(first):
            skipped.append((r + 1, "填写示例"))
            continue
        if n_filled >= MIN_HEADER_MATCHES and not words.isdisjoint(raw) and \
                sum(1 for v in raw if type(v) is str and norm_header(v) in words) >= MIN_HEADER_MATCHES:
            again = _map_header(grid, (r,), form_for(h.kind or KINDS[0], profile))
            if again.score >= MIN_HEADER_MATCHES and any(h.mapping.get(c, k) != k for c, k in again.mapping.items()):
                next_table = r  # a table with another header: read on its own (_sheet_tables)
                break
        if n_filled >= 3 and norm_header(first) in header_set and \
                sum(1 for v in raw if v != "" and v is not None and norm_header(cell_text(v)) in header_set) \
                >= n_filled - 1:
            skipped.append((r + 1, "重复的表头"))
            continue
        width = len(raw)
        # str cells (nearly all of them) inline, the rest through cell_text
        values = [("" if c >= width else v.strip() if type(v := raw[c]) is str else cell_text(v)) for c in mapped]
        if not any(values):
            skipped.append((r + 1, "没有登记表字段的内容"))
            continue
        index.append(r + 1)
        data_rows.append(values)
    # trailing blank rows are not worth reporting one by one
    while skipped and skipped[-1][1] == "空行" and skipped[-1][0] > (index[-1] if index else 0):
        skipped.pop()
    at = {c: i for i, c in enumerate(mapped)}
    by_column = list(zip(*data_rows)) or [()] * len(mapped)
    notes = []
    cleaned = 0
    for i, col in enumerate(by_column):
        if _INVISIBLE_RE.search("\x1f".join(col)):  # zero-width spaces from copy-paste; one search a column
            by_column[i] = tuple(v.translate(INVISIBLE).strip() if type(v) is str else v for v in col)
            cleaned += sum(1 for a, b in zip(col, by_column[i]) if a != b)
    if cleaned:
        notes.append(f"{cleaned} 个单元格里有看不见的字符（零宽空格等，多由复制粘贴带入），已去掉后再检查")
    data = {}
    for c, key in h.mapping.items():
        if isinstance(key, str):
            data[key] = list(by_column[at[c]])
    for key, cols in options.items():
        ticks = [[o if v in TICKS else "" for v in by_column[at[c]]] for c, o in cols]
        data[key] = [MULTI_JOINER.join(o for o in row if o) for row in zip(*ticks)] if ticks else []
    frame = pd.DataFrame(data, index=index, dtype=object)
    ignored = [(column_letter(c), t) for c, t in h.ignored]
    headers = sorted([(c, " ".join(t.split()), "") for c, t in h.ignored] +
                     [(c, _header_text(grid, h.rows, c), k if isinstance(k, str) else k[0])
                      for c, k in h.mapping.items()])
    unused_values = {}
    for c, _ in h.ignored:
        vals = (cell_text(grid[r][c]) for r in (x - 1 for x in index[:SAMPLE_ROWS]) if c < len(grid[r]))
        unused_values[column_letter(c)] = [v for v in vals if v]
    return Roster(path=str(path), sheet=name, kind=h.kind, header_rows=tuple(r + 1 for r in h.rows),
                  columns=letters, ignored=ignored, frame=frame, unit=unit, report_date=date, title=title,
                  skipped_rows=skipped, hidden=hidden, notes=notes,
                  headers=[(column_letter(c), t, k) for c, t, k in headers], unused_values=unused_values,
                  meta={} if next_table is None else {"_next_table": next_table})


SAMPLE_ROWS = 200  # rows of an unused column looked at to say which field it may be
LOOKS_LIKE_OPTIONS = 0.6  # share of an unused column's values that are one field's options
LOOKS_LIKE_HEADER = 0.6  # difflib ratio of an unused header to a field's label or synonym


def _header_text(grid, rows, c) -> str:
    texts = [" ".join(cell_text(grid[r][c]).split()) if c < len(grid[r]) else "" for r in rows]
    return "/".join(dict.fromkeys(t for t in texts if t))


def unused_fields(roster: Roster, form: Form, known=()) -> list[tuple[str, str, list[str], str]]:
    """The unused columns of ``roster`` that look like fields of ``form`` it has no column for:
    (letter, header, field keys, why) — a header close to a field's label or synonyms, or
    values mostly that field's options.  ``known``: headers that are not fields (our own
    花名册's 年龄, 类别 …), never reported.

    >>> r = Roster("x.xlsx", "", "flow", (1,), {}, [("B", "医保情况说明")], pd.DataFrame(),
    ...            unused_values={"B": ["已参保"] * 3})
    >>> [(c, k) for c, _, k, _ in unused_fields(r, form_for("flow", "chongqing"))]
    [('B', ['medical_insurance'])]
    """
    import difflib

    mapped = {k for _, _, k in roster.headers if k} | set(roster.columns)
    skip = {norm_header(k) for k in known} | {"序号", "编号", "备注", "说明"}
    names: dict[str, set[str]] = {}
    for n, key in lookup(form).items():
        names.setdefault(key, set()).add(n)
    out = []
    for letter, header in roster.ignored:
        t = norm_header(header.split("/")[-1])
        if not t or t in skip:
            continue
        values = [norm_header(v) for v in roster.unused_values.get(letter, [])]
        by_header, by_values = [], []
        for f in form:
            if f.key in mapped or any(k in mapped for k in f.part_keys) or f.companion_of:
                continue
            words = names.get(f.key, set()) | {norm_header(f.label), norm_header(f.title)}
            if any((t in w or w in t) and min(len(t), len(w)) >= 2 or
                   difflib.SequenceMatcher(None, t, w).ratio() >= LOOKS_LIKE_HEADER for w in words):
                by_header.append(f.key)
            if f.is_choice and len(values) >= 2:
                opts = {norm_header(o) for o in f.options}
                if sum(v in opts for v in values) >= LOOKS_LIKE_OPTIONS * len(values):
                    by_values.append(f.key)
        both = [k for k in by_header if k in by_values]
        if both or by_header:
            out.append((letter, header, both or by_header, "表头相近" + ("，内容是该栏目的选项" if both else "")))
        elif by_values:
            out.append((letter, header, by_values[:3], "内容多为该栏目的选项"))
    return out


@lru_cache(maxsize=None)
def _header_words(kind: str | None) -> frozenset:
    """Header texts of every form (normalised), to spot a header row among data rows; not the
    bare 父亲/母亲 group words, which are also what a 与儿童关系 cell holds."""
    kinds = (kind,) if kind else KINDS
    return frozenset(w for k in kinds for w in lookup(base_form(k))) - frozenset(PERSON_PARENTS)


def read_grid(grid, *, merged=None, kind: str | None = None, profile=None, name: str = "") -> Roster:
    """The roster in a grid of cell values (rows from A1, as an open workbook or an
    Excel range gives them) — the add-in's entry point, same header search as files.

    ``merged``: the sheet's merged ranges ``((r0, c0), (r1, c1))``, 0-based, or None
    when unknown (values read through Excel): then, once the header is found, the
    group cells of a two-row header are taken as merged over the blanks to their
    right (:func:`header_merges`).  Raises :class:`ReadError` ``file.no_header``.
    """
    rows = [list(r) for r in grid]  # _sheet_roster fills merged cells in place
    if len(rows) <= FORM_MAX_ROWS:  # a 登记表 open in Excel (the add-in's 校验本表)
        from xltools.workbooks.formread import sheet_form
        form = sheet_form(name, name, rows, merged, kind, profile)
        if isinstance(form, str):
            raise ReadError("file.no_header", name or "工作表", form)
        if form is not None:
            return form
    if merged is None:
        h = _find_header(rows, kind, profile)
        merged = header_merges(rows, h.rows[0]) if h is not None and len(h.rows) == 2 else []
    r = _sheet_roster(name, name, rows, merged, kind, False, profile)
    if isinstance(r, str):
        raise ReadError("file.no_header", name or "工作表", r if r == "空表" else "")
    return r


def header_merges(grid, r: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The merges that values alone imply in row ``r``, the upper row of a two-row
    header: a group cell followed by blanks over sub-headers (父亲 over 姓名, 公民身份号码 …)."""
    row, below = grid[r], grid[r + 1]
    out = []
    c = 0
    while c < len(row):
        if cell_text(row[c]) and c < len(below) and cell_text(below[c]):
            end = c
            while end + 1 < min(len(row), len(below)) and not cell_text(row[end + 1]) \
                    and cell_text(below[end + 1]):
                end += 1
            if end > c:
                out.append(((r, c), (r, end)))
            c = end
        c += 1
    return out


META_SHEET = "_xltools"  # the hidden key/value sheet of every workbook xltools writes
META_SHEETS = (META_SHEET, "xltools_meta", "_meta")


def roster_sheet_of(meta: dict) -> str | None:
    """The one roster sheet of a workbook we wrote: a template's 填报, a 花名册's 花名册 (its
    重复记录 and 重点关爱台账 sheets hold children too, but are not rosters); None for others.
    A 花名册 longer than a sheet continues on 花名册（2）…: see :func:`is_sheet_part`."""
    return meta.get("roster_sheet") or (TEMPLATE_SHEET if meta.get("generator") == "xltools" else None)


def sheet_part(name: str, n: int) -> str:
    """The name of the ``n``-th sheet (from 1) of a table too long for one sheet: 花名册, 花名册（2）, …

    >>> sheet_part("花名册", 1), sheet_part("花名册", 2)
    ('花名册', '花名册（2）')
    """
    return name if n == 1 else f"{name}（{n}）"


def is_sheet_part(sheet: str, name: str) -> bool:
    """True when ``sheet`` is ``name`` or one of its continuation sheets (:func:`sheet_part`)."""
    return sheet == name or re.fullmatch(re.escape(name) + r"（[1-9][0-9]*）", sheet) is not None


def recorded_as_of(meta: dict) -> _dt.date | None:
    """The 统计日期 a workbook we wrote records (``merge --as-of``), or None."""
    try:
        return parse_date(meta.get("as_of") or None)
    except DateError:
        return None


ROSTER_DOCUMENT = "花名册"  # the ``document`` a district 花名册 records (xltools.workbooks.rosterbook)


def is_roster_book(meta: dict) -> bool:
    """True for a district 花名册 we wrote (not a template, nor a township's file from split)."""
    return meta.get("document") == ROSTER_DOCUMENT


def peek_meta(path, password: str | None = None) -> dict:
    """The metadata a workbook we wrote records (kind, profile, 统计日期 …), {} for others;
    raises :class:`ReadError` for a file that cannot be opened."""
    what, payload = _open(path, password)
    return _meta(payload) if what == "book" else {}


def open_workbook(path, password: str | None = None):
    """A file as ('book', calamine workbook) or ('grid', (rows, merged ranges)): for the readers
    of our own outputs (花名册, department files), which find their sheets by name; raises
    :class:`ReadError` for a file that cannot be opened."""
    return _open(path, password)


def meta_of(rows) -> dict:
    """Key/value rows of a metadata sheet as a dict of text."""
    return {cell_text(r[0]): cell_text(r[1]) for r in rows if len(r) >= 2 and cell_text(r[0])}


def _meta(book) -> dict:
    """Our templates' hidden metadata sheet (key/value rows), if present."""
    for name in book.sheet_names:
        if name in META_SHEETS:
            return meta_of(book.get_sheet_by_name(name).to_python())
    return {}


R_HIDDEN = "隐藏的工作表，未合并；如果其中的儿童也要上报，请在 Excel 或 WPS 中取消隐藏后再提交"
R_INSTRUCTIONS = "填写说明或示例表，其中的示例行不是儿童，未读取"
R_DAMAGED = "工作表已损坏，无法读取（{why}）；请让报送单位用 Excel 或 WPS 打开后另存为 .xlsx 再发送"
INSTRUCTION_SHEET = re.compile(r"说明|示例|样表|样例|范例|须知|填表要求")


def _sheets(what, payload, meta):
    """(name, loader, hidden) for each worksheet of an opened file; loader → (grid, merged)."""
    if what == "sheets":
        for name, rows, merged, hidden in payload:
            yield name, (lambda rows=rows, merged=merged: (rows, merged)), hidden
        return
    import python_calamine as pc

    book = payload[0]
    only = roster_sheet_of(meta)
    for sm in book.sheets_metadata:
        name = sm.name
        if name in META_SHEETS or sm.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        if only and not is_sheet_part(name, only):  # our own 说明/选项/统计 … sheets: nothing to report
            continue

        def load(name=name):
            sheet = book.get_sheet_by_name(name)  # calamine reads (and may fail on) the sheet here
            return _grid(sheet), sheet.merged_cell_ranges
        yield name, load, sm.visible != pc.SheetVisibleEnum.Visible


def read_rosters(path, *, kind: str | None = None, profile=None, password: str | None = None,
                 hidden: bool = False):
    """Every roster of a file (a sheet holding two tables with different headers gives two), and
    (sheet, reason) for the sheets that are not read as rosters.

    Hidden sheets and sheets named as instructions (填表说明, 示例 …) are listed with the
    reason, not read: a hidden sheet is often an old copy, an instructions sheet's rows are
    examples.  ``hidden=True`` reads hidden sheets too (``validate --sheet`` names one).
    A sheet that is a filled 登记表 (one child) and a Word document of forms are read by
    :mod:`xltools.workbooks.formread` into rosters of one row each (``shape == "form"``)."""
    if Path(path).suffix.lower() == ".docx":
        from xltools.workbooks.formread import read_docx
        return read_docx(path, kind=kind, profile=profile)
    what, payload = open_file(path, password)
    if what == "grid":
        grid, merged = payload
        tables = _sheet_tables(path, "", grid, merged, kind, False, profile)
        if isinstance(tables, str):
            raise ReadError("file.no_header", path)
        return tables, []
    meta = _meta(payload[0]) if what == "book" else {}
    notes = payload[1] if what == "book" else {}
    if meta.get("kind") in KINDS and not kind:
        kind = meta["kind"]
    only = roster_sheet_of(meta)
    rosters, others = [], []
    for name, load, is_hidden in _sheets(what, payload, meta):
        if is_hidden and not hidden:
            others.append((name, R_HIDDEN))
            continue
        try:
            grid, merged = load()
        except BaseException as exc:  # a broken sheet inside a readable book
            if not _calamine_failed(exc):
                raise
            others.append((name, R_DAMAGED.format(why=_calamine_reason(exc))))
            continue
        if not only and len(grid) <= FORM_MAX_ROWS:  # a filled 登记表: one child (xltools.workbooks.formread)
            from xltools.workbooks.formread import sheet_form
            form = sheet_form(path, name, grid, merged, kind, profile, meta)
            if isinstance(form, str):  # a blank form: no child, and not a roster either
                others.append((name, form))
                continue
            if form is not None:
                form.hidden = is_hidden
                rosters.append(form)
                continue
        tables = _sheet_tables(path, name, grid, merged, kind, is_hidden, profile)
        if isinstance(tables, str):
            others.append((name, tables))
            continue
        if INSTRUCTION_SHEET.search(name) and len(tables) == 1 and len(tables[0].frame) <= 3:
            others.append((name, R_INSTRUCTIONS))
            continue
        for r in tables:
            r.meta = meta
            if name in notes:  # error cells and formulas without a result, in the columns read
                r.notes = notes[name].notes(set(r.columns.values())) + r.notes
            rosters.append(r)
    if not rosters and others and all(why.startswith("工作表已损坏") for _, why in others):
        raise ReadError("file.corrupt", path, "；".join(f"{n}：{w.split('；')[0]}" for n, w in others))
    return rosters, others


def _sheet_tables(path, name: str, grid: list[list], merged, kind, hidden: bool, profile) -> list[Roster] | str:
    """The tables of one sheet, top to bottom: a new header below a table starts the next one."""
    out: list[Roster] = []
    offset = 0
    while True:
        r = _sheet_roster(path, name, grid, merged, kind, hidden, profile)
        if isinstance(r, str):
            if out:  # cannot happen (the split needs a header the search finds), but never silently
                out[-1].notes.append(f"第{offset + 1}行起的内容没有读取（{r}）；请把它移到单独的工作表")
            return out or r
        if offset:
            r.frame.index = r.frame.index + offset
            r.skipped_rows = [(row + offset, why) for row, why in r.skipped_rows]
            r.header_rows = tuple(x + offset for x in r.header_rows)
        out.append(r)
        nxt = r.meta.pop("_next_table", None)
        if nxt is None:
            return out
        r.notes.append(f"第{nxt + offset + 1}行起是另一个表头不同的表格，已按它自己的表头单独读取")
        grid = grid[nxt:]
        merged = [((r0 - nxt, c0), (r1 - nxt, c1)) for (r0, c0), (r1, c1) in merged or () if r0 >= nxt]
        offset += nxt


def read_roster(path, *, kind: str | None = None, profile=None, password: str | None = None,
                sheet: str | None = None) -> Roster:
    """The roster of a file: the named sheet, else the visible sheet with the most rows."""
    rosters, others = read_rosters(path, kind=kind, profile=profile, password=password, hidden=sheet is not None)
    return pick_roster(path, rosters, others, sheet)


def pick_roster(path, rosters: list[Roster], others, sheet: str | None = None) -> Roster:
    """The roster :func:`read_roster` gives, among what :func:`read_rosters` read."""
    if sheet is not None:
        for r in rosters:
            if r.sheet == sheet:
                return r
        why = dict(others).get(sheet, "没有这个工作表")
        raise ReadError("file.no_header", path, f"工作表“{sheet}”：{why}")
    if not rosters:
        empty = bool(others) and all(why == "空表" for _, why in others)
        raise ReadError("file.empty" if empty else "file.no_header", path)
    visible = [r for r in rosters if not r.hidden] or rosters
    return max(visible, key=lambda r: (len(r.frame), -rosters.index(r)))


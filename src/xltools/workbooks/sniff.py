"""What a file really is, and whether it is safe to hand to calamine.

Townships send files whose name lies about their content (tab-separated or
UTF-16 "Unicode 文本" exports, HTML tables and Excel 2003 XML, all named .xls) and
damaged files whose size claims would make calamine allocate far more memory than
the machine has: calamine builds a sheet as one block of its bounding box
(``Range::from_sparse``), so one stray cell at XFD1048576 asks for 17 billion
cells, and a damaged .xls DIMENSIONS record for petabytes (a Rust allocation
failure aborts the whole process, not a Python exception).  The checks here run on
the bytes, before calamine sees them, and cost a streaming pass over each sheet part:

- :func:`check_zip`: members' declared sizes and compression ratios (zip bombs);
- :func:`scan_xlsx`: each sheet's bounding box from its cell references (and the
  error cells and formulas without a saved result, which calamine reads as blank);
- :func:`check_xls`: each sheet's DIMENSIONS record of an .xls (BIFF8).

The bounding box is read from the row elements, three-letter columns, the set of
two-letter columns and cell rows with more digits than the last row element — not
every reference one by one (that cost a third of a read).  Not caught: a stray cell
in columns A–ZZ whose row has as many digits as the sheet's last row (at most 10×
the rows × 702 columns); the merge's worker memory limit contains that.

Each returns the reason a file is refused (Chinese, for :class:`readers.ReadError`'s
``file.too_large``), or None.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

MAX_CELLS = 20_000_000          # a sheet's bounding box; a 100,000-row × 100-column roster is 10M
MAX_UNZIPPED = 2 << 30          # all members of a workbook together, uncompressed
MAX_RATIO = 200                 # uncompressed / compressed of a large member: XML compresses 10–30×
RATIO_FLOOR = 50 << 20          # members smaller than this may have any ratio
CHUNK = 4 << 20

# Cell references are scanned by their form, so a roster's million cells cost little: columns
# of three letters (beyond ZZ) and rows with more digits than the sheet's row elements are rare
# and read one by one; two-letter columns are collected as a set.
# (Patterns start with a literal so the regex engine can skip ahead: ~10× faster on big sheets.)
_WIDE_REF = re.compile(rb'r="([A-Z]{3,})(\d+)"')
_TWO_LETTERS = re.compile(rb'r="([A-Z]{2})\d')
_PLAIN_ROW = re.compile(rb'<row r="(\d+)"')
_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?"')


def col_number(letters: bytes | str) -> int:
    """1-based column number of column letters (A → 1, XFD → 16384)."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def check_zip(z: zipfile.ZipFile) -> str | None:
    total = 0
    for info in z.infolist():
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return f"{info.filename} 解压后 {info.file_size >> 20} MB，是压缩大小的 " \
                   f"{info.file_size // max(info.compress_size, 1)} 倍"
    if total > MAX_UNZIPPED:
        return f"解压后共 {total >> 20} MB"
    return None


_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>]*?\bt="e"|<(?:\w+:)?c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+\d+)"')
_NO_VALUE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+\d+)"[^>/]*>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)'
                       rb'\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v></(?:\w+:)?v>)?\s*</(?:\w+:)?c>')


class SheetScan:
    """What one pass over a sheet part found: its bounding box, and by column the error cells
    and the formulas saved without a result (calamine reads both as blank), with the first of each."""

    def __init__(self):
        self.rows = self.cols = 0
        self.errors: dict[str, list] = {}     # column letters → [count, first cell]
        self.no_value: dict[str, list] = {}

    @staticmethod
    def _add(into: dict, refs) -> None:
        for ref in refs:
            ref = ref.decode("ascii")
            col = ref.rstrip("0123456789")
            if col in into:
                into[col][0] += 1
            else:
                into[col] = [1, ref]

    def notes(self, columns) -> list[str]:
        """Notes about the cells of ``columns`` (letters): those a roster reads."""
        out = []
        for what, text in ((self.errors, "个单元格是公式错误值（如 #REF!、#N/A），读作空白；请在 Excel 或 WPS 中"
                                         "改正公式或改填数值后再提交"),
                           (self.no_value, "个公式单元格没有计算结果，读作空白；请在 Excel 或 WPS 中打开后保存再提交")):
            hits = [v for c, v in what.items() if c in columns]
            if hits:
                first = min((v[1] for v in hits), key=lambda ref: (int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
                                                                    len(ref), ref))
                out.append(f"有 {sum(v[0] for v in hits)} {text[:text.index('，')]}（第一个在 {first}）"
                           f"{text[text.index('，'):]}")
        return out


def scan_sheet(stream) -> SheetScan:
    """One streaming pass over a sheet part (see :class:`SheetScan`)."""
    scan = SheetScan()
    tail = b""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            data, tail = tail, b""
        else:
            data = tail + chunk
            cut = data.rfind(b"<c ")  # a cell cut at the chunk's end is read with the next chunk
            data, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        if not data:
            break
        rows = (_PLAIN_ROW if b"<row r=" in data else _ROW).findall(data)
        if rows:
            scan.rows = max(scan.rows, max(map(int, rows)))
        for letters, row in _WIDE_REF.findall(data):
            scan.cols = max(scan.cols, col_number(letters))
            scan.rows = max(scan.rows, int(row))
        two = set(_TWO_LETTERS.findall(data))
        scan.cols = max(scan.cols, max(map(col_number, two)) if two else 26 if b'r="' in data else 0)
        deep = re.findall(rb'r="[A-Z]{1,2}(\d{%d,})"' % (len(str(scan.rows)) + 1), data)
        if deep:  # a cell far below the last row element (a stray or damaged reference)
            scan.rows = max(scan.rows, max(map(int, deep)))
        if b't="e"' in data:
            scan._add(scan.errors, (a or b for a, b in _ERROR_CELL.findall(data)))
        if b"<f" in data:
            scan._add(scan.no_value, _NO_VALUE.findall(data))
        if not chunk or len(tail) > CHUNK:  # no cell end for megabytes: calamine will say what is wrong
            break
    return scan


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part in the zip → sheet name, from xl/workbook.xml and its relationships."""
    from xml.etree import ElementTree as ET

    try:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return {}
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for el in book.iter():
        if el.tag.endswith("}sheet"):
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            t = target.get(rid, "")
            out[t.lstrip("/") if t.startswith("/") else "xl/" + t] = el.get("name", "")
    return out


def scan_xlsx(z: zipfile.ZipFile) -> tuple[str | None, dict[str, SheetScan]]:
    """(why the workbook is refused or None, sheet name → its :class:`SheetScan`)."""
    names = sheet_parts(z)
    notes = {}
    for info in z.infolist():
        name = info.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        with z.open(info) as fh:
            scan = scan_sheet(fh)
        if scan.rows * scan.cols > MAX_CELLS:
            return f"工作表范围达 {scan.rows} 行 × {scan.cols} 列", {}
        if scan.errors or scan.no_value:
            notes[names.get(name, name)] = scan
    return None, notes


def check_xls(data: bytes) -> str | None:
    """The DIMENSIONS record of each sheet of a BIFF8 .xls, found through BOUNDSHEET offsets."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            name = next((n for n in ("Workbook", "Book", "workbook", "WORKBOOK") if ole.exists(n)), None)
            if name is None:
                return None
            stream = ole.openstream(name).read()
    except OSError:
        return None  # not readable as OLE: calamine will say what it is
    offsets = []
    pos = 0
    while pos + 4 <= len(stream):  # the globals substream, up to its EOF
        typ, size = struct.unpack_from("<HH", stream, pos)
        if typ == 0x0085 and size >= 4:  # BOUNDSHEET: offset of the sheet's BOF
            offsets.append(struct.unpack_from("<I", stream, pos + 4)[0])
        if typ == 0x000A:  # EOF
            break
        pos += 4 + size
    for start in offsets:
        pos, seen = start, 0
        while pos + 4 <= len(stream) and seen < 200:  # DIMENSIONS comes among the first records
            typ, size = struct.unpack_from("<HH", stream, pos)
            if typ == 0x0200 and size >= 14:
                r0, r1, c0, c1 = struct.unpack_from("<IIHH", stream, pos + 4)
                if max(r1 - r0, 0) * max(c1 - c0, 0) > MAX_CELLS or r1 > 65536 or c1 > 256:
                    return f"工作表声明的范围为 {r1} 行 × {c1} 列"
                break
            if typ == 0x000A:
                break
            pos += 4 + size
            seen += 1
    return None


def looks_like_text_table(data: bytes) -> bool:
    """Tab- or comma-separated text (UTF-16 with a BOM, UTF-8, GBK), whatever its name says."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    head = data[:65536]
    if b"\x00" in head:
        return False
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(enc)
            break
        except UnicodeDecodeError as exc:
            if exc.start > len(head) - 4:  # a character cut at the end of the sample
                text = head[:exc.start].decode(enc)
                break
    else:
        return False
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines or any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        return False
    return sum(1 for ln in lines if "\t" in ln or "," in ln) >= max(1, len(lines) // 2)


def is_spreadsheet_2003(data: bytes) -> bool:
    head = data[:4096]
    return b"urn:schemas-microsoft-com:office:spreadsheet" in head or b'progid="Excel.Sheet"' in head


def spreadsheet_2003_sheets(data: bytes):
    """The worksheets of an Excel 2003 XML spreadsheet: (name, rows, merged ranges, hidden).

    ``ss:Index`` skips to a column or row, ``ss:MergeAcross``/``ss:MergeDown`` are merges."""
    from xml.etree import ElementTree as ET

    ns = "{urn:schemas-microsoft-com:office:spreadsheet}"
    root = ET.fromstring(data)  # expat refuses entity expansion attacks (Python ≥ 3.7.1 bundles a safe expat)
    out = []
    for ws in root.iter(f"{ns}Worksheet"):
        rows: list[list] = []
        merged = []
        table = ws.find(f"{ns}Table")
        for row in (table.iter(f"{ns}Row") if table is not None else ()):
            r = int(row.get(f"{ns}Index", len(rows) + 1)) - 1
            if r > len(rows) + 100_000 or r > 1_048_575:
                raise ValueError("row index out of range")
            while len(rows) <= r:
                rows.append([])
            cells = rows[r]
            for cell in row.iter(f"{ns}Cell"):
                c = int(cell.get(f"{ns}Index", len(cells) + 1)) - 1
                if c > 16383:
                    raise ValueError("column index out of range")
                while len(cells) < c:
                    cells.append("")
                d = cell.find(f"{ns}Data")
                text = "".join(d.itertext()) if d is not None else ""
                if d is not None and d.get(f"{ns}Type") == "Number":
                    try:
                        text = float(text)
                    except ValueError:
                        pass
                cells.append(text)
                across = min(int(cell.get(f"{ns}MergeAcross", 0)), 256)
                down = min(int(cell.get(f"{ns}MergeDown", 0)), 10_000)
                if across or down:
                    merged.append(((r, c), (r + down, c + across)))
                    cells.extend([""] * across)
        width = max((len(x) for x in rows), default=0)
        for x in rows:
            x.extend([""] * (width - len(x)))
        opts = ws.find(f"{ns}WorksheetOptions")
        hidden = opts is not None and any(e.tag.endswith("Visible") and (e.text or "").startswith("SheetHidden")
                                          for e in opts.iter())
        out.append((ws.get(f"{ns}Name", ""), rows, merged, hidden))
    return out

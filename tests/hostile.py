"""Hostile inputs: every damage a roster file can carry on its way from a village.

:func:`build` writes one file per case into a folder (seeded: the same seed gives
the same files) and returns the cases, each with what a correct merge must do
with it:

- ``merged``: the file is merged and every child in it is read (``children``);
- ``unread``: the file is listed in 未读取文件 with a reason;
- ``either``: merged or listed, never a crash.

Families: ID damage, date forms, encodings, formats (LibreOffice-saved files
included), structure, corruption.  All people are made up (:mod:`xltools.core.synthetic`).

``python tests/hostile.py each FOLDER OUT.json`` merges and validates every file of
a folder one by one in this process and writes what happened (the property tests
and ``scripts/fuzz_inputs.py`` run it in a child process with a memory limit, so a
runaway allocation ends that process, not the test run).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import xlsxwriter

AS_OF = dt.date(2026, 9, 30)
FULL = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


@dataclass
class Case:
    name: str            # file name inside the folder
    family: str          # id / date / encoding / format / structure / corruption
    expect: str          # merged / unread / either
    children: int = -1   # rows that must be read when merged (-1: not pinned)
    alone: bool = True   # merged alone too (the 200-sheet workbook only in the folder: ~80 ms a sheet)


# --- rows ------------------------------------------------------------------------

def people(rng: random.Random, n: int, kind: str = "flow") -> list[dict[str, str]]:
    from xltools.core import synthetic

    return [synthetic.child(rng, kind, "chongqing", AS_OF, structured=False) for _ in range(n)]


def table(rows: list[dict[str, str]], keys=None, kind: str = "flow") -> list[list]:
    from xltools.core.textreport import column_title

    keys = keys or list(rows[0])
    return [[column_title(kind, k) for k in keys]] + [[r.get(k, "") for k in keys] for r in rows]


def id_ending_in_x(rng: random.Random) -> str:
    from xltools.core import idcard

    while True:
        body = f"500112{2012 + rng.randrange(8)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}" \
               f"{rng.randrange(1000):03d}"
        if idcard.calc_check_digit(body) == "X":
            return body + "X"


def write_xlsx(path: Path, sheets, *, hidden=(), numbers=(), formulas=(), blank_rows=0, merges=()) -> Path:
    """sheets: [(name, grid)]; numbers/formulas: {(sheet, r, c)} / {(sheet, r, c): (formula, cached)}."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"created": dt.datetime(2026, 9, 30)})
    fmt = wb.add_format({"bg_color": "#FFFF00", "border": 1})
    for name, grid in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if (name, r, c) in formulas:
                    f, cached = formulas[(name, r, c)]
                    ws.write_formula(r, c, f, None, cached)
                elif v is None or v == "":
                    continue
                elif (name, r, c) in numbers:
                    ws.write_number(r, c, float(v))
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}))
                else:
                    ws.write_string(r, c, str(v))
        for r0, c0, r1, c1, text in merges if name == sheets[-1][0] else ():
            ws.merge_range(r0, c0, r1, c1, text)
        if blank_rows:
            for r in range(len(grid), len(grid) + blank_rows):
                ws.set_row(r, 18, fmt)
                ws.write_blank(r, 0, None, fmt)
        if name in hidden:
            ws.hide()
    wb.close()
    return path


def write_xls(path: Path, grid) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("花名册")
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v not in (None, ""):
                ws.write(r, c, v)
    wb.save(str(path))
    return path


def html_table(grid, *, charset="utf-8", span=None) -> str:
    rows = []
    for r, row in enumerate(grid):
        cells = "".join(f"<td>{v}</td>" for v in row)
        rows.append(f"<tr>{cells}</tr>")
    if span:
        rows.insert(1, f'<tr><td rowspan="{span[0]}" colspan="{span[1]}">x</td></tr>' * span[2])
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>'
            f"<body><table>{''.join(rows)}</table></body></html>")


def spreadsheet_2003(grid) -> str:
    def cell(v):
        kind = "Number" if isinstance(v, (int, float)) else "String"
        text = str(v).replace("&", "&amp;").replace("<", "&lt;")
        return f'<Cell><Data ss:Type="{kind}">{text}</Data></Cell>'

    rows = "".join("<Row>" + "".join(cell(v) for v in row) + "</Row>" for row in grid)
    return ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
            f'<Worksheet ss:Name="花名册"><Table>{rows}</Table></Worksheet></Workbook>')


def rewrite_zip(src: Path, dst: Path, edit, *, level=zipfile.ZIP_DEFLATED) -> Path:
    """Copy a zip, passing each member's bytes through ``edit(name, data)`` (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", level) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def patch_xls_dimensions(data: bytes, rows: int, cols: int) -> bytes:
    """An .xls (BIFF8) whose every DIMENSIONS record claims ``rows`` × ``cols``."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data))
    stream = bytearray(ole.openstream("Workbook").read())
    ole.close()
    pos = 0
    while pos + 4 <= len(stream):
        typ, size = struct.unpack_from("<HH", stream, pos)
        if typ == 0x0200 and size >= 12:
            struct.pack_into("<IIHH", stream, pos + 4, 0, rows, 0, cols)
        pos += 4 + size
    out = bytearray(data)
    old = ole_stream(data)  # xlwt writes the stream contiguously: patch it in place
    at = out.find(old)
    out[at:at + len(old)] = stream
    return bytes(out)


def ole_stream(data: bytes) -> bytes:
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        return ole.openstream("Workbook").read()
    finally:
        ole.close()


# --- LibreOffice ----------------------------------------------------------------------

def lo_convert(sources: list[Path], out_dir: Path, fmt: str) -> list[Path]:
    """Save ``sources`` as ``fmt`` with LibreOffice (one call, a private profile)."""
    from lo import XCU, soffice

    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc")
    with tempfile.TemporaryDirectory() as prof:
        user = Path(prof) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(XCU, encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run([exe, f"-env:UserInstallation=file://{prof}", "--headless", "--norestore",
                        "--convert-to", fmt, "--outdir", str(out_dir), *map(str, sources)],
                       capture_output=True, text=True, timeout=300)
    out = [out_dir / (s.stem + "." + fmt.split(":")[0]) for s in sources]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return out


# --- the cases ----------------------------------------------------------------------

def build(folder, seed: int = 0, *, libreoffice: bool = True, bomb_mb: int = 200, big: bool = True) -> list[Case]:
    """Write every hostile case into ``folder``; see the module docstring."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    cases: list[Case] = []
    n = 4

    def base(k=n, kind="flow"):
        rows = people(rng, k, kind)
        return rows, table(rows, kind=kind)

    def add(name, family, expect, children=-1):
        cases.append(Case(name, family, expect, children))

    # ID damage: each file has n children, one of them with a damaged number
    rows, _ = base()
    keys = list(rows[0])
    idc = keys.index("id_number")
    good = rows[0]["id_number"]
    damages = {
        "lower_x": id_ending_in_x(rng).lower(),
        "fullwidth_digits": good.translate(FULL),
        "fullwidth_x": id_ending_in_x(rng).translate(FULL),
        "inner_spaces": good[:6] + " " + good[6:14] + "\t" + good[14:],
        "zero_width": good[:6] + "\u200b" + good[6:] + "\ufeff",
        "apostrophe": "'" + good,
        "lost_digits": good,  # written as a number: Excel keeps 15 digits
        "digits15": good[:6] + good[8:17],
        "digits17": good[:17],
        "digits19": good + "1",
        "chinese": "暂无（户口未落）",
        "huge_cell": "1" * 40000,
    }
    for what, value in damages.items():
        rows2 = [dict(r) for r in people(rng, n)]
        rows2[1]["id_number"] = value
        grid = table(rows2, keys)
        numbers = {("花名册", 2, idc)} if what == "lost_digits" else ()
        write_xlsx(folder / f"id_{what}.xlsx", [("花名册", grid)], numbers=numbers)
        add(f"id_{what}.xlsx", "id", "merged", n)

    # date forms in the birth-date column
    rows = people(rng, 12)
    bc = keys.index("birth_date")
    grid = table(rows, keys)
    forms = [43893, "2015/3/2", "2015.3.2", "2015年3月2日", "20150302", "2015-3-2 0:00:00",
             dt.datetime(2015, 3, 2, 13, 45), "2015-02-30", "15-3-2", "15/03/02", "2015年3月", "3/2/2015"]
    for i, v in enumerate(forms):
        grid[1 + i][bc] = v
    write_xlsx(folder / "dates.xlsx", [("花名册", grid)])
    add("dates.xlsx", "date", "merged", 12)

    # encodings
    rows, grid = base()
    text = "\r\n".join(",".join(f'"{v}"' if "," in str(v) else str(v) for v in row) for row in grid) + "\r\n"
    tsv = "\r\n".join("\t".join(str(v) for v in row) for row in grid) + "\r\n"
    for name, data in {
        "utf8.csv": text.encode("utf-8"), "utf8_bom.csv": text.encode("utf-8-sig"),
        "gbk.csv": text.encode("gbk", errors="replace"), "gb18030.csv": text.encode("gb18030"),
        "unicode_text.txt": tsv.encode("utf-16"), "unicode_text_named.xls": tsv.encode("utf-16"),
        "tab_separated_named.xls": tsv.encode("gb18030"), "utf16le_nobom.csv": None,
        "html_named.xls": html_table(grid, charset="gbk").encode("gbk", errors="replace"),
        "excel2003.xml": spreadsheet_2003(grid).encode("utf-8"),
        "excel2003_named.xls": spreadsheet_2003(grid).encode("utf-8"),
        "UPPER.CSV": text.encode("utf-8-sig"),
    }.items():
        if data is None:
            continue
        (folder / name).write_bytes(data)
        add(name, "encoding", "merged", n)

    # formats
    rows, grid = base()
    write_xls(folder / "xlwt.xls", grid)
    add("xlwt.xls", "format", "merged", n)
    write_xlsx(folder / "macro.xlsm", [("花名册", grid)])
    add("macro.xlsm", "format", "merged", n)
    write_xlsx(folder / "UPPER.XLSX", [("花名册", grid)])
    add("UPPER.XLSX", "format", "merged", n)
    if libreoffice:
        with tempfile.TemporaryDirectory() as tmp:
            src = write_xlsx(Path(tmp) / "lo_saved.xlsx", [("花名册", grid)])
            src2 = write_xls(Path(tmp) / "lo_from_xls.xls", grid)
            for p in lo_convert([src], Path(tmp) / "ods", "ods") + lo_convert([src], Path(tmp) / "xls", "xls") + \
                    lo_convert([src2], Path(tmp) / "xlsx", "xlsx"):
                shutil.copy(p, folder / p.name)
                add(p.name, "format", "merged", n)
            shutil.copy(folder / "lo_saved.ods", folder / "UPPER_LO.ODS")
            add("UPPER_LO.ODS", "format", "merged", n)

    # structure
    rows, grid = base()
    example = [["填写说明：请按下表格式填写，每名儿童一行。"], grid[0], ["示例"] + ["张三"] + grid[1][2:]]
    write_xlsx(folder / "instructions_first.xlsx", [("填表说明", example), ("花名册", grid)])
    add("instructions_first.xlsx", "structure", "merged", n)
    hid_rows, hid = base(3)
    write_xlsx(folder / "hidden_sheet.xlsx", [("花名册", grid), ("旧表", hid)], hidden={"旧表"})
    add("hidden_sheet.xlsx", "structure", "merged", n)
    rows2, _ = base(3)
    perm = keys[:]
    perm[1], perm[3] = perm[3], perm[1]  # 姓名 and 性别 trade places in the second table
    second = table(rows2, perm)
    write_xlsx(folder / "two_tables.xlsx", [("花名册", grid + [[], []] + second)])
    add("two_tables.xlsx", "structure", "merged", n + 3)
    # siblings sharing a father: the father's cells merged down over both rows
    sib = [dict(r) for r in people(rng, 3)]
    fcols = [i for i, k in enumerate(keys) if k.startswith("father")]
    sgrid = table(sib, keys)
    merges = [(1, c, 2, c, sgrid[1][c]) for c in fcols]
    write_xlsx(folder / "merged_cells.xlsx", [("花名册", sgrid)], merges=merges)
    add("merged_cells.xlsx", "structure", "merged", 3)
    fgrid = [row + [""] for row in grid]
    fgrid[0][-1] = "备注"
    formulas = {("花名册", r, len(keys)): ("=1+1", 2) for r in range(1, n + 1)}
    write_xlsx(folder / "formula_cached.xlsx", [("花名册", fgrid)], formulas=formulas)
    add("formula_cached.xlsx", "structure", "merged", n)
    nfgrid = [row[:] for row in grid]
    name_c = keys.index("name")
    nf = {("花名册", r, name_c): (f'="{grid[r][name_c]}"', "") for r in range(1, n + 1)}
    with tempfile.TemporaryDirectory() as tmp:
        p = write_xlsx(Path(tmp) / "f.xlsx", [("花名册", nfgrid)], formulas=nf)
        rewrite_zip(p, folder / "formula_no_value.xlsx",
                    lambda name, d: re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", d) if name.startswith("xl/worksheets/") else d)
    add("formula_no_value.xlsx", "structure", "either")
    eg = [row[:] for row in grid]
    errs = {("花名册", 1, idc): ("=#REF!", "#REF!"), ("花名册", 2, bc): ("=NA()", "#N/A"),
            ("花名册", 3, idc): ("=1/0", "#DIV/0!")}
    write_xlsx(folder / "error_values.xlsx", [("花名册", eg)], formulas=errs)
    add("error_values.xlsx", "structure", "merged", n)
    write_xlsx(folder / "formatted_empty_rows.xlsx", [("花名册", grid)], blank_rows=10000)
    add("formatted_empty_rows.xlsx", "structure", "merged", n)
    many = [(f"村{i:03d}", table(people(rng, 1), keys)) for i in range(200 if big else 20)]
    write_xlsx(folder / "sheets200.xlsx", many)
    cases.append(Case("sheets200.xlsx", "structure", "merged", len(many), alone=False))
    tg = grid + [["合计", f"{n}人"], ["", "汇总", str(n)], ["小计：", n], ["填表人：李四", "", "审核人：王五"]]
    write_xlsx(folder / "total_rows.xlsx", [("花名册", tg)])
    add("total_rows.xlsx", "structure", "merged", n)
    left = people(rng, 3, "left")
    write_xlsx(folder / "other_kind_left.xlsx", [("花名册", table(left, kind="left"))])
    add("other_kind_left.xlsx", "structure", "either")  # a 留守 table among 流动 ones: merged alone, listed among them
    bare = [["姓名", "性别", "公民身份号码"]] + [[r["name"], r["sex"], r["id_number"]] for r in people(rng, 3)]
    write_xlsx(folder / "a_kind_unknown.xlsx", [("Sheet1", bare)])  # sorts first: its kind cannot be told
    add("a_kind_unknown.xlsx", "structure", "either")
    kg = [[v for v in row] for row in grid]
    kg[1][name_c] = "x" * 40000
    write_xlsx(folder / "long_cell.xlsx", [("花名册", kg)])
    add("long_cell.xlsx", "structure", "merged", n)

    # corruption
    rows, grid = base()
    good_x = write_xlsx(folder / "_good.xlsx", [("花名册", grid)])
    gx = good_x.read_bytes()
    good_x.unlink()
    (folder / "zero_bytes.xlsx").write_bytes(b"")
    (folder / "truncated.xlsx").write_bytes(gx[: len(gx) // 2])
    (folder / "random.xlsx").write_bytes(rng.randbytes(5000))
    (folder / "random.xls").write_bytes(rng.randbytes(5000))
    (folder / "random_named.csv").write_bytes(rng.randbytes(5000))
    for name in ("zero_bytes.xlsx", "truncated.xlsx", "random.xlsx", "random.xls", "random_named.csv"):
        add(name, "corruption", "unread")

    def sheet_edit(fn):
        return lambda name, d: fn(d) if name == "xl/worksheets/sheet1.xml" else d

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "g.xlsx"
        src.write_bytes(gx)
        for name, fn, expect in (
            ("malformed_xml.xlsx", lambda d: d.replace(b"</sheetData>", b"<row><c></sheetData>"), "unread"),
            ("sst_out_of_range.xlsx", lambda d: re.sub(rb'(t="s"[^>]*><v>)\d+', rb"\g<1>99999", d, count=1),
             "either"),
            ("bad_cell_ref.xlsx", lambda d: d.replace(b'r="B2"', b'r="2B"', 1), "either"),
            ("dimension_claim.xlsx", lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"',
                                                      d), "either"),
            ("stray_cell_wide.xlsx", lambda d: d.replace(b'r="A3"', b'r="AAAA70000"', 1), "unread"),  # fuzz seed 5
            ("stray_cell.xlsx", lambda d: d.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n">'
                                                    b"<v>1</v></c></row></sheetData>"), "either"),
        ):
            rewrite_zip(src, folder / name, sheet_edit(fn))
            add(name, "corruption", expect)
        # a zip bomb: a sheet part of bomb_mb MB of spaces, a few hundred kB on disk
        pad = b" " * (1 << 20)

        def bomb(d):
            return d.replace(b"<sheetData>", b"<sheetData>" + pad * bomb_mb)
        rewrite_zip(src, folder / "zip_bomb.xlsx", sheet_edit(bomb))
        add("zip_bomb.xlsx", "corruption", "unread")
    data = write_xls(folder / "_x.xls", grid).read_bytes()
    (folder / "_x.xls").unlink()
    (folder / "xls_dimension_claim.xls").write_bytes(patch_xls_dimensions(data, 0x7FFFFFFF, 0xFFFF))
    add("xls_dimension_claim.xls", "corruption", "unread")
    (folder / "xls_truncated.xls").write_bytes(data[: len(data) * 2 // 3])
    add("xls_truncated.xls", "corruption", "unread")
    (folder / "html_huge_span.xls").write_bytes(html_table(grid, span=(100000, 100000, 50)).encode("utf-8"))
    add("html_huge_span.xls", "corruption", "either")
    (folder / "not_a_roster.docx").write_bytes(_docx())
    add("not_a_roster.docx", "corruption", "unread")
    return cases


def mutants(folder, seed: int, count: int) -> list[Case]:
    """``count`` random damages of the well-formed files of ``folder`` (bytes flipped, cut,
    sheet XML edited, cell references and size claims changed): for the longer search."""
    folder = Path(folder)
    rng = random.Random(seed)
    sources = [p for p in sorted(folder.iterdir()) if p.suffix.lower() in (".xlsx", ".xls", ".ods", ".csv", ".xlsm")
               and 0 < p.stat().st_size < 2_000_000]
    out = []
    for i in range(count):
        src = rng.choice(sources)
        data = bytearray(src.read_bytes())
        how = rng.choice(["flip", "cut", "xml", "refs", "dims"])
        name = f"m{seed}_{i:03d}_{how}{src.suffix}"
        if how in ("xml", "refs", "dims") and data[:2] == b"PK":
            def edit(member, d, how=how):
                if not member.startswith(("xl/worksheets/", "xl/sharedStrings", "content.xml", "xl/workbook")):
                    return d
                if how == "xml" and d:
                    at = rng.randrange(len(d))
                    return d[:at] + rng.choice([b"<", b">", b"</row>", b"&", b'"', b""]) + d[at + rng.randrange(3):]
                if how == "refs":
                    return re.sub(rb'r="([A-Z]+)(\d+)"', lambda m: m.group(0) if rng.random() > 0.05 else
                                  b'r="%s%d"' % (rng.choice([b"A", b"ZZ", b"XFD", b"AAAA", b""]),
                                                 rng.choice([0, 1, 70000, 1048576, 99999999])), d)
                return re.sub(rb'ref="[^"]*"', rng.choice([b'ref="A1:XFD1048576"', b'ref="A0"', b'ref="ZZZZ9"']), d)
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    t = Path(tmp) / ("x" + src.suffix)
                    t.write_bytes(bytes(data))
                    rewrite_zip(t, folder / name, edit)
            except (zipfile.BadZipFile, OSError):
                continue
        else:
            if how == "cut":
                data = data[: rng.randrange(len(data))]
            else:
                for _ in range(rng.randrange(1, 20)):
                    at = rng.randrange(len(data))
                    data[at:at + 8] = rng.randbytes(8)
            (folder / name).write_bytes(bytes(data))
        out.append(Case(name, "mutant", "either"))
    return out


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


# --- running every file ---------------------------------------------------------------

def run_each(folder, out_json, not_alone=()) -> None:
    """Merge and validate each file of ``folder`` alone (only validate those in ``not_alone``);
    write the outcomes as JSON.

    Progress goes to ``out_json + '.at'`` before each file, so a process that dies
    (a native abort, a memory kill) still says which file it was on."""
    import time
    import traceback

    from click.testing import CliRunner

    from xltools.ops import merge
    from xltools.cli.commands import main

    folder = Path(folder)
    results = {}
    at = Path(str(out_json) + ".at")
    for p in sorted(q for q in folder.iterdir() if q.is_file()):
        at.write_text(p.name, encoding="utf-8")
        t0 = time.perf_counter()
        if p.name in not_alone:
            v = CliRunner().invoke(main, ["validate", str(p)])
            results[p.name] = {"validated_only": True, "validate_exit": v.exit_code, "validate_output": v.output,
                               "validate_exception": repr(v.exception) if v.exception and not
                               isinstance(v.exception, SystemExit) else ""}
            continue
        try:
            res = merge.merge([p], workers=0)
            v = CliRunner().invoke(main, ["validate", str(p)])
        except Exception:  # a finding: recorded with its traceback, the other files still run
            results[p.name] = {"crash": traceback.format_exc(limit=-3)}
            continue
        acc = res.files[0]
        results[p.name] = {"status": acc.status, "code": acc.code, "reason": acc.reason,
                           "read": acc.read, "kept": acc.kept, "folded": acc.folded, "rejected": acc.rejected,
                           "balanced": acc.balanced, "other_sheets": acc.other_sheets,
                           "validate_exit": v.exit_code, "validate_output": v.output,
                           "validate_exception": repr(v.exception) if v.exception and not
                           isinstance(v.exception, SystemExit) else "",
                           "seconds": round(time.perf_counter() - t0, 2)}
    Path(out_json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    at.unlink()


if __name__ == "__main__":
    if sys.argv[1] == "each":
        run_each(sys.argv[2], sys.argv[3], sys.argv[4].split("|") if len(sys.argv) > 4 else ())
    elif sys.argv[1] == "build":
        cs = build(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
        print(json.dumps([asdict(c) for c in cs], ensure_ascii=False, indent=1))

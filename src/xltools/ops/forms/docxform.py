"""Write 登记表 as a Word document (.docx): one A4 page per child, the form as a Word table.

The grid is :func:`xltools.ops.forms.layout.layout`'s: the same merged cells as the
workbook, drawn as a table with ``gridSpan``/``vMerge``.  In Word an option box is
a character, so a choice's boxes and options on one line share a cell ("☑是 ☐否"),
and a date is one cell ("2013年1月29日"); the title, the unit/date line, the
signature line and the footer are paragraphs around the table.  The table XML is
built directly (python-docx's cell-merging API is slow for a few thousand cells).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from xltools.workbooks.atomic import atomic_path
from xltools.ops.forms.layout import NCOLS, Cell, Layout, answer

FONT = "宋体"
PAGE_MM = (210, 297)
MARGIN_MM = 15
DXA_PER_MM = 56.7
TEXT_PT = 9
OTHER_BLANK = "____"
ROW_SCALE = 0.7  # Word fits 9-pt text in rows lower than the workbook's 10-pt ones


def docx_cells(lay: Layout, row: dict) -> list[tuple[Cell, str]]:
    """The table's cells with their text for ``row``: a choice's boxes and options on one
    line joined into one cell, a date's parts into one cell."""
    first, last = lay.table_rows
    out: list[tuple[Cell, str]] = []
    for c in lay.cells:
        if not first <= c.row <= last:
            continue
        text = answer(c, row) if c.answer else c.text
        prev = out[-1][0] if out else None
        joins = prev is not None and prev.row == c.row and prev.col + prev.cols == c.col and c.rows == 1 and (
            (c.role in ("tick", "option") and prev.role in ("tick", "option") and c.key in (prev.key, ""))
            or (c.role == "value" and prev.role == "option" and not c.option)   # the 其他____ blank
            or (c.role in ("value", "part") and prev.role in ("value", "part") and (c.option or prev.option)))
        if joins:
            p, ptext = out[-1]
            if c.role == "tick":
                sep = " "
            elif c.role == "value" and not c.option:
                text = text or OTHER_BLANK
                sep = "："
            else:
                sep = ""
            if c.role == "value" and c.option and not text:
                text = "    "
            merged = Cell(p.row, p.col, 1, p.cols + c.cols, "", c.role, p.key, p.option)
            out[-1] = (merged, ptext + sep + text)
            continue
        if c.role == "value" and c.option and not text:
            text = "    "
        out.append((c, text))
    return out


def _run(text: str, bold: bool = False, size: float = TEXT_PT) -> str:
    b = "<w:b/>" if bold else ""
    return (f'<w:r><w:rPr><w:rFonts w:eastAsia="{FONT}"/>{b}<w:sz w:val="{int(size * 2)}"/></w:rPr>'
            f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')


def _tc(span_dxa: int, span: int, text: str, vmerge: str | None, align: str, bold: bool) -> str:
    vm = "" if vmerge is None else ('<w:vMerge w:val="restart"/>' if vmerge == "restart" else "<w:vMerge/>")
    gs = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    body = _run(text, bold) if text and vmerge != "continue" else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{span_dxa}" w:type="dxa"/>{gs}{vm}<w:vAlign w:val="center"/></w:tcPr>'
            f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/><w:jc w:val="{align}"/></w:pPr>{body}</w:p></w:tc>')


def table_xml(lay: Layout, row: dict) -> str:
    first, last = lay.table_rows
    col_dxa = int((PAGE_MM[0] - 2 * MARGIN_MM) * DXA_PER_MM / NCOLS)
    cells = docx_cells(lay, row)
    by_row: dict[int, list] = {r: [] for r in range(first, last + 1)}
    for c, text in cells:
        by_row[c.row].append((c.col, c.cols, text, "restart" if c.rows > 1 else None, c))
        for r in range(c.row + 1, c.row + c.rows):
            by_row[r].append((c.col, c.cols, "", "continue", c))
    rows = []
    for r in range(first, last + 1):
        tcs = []
        for col, span, text, vm, c in sorted(by_row[r], key=lambda e: e[0]):
            align = "center" if c.role in ("group", "label", "part") else "left"
            tcs.append(_tc(col_dxa * span, span, text, vm, align, c.role == "group"))
        h = int(lay.heights[r] * 20 * ROW_SCALE)
        rows.append(f'<w:tr><w:trPr><w:trHeight w:val="{h}" w:hRule="atLeast"/><w:cantSplit/></w:trPr>'
                    + "".join(tcs) + "</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{col_dxa}"/>' for _ in range(NCOLS))
    borders = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                      for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{col_dxa * NCOLS}" w:type="dxa"/>'
            f'<w:jc w:val="center"/><w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:left w:w="28" w:type="dxa"/><w:right w:w="28" w:type="dxa"/></w:tblCellMar>'
            f'</w:tblPr><w:tblGrid>{grid}</w:tblGrid>' + "".join(rows) + "</w:tbl>")


def _paragraph(doc, text: str, *, size: float = TEXT_PT, bold: bool = False, center: bool = False,
               page_break: bool = False) -> None:
    jc = '<w:jc w:val="center"/>' if center else ""
    pb = "<w:pageBreakBefore/>" if page_break else ""
    doc.element.body.append(parse_xml(
        f'<w:p {nsdecls("w")}><w:pPr>{pb}<w:spacing w:before="0" w:after="60"/>{jc}</w:pPr>'
        f'{_run(text, bold, size)}</w:p>'))


def _line_text(lay: Layout, row: int, values: dict, footer: str) -> str:
    """A row outside the table (附件1, title, unit/date line, signatures) as one line of text."""
    parts = []
    for c in lay.cells:
        if c.row != row:
            continue
        if c.role == "footer":
            parts.append(footer)
        elif c.answer:
            parts.append((answer(c, values) or "　" * 6) + "　　")
        elif c.role == "fill":
            parts.append("＿" * (c.cols // 2) + "　　")
        else:
            parts.append(c.text)
    return "".join(parts).rstrip()


def write_document(path, lay: Layout, children: list[tuple[str, dict, str]]) -> Path:
    """Write ``children`` — (name, roster row, footer text) — as one .docx at ``path``."""
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    sec.left_margin = sec.right_margin = Mm(MARGIN_MM)
    sec.top_margin = sec.bottom_margin = Mm(12)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(TEXT_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    sect = body.find(qn("w:sectPr"))
    first, last = lay.table_rows
    for i, (_, row, footer) in enumerate(children):
        for r in range(first):
            title = any(c.role == "title" and c.row == r for c in lay.cells)
            _paragraph(doc, _line_text(lay, r, row, footer), size=16 if title else TEXT_PT, bold=title,
                       center=title, page_break=(i > 0 and r == 0))
        body.append(parse_xml(table_xml(lay, row)))
        for r in range(last + 1, lay.nrows):
            text = _line_text(lay, r, row, footer)
            if text:
                _paragraph(doc, text)
    if sect is not None:  # the section properties must stay the body's last child
        body.remove(sect)
        body.append(sect)
    path = Path(path)
    with atomic_path(path, ".docx") as tmp:
        doc.save(str(tmp))
    return path

"""Print 登记表 from a roster: one file per village (or per child), each child's form
filled with last quarter's answers, 年龄/类别 at the 统计日期 in the footer; or blank forms.

Input is our 花名册 (``xltools merge``'s output, with 镇街/村社区) or any roster the
readers know (the village is then taken from its 填报单位 or file name).  Formats:
``xlsx`` (one sheet per child), ``docx`` (one page per child), ``pdf`` (the .docx
rendered by LibreOffice, where it is installed — else :class:`FormsError` says so).
Masking (``mask``) hides ID numbers and phones by :mod:`xltools.workbooks.privacy`'s rule.
"""

from __future__ import annotations

import datetime as _dt
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xltools.workbooks import privacy, readers, rosterread
from xltools.workbooks.atomic import atomic_path
from xltools.core.profiles import load as load_profile
from xltools.core.schema import FORM_TITLES, KIND_LABELS, parse_kind
from xltools.core.validate import validate_frame
from xltools.ops.forms.docxform import write_document
from xltools.ops.forms.layout import layout
from xltools.ops.forms.xlsxform import sheet_names, write_workbook

FORMATS = ("xlsx", "docx", "pdf")
BY = ("village", "child")
_BAD_FILE_CHARS = re.compile(r'[\\/:*?"<>|\s]+')


class FormsError(Exception):
    """A run that cannot go on; the message (Chinese) says what to do."""


@dataclass
class FormsResult:
    kind: str
    profile: str
    as_of: _dt.date | None
    files: list[Path] = field(default_factory=list)
    children: int = 0


def footer_text(as_of: _dt.date | None, age, category: str) -> str:
    """The footer of a prefilled form: the status the roster gives the child at the 统计日期."""
    if as_of is None:
        return ""
    age_text = f"{int(age)}周岁" if age is not None and age == age and int(age) >= 0 else "年龄不详"
    return f"统计日期 {as_of.isoformat()}：{age_text}；类别：{category or '待核实'}（以上由花名册计算，仅供核对）"


def _file_name(text: str) -> str:
    return _BAD_FILE_CHARS.sub("_", text).strip("_.") or "登记表"


def load_roster(path, *, kind=None, profile=None, password=None):
    """(kind, profile name, frame with 镇街/村社区, 统计日期 recorded or None) of a roster file."""
    try:
        book = rosterread.read(path, password=password, profile=profile)
        return book.kind, book.profile, book.roster.copy(), book.as_of
    except rosterread.RosterError:
        pass
    prof = load_profile(profile)
    r = readers.read_roster(path, kind=parse_kind(kind) if kind else None, profile=prof, password=password)
    chosen = (parse_kind(kind) if kind else None) or r.kind
    if not chosen:
        raise FormsError(f"{path}：无法判断是流动儿童还是留守儿童花名册；请用 --kind 流动 或 --kind 留守 指定。")
    frame = r.frame.reset_index(drop=True).copy()
    frame["town"], frame["village"] = "", r.unit or Path(path).stem  # a village's own roster
    return chosen, prof.name, frame, readers.recorded_as_of(r.meta)


def statuses(frame: pd.DataFrame, kind: str, profile: str, as_of: _dt.date) -> tuple[list, list]:
    """年龄 and 类别 of every row at ``as_of``: the rule engine, as validate and merge run it, one
    village at a time (its place stands in for a 现居住地 written as one text, as in merge)."""
    prof = load_profile(profile)
    form = prof.form(kind)
    ages: list = [None] * len(frame)
    cats: list = [""] * len(frame)
    places = (frame.get("town", pd.Series("", index=frame.index)).astype(object).fillna("").astype(str)
              + frame.get("village", pd.Series("", index=frame.index)).astype(object).fillna("").astype(str))
    for place, idx in places.groupby(places).groups.items():
        part = frame.loc[idx]
        text = pd.DataFrame({c: ["" if v is None or v != v else str(v) for v in part[c].tolist()]
                             for c in part.columns if c in form.column_keys}, index=part.index, dtype=object)
        st = validate_frame(text, kind, prof, as_of, unit=place).statuses
        for pos, i in enumerate(idx):
            at = frame.index.get_loc(i)
            ages[at] = None if st.age[pos] < 0 else int(st.age[pos])
            cats[at] = st.category[pos]
    return ages, cats


def _recorded(frame: pd.DataFrame, recorded, as_of) -> bool:
    """The 花名册 already holds 年龄/类别 at the wanted date (as merge computed them)."""
    return recorded is not None and (as_of is None or as_of == recorded) and {"age", "category"} <= set(frame.columns)


def prefill(path, out_dir, *, fmt: str = "xlsx", by: str = "village", mask: bool = False,
            as_of: _dt.date | None = None, kind: str | None = None, profile: str | None = None,
            password: str | None = None) -> FormsResult:
    """Write the forms of every child of the roster at ``path`` into ``out_dir``."""
    if fmt not in FORMATS or by not in BY:
        raise ValueError(f"fmt {fmt!r} / by {by!r}")
    kind_, prof, frame, recorded = load_roster(path, kind=kind, profile=profile, password=password)
    when = as_of or recorded or _dt.date.today()
    if _recorded(frame, recorded, as_of):
        ages, cats = list(frame["age"]), list(frame["category"])
    else:
        ages, cats = statuses(frame.reset_index(drop=True), kind_, prof, when)
    frame = frame.reset_index(drop=True)
    frame = frame.assign(_age=ages, _category=cats)
    if mask:
        frame = privacy.mask_frame(frame, kind_)
    lay = layout(kind_, prof)
    groups: dict[str, list] = {}
    for i, row in enumerate(frame.to_dict("records")):
        row = {k: ("" if v is None or (isinstance(v, float) and v != v) else v) for k, v in row.items()}
        place = f"{row.get('town', '')}{row.get('village', '')}"
        row.setdefault("unit", place)
        row["unit"] = row.get("unit") or place
        row["report_date"] = ""  # this quarter's visit writes its own date
        footer = footer_text(when, row.get("_age"), row.get("_category", ""))
        if by == "village":
            name = place or "未注明村社区"
        else:
            tail = str(row.get("id_number", ""))[-4:]
            name = f"{place}_{row.get('name', '') or f'第{i + 1}人'}{('_' + tail) if tail else ''}"
        groups.setdefault(_file_name(name), []).append((row.get("name", ""), row, footer))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    privacy.refuse_input(out, [path])
    suffix = f"_{KIND_LABELS[kind_]}儿童登记表"
    files = []
    for name, children in groups.items():
        names = sheet_names([c[0] for c in children])
        children = [(n, row, footer) for n, (_, row, footer) in zip(names, children)]
        files.append(write(out / f"{name}{suffix}.{fmt}", lay, children, fmt))
    return FormsResult(kind_, prof, when, files, len(frame))


def blank(out, *, kind: str, profile: str | None = None, fmt: str = "xlsx") -> Path:
    """One blank form (protected answer cells in .xlsx) at ``out``."""
    k = parse_kind(kind)
    prof = load_profile(profile).name
    return write(Path(out), layout(k, prof), [(FORM_TITLES[k][:20], {}, "")], fmt)


def write(path: Path, lay, children, fmt: str) -> Path:
    if fmt == "xlsx":
        return write_workbook(path, lay, children)
    if fmt == "docx":
        return write_document(path, lay, children)
    with tempfile.TemporaryDirectory() as tmp:
        src = write_document(Path(tmp) / (path.stem + ".docx"), lay, children)
        pdf = to_pdf(src, Path(tmp))
        with atomic_path(path, ".pdf") as dst:
            shutil.copyfile(pdf, dst)
    return path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(src: Path, out_dir: Path) -> Path:
    """``src`` (.docx or .xlsx) rendered to PDF by LibreOffice headless, with a profile of its own
    (parallel runs sharing one lose conversions silently: FACTS.md)."""
    exe = soffice()
    if exe is None:
        raise FormsError("没有找到 LibreOffice（soffice），无法生成 PDF；请安装 LibreOffice"
                         "（Debian/Ubuntu：apt-get install libreoffice-writer），或改用 --format docx / xlsx。")
    with tempfile.TemporaryDirectory() as prof:
        res = subprocess.run([exe, f"-env:UserInstallation=file://{prof}", "--headless", "--norestore",
                              "--convert-to", "pdf", "--outdir", str(out_dir), str(src)],
                             capture_output=True, text=True, timeout=600)
    pdf = out_dir / (src.stem + ".pdf")
    if res.returncode != 0 or not pdf.exists():
        raise FormsError(f"LibreOffice 未能把 {src.name} 转为 PDF（{(res.stderr or res.stdout).strip()[:200]}）；"
                         "请改用 --format docx 后用 Word 或 WPS 打印。")
    return pdf

"""Option types of the command line: what people type for dates, profiles, kinds and outputs.

Each type converts what a user typed into what the library takes, or refuses it
with a Chinese sentence that says what to write instead — never a guess.  The
knowledge lives below: dates in :mod:`xltools.core.dates`, profile names in the
profile files, kind names in :data:`xltools.core.schema.KIND_NAMES`.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import click

from xltools.core import profiles
from xltools.core.dates import DateError, parse_date
from xltools.core.schema import parse_kind

# Suffixes of files we (or the user) would write: a folder option given one of these is a mistake.
FILE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".xlam", ".csv", ".ods", ".et", ".json", ".txt",
                           ".pdf", ".docx", ".doc", ".zip"})


class DateType(click.ParamType):
    """A date as people type it: 2026-09-30, 2026/9/30, 2026-9-30, 2026.9.30, 2026年9月30日, 20260930."""

    name = "日期"

    def convert(self, value, param, ctx):
        if isinstance(value, _dt.date):
            return value
        text = str(value).strip()
        try:
            # A bare number other than 20260930 would be read as an Excel serial: not what anyone types.
            if re.fullmatch(r"\d+", text) and len(text) != 8:
                raise DateError(text)
            day = parse_date(text)
        except DateError:
            day = None
        if day is None:
            self.fail(f"“{value}”不是日期，请写成 2026-09-30、2026/9/30、2026年9月30日 或 20260930。", param, ctx)
        return day


class ProfileType(click.ParamType):
    """A locality profile by its file name, label or one of its aliases (any case): 重庆, Chongqing, 全国."""

    name = "口径"

    def convert(self, value, param, ctx):
        try:
            return profiles.resolve(value)
        except profiles.UnknownProfile as exc:
            self.fail(str(exc), param, ctx)


class KindType(click.ParamType):
    """流动 / 留守 and their other names; anything else is refused with the list of names."""

    name = "类别"

    def convert(self, value, param, ctx):
        try:
            return parse_kind(value, strict=True)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class OutputFile(click.Path):
    """A file we write, whose name must end with ``suffix`` (a workbook named .csv is refused)."""

    def __init__(self, suffix: str, what: str):
        super().__init__(dir_okay=False)
        self.suffix, self.what = suffix, what

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        if Path(path).suffix.lower() != self.suffix:
            right = Path(path).with_suffix(self.suffix).name if Path(path).name else f"结果{self.suffix}"
            self.fail(f"“{value}”：这里写出的是{self.what}，文件名要以 {self.suffix} 结尾，例如“{right}”。",
                      param, ctx)
        return path


class OutputFolder(click.Path):
    """A folder we write several files into; a name like ``x.xlsx`` is refused."""

    def __init__(self):
        super().__init__(file_okay=False)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        if Path(path).suffix.lower() in FILE_SUFFIXES and not Path(path).is_dir():
            self.fail(f"“{value}”：这里要写一个文件夹（会在其中生成多个文件），例如“{Path(path).stem}”。", param, ctx)
        return path


def template_output(output: str, count: int) -> tuple[Path, bool]:
    """Where ``template`` writes ``count`` templates: (path, True) for one .xlsx file, (folder, False)
    for a folder.  A name that does not fit (``x.csv``; ``one.xlsx`` for several) is refused."""
    out = Path(output)
    suffix = out.suffix.lower()
    hint = "'-o' / '--output'"
    if count == 1 and suffix == ".xlsx":
        return out, True
    if suffix in FILE_SUFFIXES and not out.is_dir():
        if count == 1:
            raise click.BadParameter(f"“{output}”：模板是 Excel 工作簿，文件名要以 .xlsx 结尾，"
                                     f"例如“{out.with_suffix('.xlsx').name}”；或写一个文件夹。", param_hint=hint)
        raise click.BadParameter(f"“{output}”：要生成 {count} 个模板（每个单位一个），-o 要写一个文件夹，"
                                 f"例如“-o {out.stem}”。", param_hint=hint)
    return out, False


DATE = DateType()
PROFILE = ProfileType()
KIND = KindType()
WORKBOOK = OutputFile(".xlsx", " Excel 工作簿")

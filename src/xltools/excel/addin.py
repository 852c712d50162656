"""The Excel add-in ``xltools.xlam``: built from ``macros/`` on any machine, installed on Windows.

Build: xlwings' ribbon add-in template (``quickstart_addin_ribbon.xlam``, shipped in
the xlwings package) gets our VBA modules (``macros/*.bas``, plus xlwings' own
``xlwings_custom_addin.bas`` of the installed version, its ``PROJECT_NAME`` set to
``xltools``), our ribbon (``macros/customUI.xml``) and an active configuration
sheet ``xltools.conf`` naming the UDF module.  The VBA is stored as source, so no
Excel is needed: Excel compiles it when it loads the add-in.

Install (Windows): the add-in goes to the user's XLSTART folder, which Excel opens
at start; the machine-specific settings (interpreter, PYTHONPATH) go to the user
config file that xlwings' VBA reads for a custom add-in named ``xltools``:
``%USERPROFILE%\\.xltools\\xltools.conf``.  xlwings' lookup order is the active
workbook's ``xltools.conf`` sheet, the add-in's sheet, ``xltools.conf`` beside the
active workbook, the user file; so the add-in's sheet holds only what never
varies between machines.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import xltools

from xltools.workbooks import atomic
from xltools.excel import ovba, vbaproject
from xltools.excel.vbaproject import Module

ADDIN_NAME = "xltools.xlam"
PROJECT_NAME = "xltools"  # xlwings' PROJECT_NAME: names the config sheet and the user config file
UDF_MODULES = "xltools.excel.udfs"
SOURCE_ROOT = Path(xltools.__file__).resolve().parents[1]  # the folder holding the package: the PYTHONPATH
MACROS_DIR = SOURCE_ROOT.parent / "macros"
TEMPLATE = "quickstart_addin_ribbon.xlam"
XLWINGS_BAS = "xlwings_custom_addin.bas"
_TEMPLATE_SHEET = "_myaddin.conf"
_TEMPLATE_RIBBON_MODULE = "RibbonMyAddin"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so two builds are byte-identical
_TEMPLATE_KEPT = {"Dictionary"}  # xlwings' stand-in for Scripting.Dictionary on macOS


class AddinError(Exception):
    """Building or installing the add-in failed; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class BuildResult:
    path: Path
    modules: tuple[str, ...]


@dataclass(frozen=True)
class InstallResult:
    addin: Path
    config: Path
    settings: dict[str, str]


# ---------------------------------------------------------------- build


def xlwings_dir() -> Path:
    try:
        import xlwings
    except ImportError:
        raise AddinError('生成加载项需要 xlwings：请先执行 pip install "xltools[addin]"。') from None
    return Path(xlwings.__file__).parent


def macro_modules(macros_dir: Path | None = None) -> list[Module]:
    """Our VBA modules: each ``macros/*.bas`` file, named by its ``Attribute VB_Name`` line."""
    macros_dir = Path(macros_dir or MACROS_DIR)
    files = sorted(macros_dir.glob("*.bas"))
    if not files:
        raise AddinError(f"在 {macros_dir} 中找不到 VBA 模块（*.bas）：请在 xltools 的源代码目录中执行本命令。")
    out = []
    for f in files:
        try:
            text = f.read_text(encoding="ascii")
        except UnicodeDecodeError as e:
            line = f.read_bytes()[:e.start].count(b"\n") + 1
            raise AddinError(f"{f} 第 {line} 行有非 ASCII 字符："
                             "VBA 工程按代码页 1252 保存，中文提示请写在 Python 或 customUI.xml 中。") from None
        m = re.match(r'Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"\r?\n', text)
        if not m or m.group(1) != f.stem:
            raise AddinError(f'{f} 第一行应为 Attribute VB_Name = "{f.stem}"（模块名与文件名一致）。')
        out.append(Module(f.stem, vbaproject.PROCEDURAL, text))
    return out


def xlwings_module(xw_dir: Path) -> Module:
    """xlwings' custom add-in module of the installed version, with our PROJECT_NAME.

    Taken from the installed package at build time rather than copied into git: its
    version must match the installed xlwings (it loads ``xlwings64-<version>.dll``)."""
    text = (xw_dir / XLWINGS_BAS).read_text(encoding="cp1252")
    pattern = r'^(Public Const PROJECT_NAME As String = )"myaddin"'
    text, n = re.subn(pattern, rf'\1"{PROJECT_NAME}"', text, flags=re.M)
    if n != 1:
        raise AddinError(f"{xw_dir / XLWINGS_BAS} 中找不到 PROJECT_NAME 常量：这个 xlwings 版本与本工具不兼容。")
    return Module("xlwings", vbaproject.PROCEDURAL, text)


def _config_sheet_xml() -> tuple[bytes, bytes]:
    """The add-in's ``xltools.conf`` sheet (codename Sheet2, as in the template) and its strings."""
    rows = [("UDF Modules", UDF_MODULES)]
    strings = [s for row in rows for s in row]
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           f'count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" s="1" t="s"><v>{2 * (r - 1)}</v></c>'
        f'<c r="B{r}" s="1" t="s"><v>{2 * (r - 1) + 1}</v></c></row>' for r in range(1, len(rows) + 1))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             f'<sheetPr codeName="Sheet2"/><dimension ref="A1:B{len(rows)}"/>'
             '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
             '<sheetFormatPr defaultRowHeight="15.75"/>'
             '<cols><col min="1" max="1" width="16" customWidth="1"/><col min="2" max="2" width="16" customWidth="1"/></cols>'
             f"<sheetData>{cells}</sheetData>"
             '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
             "</worksheet>")
    return sheet.encode("utf-8"), sst.encode("utf-8")


def _workbook_xml(xml: str) -> str:
    if xml.count(f'name="{_TEMPLATE_SHEET}"') != 1:
        raise AddinError(f"xlwings 的模板中找不到配置表 {_TEMPLATE_SHEET}：这个 xlwings 版本与本工具不兼容。")
    xml = xml.replace(f'name="{_TEMPLATE_SHEET}"', f'name="{PROJECT_NAME}.conf"')
    # The template remembers the folder it was saved in on its author's machine.
    return re.sub(r"<mc:AlternateContent\b.*?</mc:AlternateContent>", "", xml, flags=re.S)


_CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>xltools 民政摸排加载项</dc:title><dc:creator>xltools</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>")


def build_bytes(macros_dir: Path | None = None, xw_dir: Path | None = None) -> bytes:
    """The add-in as bytes (deterministic: the same inputs give the same bytes)."""
    macros_dir = Path(macros_dir or MACROS_DIR)
    xw_dir = xw_dir or xlwings_dir()
    template_path = xw_dir / TEMPLATE
    if not template_path.exists():
        raise AddinError(f"找不到 xlwings 的加载项模板 {template_path}：请重新安装 xlwings。")
    with zipfile.ZipFile(template_path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    try:
        template_modules = vbaproject.read(parts["xl/vbaProject.bin"])
    except (vbaproject.ProjectError, ovba.CorruptContainer, OSError) as e:
        raise AddinError(f"xlwings 的加载项模板 {template_path} 无法读取（{e}）：请重新安装 xlwings。") from None
    ours = macro_modules(macros_dir)
    customui_path = macros_dir / "customUI.xml"
    if not customui_path.exists():
        raise AddinError(f"找不到功能区定义 {customui_path}：请在 xltools 的源代码目录中执行本命令。")
    customui = customui_path.read_bytes()
    if _TEMPLATE_RIBBON_MODULE not in template_modules:  # the module ours replace
        raise AddinError(f"xlwings 的模板中找不到模块 {_TEMPLATE_RIBBON_MODULE}：这个 xlwings 版本与本工具不兼容。")
    kept = [m for m in template_modules.values() if m.kind == vbaproject.DOCUMENT or m.name in _TEMPLATE_KEPT]
    modules = kept + [xlwings_module(xw_dir)] + ours
    try:
        vba = vbaproject.build(parts["xl/vbaProject.bin"], PROJECT_NAME, modules)
    except vbaproject.ProjectError as e:
        raise AddinError(f"无法生成 VBA 工程：{e}") from None
    sheet, sst = _config_sheet_xml()
    parts.update({
        "xl/vbaProject.bin": vba,
        "customUI/customUI.xml": customui,
        "xl/workbook.xml": _workbook_xml(parts["xl/workbook.xml"].decode("utf-8")).encode("utf-8"),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst,
        "docProps/core.xml": _CORE_XML.encode("utf-8"),
    })
    order = ["[Content_Types].xml", "_rels/.rels"] + sorted(set(parts) - {"[Content_Types].xml", "_rels/.rels"})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in order:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, parts[name])
    return buf.getvalue()


def build(output: Path | str = ADDIN_NAME, macros_dir: Path | None = None) -> BuildResult:
    """Write the add-in to ``output`` (atomically)."""
    data = build_bytes(macros_dir)
    output = Path(output)
    try:
        atomic.write_bytes(output, data)
    except PermissionError:
        raise AddinError(f"无法写入 {output}：文件可能正在被 Excel 使用，请关闭 Excel 后重试。") from None
    modules = tuple(vbaproject.read(_vba_bin(data)))
    return BuildResult(output, modules)


def _vba_bin(xlam: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlam)) as z:
        return z.read("xl/vbaProject.bin")


# ---------------------------------------------------------------- install


def excel_installed(platform: str = sys.platform) -> bool:
    """Whether Excel for Windows is registered on this machine (the COM class Excel.Application)."""
    if not platform.startswith("win"):
        return False
    import winreg  # Windows only

    try:
        winreg.CloseKey(winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"Excel.Application\CLSID"))
    except OSError:
        return False
    return True


def xlstart_dir(environ=os.environ) -> Path:
    """The user's XLSTART folder (what Excel's ``Application.StartupPath`` returns)."""
    if not environ.get("APPDATA"):
        raise AddinError("找不到环境变量 APPDATA，无法确定 Excel 的启动文件夹（XLSTART）。")
    return Path(environ["APPDATA"]) / "Microsoft" / "Excel" / "XLSTART"


def user_config_path(environ=os.environ) -> Path:
    """Where xlwings' VBA looks for a custom add-in's user config on Windows
    (``GetConfigFilePath``: ``%USERPROFILE%\\.<PROJECT_NAME>\\<PROJECT_NAME>.conf``)."""
    if not environ.get("USERPROFILE"):
        raise AddinError("找不到环境变量 USERPROFILE，无法确定加载项配置文件的位置。")
    return Path(environ["USERPROFILE"]) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def machine_settings(interpreter: str = sys.executable) -> dict[str, str]:
    """The settings that vary between machines: this Python, and where the package is."""
    return {"INTERPRETER_WIN": interpreter, "PYTHONPATH": str(SOURCE_ROOT)}


def merge_config(existing: str, settings: dict[str, str]) -> str:
    """The user config file with ``settings`` set and other keys kept.

    The format is what VBA's ``Write #`` writes and ``Input #`` reads: one
    ``"KEY","value"`` line per setting, CRLF; keys compare case-insensitively."""
    rows = [r for r in csv.reader(io.StringIO(existing)) if len(r) >= 2]
    wanted = {k.upper(): (k, v) for k, v in settings.items()}
    out = [(k, v) for k, v, *_ in rows if k.upper() not in wanted] + list(wanted.values())
    for k, v in out:
        if '"' in k or '"' in v:
            raise AddinError(f"配置项 {k} 的值含有双引号，VBA 无法读取：{v}")
    return "".join(f'"{k}","{v}"\r\n' for k, v in out)


def install(environ=os.environ, interpreter: str = sys.executable,
            encoding: str | None = None) -> InstallResult:
    """Build the add-in into XLSTART and write the user config.

    ``encoding`` of the config file defaults to the Windows ANSI code page ("mbcs"),
    which is what VBA's ``Input #`` reads (GBK on Chinese Windows)."""
    if encoding is None:
        encoding = "mbcs" if sys.platform.startswith("win") else "utf-8"
    target_dir = xlstart_dir(environ)
    config = user_config_path(environ)
    settings = machine_settings(interpreter)
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        addin = build(target_dir / ADDIN_NAME).path
        config.parent.mkdir(parents=True, exist_ok=True)
        existing = config.read_text(encoding=encoding, errors="replace") if config.exists() else ""
        try:
            data = merge_config(existing, settings).encode(encoding)
        except UnicodeEncodeError:
            raise AddinError(f"路径含有系统编码无法表示的字符，VBA 读不到：{settings}；"
                             "请把 Python 装在只含中英文字母、数字的路径下。") from None
        atomic.write_bytes(config, data)
    except OSError as e:  # a folder or file we may not write: say which, not a traceback
        raise AddinError(f"无法写入 {e.filename or target_dir}（{e.strerror or e}）："
                         "请检查该文件夹的权限，或关闭正在使用它的程序后重试。") from None
    return InstallResult(addin, config, settings)

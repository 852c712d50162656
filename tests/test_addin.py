"""The Excel add-in xltools.xlam: MS-OVBA compression, the compound file, the VBA project,
the ribbon XML and its callbacks, the build (checked with oletools and LibreOffice) and install.

No Excel here: what Excel itself does with the add-in is the README's checklist.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import inspect
import io
import random
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import olefile
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import xltools
from xltools.excel import addin, cfb, ovba, vbaproject

with warnings.catch_warnings():  # oletools 0.60 uses pyparsing names deprecated since pyparsing 3
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser, decompress_stream
from xltools.cli.commands import main

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lo  # noqa: E402

MACROS = addin.MACROS_DIR
CUSTOMUI = MACROS / "customUI.xml"
NS = "http://schemas.microsoft.com/office/2006/01/customui"
XLWINGS = addin.xlwings_dir()
TEMPLATE_VBA = zipfile.ZipFile(XLWINGS / addin.TEMPLATE).read("xl/vbaProject.bin")


def oletools_decompress(container: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(container)))


def olevba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {vba_name.rsplit(".", 1)[0]: code for _, _, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


# ---------------------------------------------------------------- MS-OVBA compression


def test_ovba_docstring_example_passes():
    result = doctest.testmod(ovba, report=True)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name", ["xlwings_custom_addin.bas", "xlwings.bas"])
def test_real_vba_source_compresses_to_what_oletools_decompresses_back(name):
    source = (XLWINGS / name).read_bytes()
    packed = ovba.compress(source)
    assert oletools_decompress(packed) == source
    assert len(packed) < len(source) / 2  # it really compresses text


def test_our_reader_agrees_with_oletools_on_a_project_written_by_excel():
    ole = olefile.OleFileIO(io.BytesIO(TEMPLATE_VBA))
    raw = ole.openstream("VBA/dir").read()
    assert ovba.decompress(raw) == oletools_decompress(raw)
    ours = {name: m.source for name, m in vbaproject.read(TEMPLATE_VBA).items()}
    assert ours == olevba_modules(XLWINGS / addin.TEMPLATE)


def _expected_after_roundtrip(data: bytes) -> bytes:
    """What a spec-conforming decompressor returns: the data, unless the last chunk could
    not be compressed and is shorter than 4096 bytes, which the spec pads with zeros."""
    tail = len(data) % ovba.CHUNK
    last = data[-tail:] if tail else b""
    if tail and len(ovba._compress_chunk(last)) == ovba.CHUNK + 2:
        return data + b"\0" * (ovba.CHUNK - tail)
    return data


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    st.binary(max_size=9000),
    st.lists(st.sampled_from([b"Sub ", b"End Sub\r\n", b"RunPython ", b"a", b"\0", b"\xff" * 7]),
             max_size=2500).map(b"".join),
))
def test_compression_roundtrips_through_oletools_and_our_decompressor(data):
    packed = ovba.compress(data)
    expected = _expected_after_roundtrip(data)
    assert oletools_decompress(packed) == expected
    assert ovba.decompress(packed) == expected


@pytest.mark.parametrize("size", [1, 2, 3, 4, 17, 4095, 4096, 4097, 8192, 12289])
def test_runs_of_one_byte_roundtrip_at_chunk_boundaries(size):
    data = b"\x41" * size
    assert oletools_decompress(ovba.compress(data)) == data


def test_incompressible_full_chunk_is_stored_raw():
    data = random.Random(5).randbytes(4096)
    packed = ovba.compress(data)
    assert len(packed) == 1 + 2 + 4096
    assert packed[1:3] == b"\xff\x3f"  # raw chunk: flag 0, signature 0b011, size field 0xFFF
    assert oletools_decompress(packed) == data


def test_incompressible_short_last_chunk_is_zero_padded_as_the_spec_says():
    data = random.Random(6).randbytes(4000)
    assert oletools_decompress(ovba.compress(data)) == data + b"\0" * 96


@pytest.mark.parametrize("bad", [b"", b"\x02\x00\xb0", b"\x01\x00\x00", b"\x01\x01\xb0\x01\x00\x00"])
def test_decompress_rejects_what_is_not_a_container(bad):
    with pytest.raises(ovba.CorruptContainer):
        ovba.decompress(bad)


# ---------------------------------------------------------------- compound file


def _sibling_names_in_order(ole, sid):
    if sid == cfb._NOSTREAM:
        return []
    e = ole.direntries[sid]
    return _sibling_names_in_order(ole, e.sid_left) + [e.name] + _sibling_names_in_order(ole, e.sid_right)


def _black_height(ole, sid):
    if sid == cfb._NOSTREAM:
        return 1
    e = ole.direntries[sid]
    for child in (e.sid_left, e.sid_right):
        if e.color == cfb._RED and child != cfb._NOSTREAM:
            assert ole.direntries[child].color == cfb._BLACK, f"red {e.name} has a red child"
    left, right = _black_height(ole, e.sid_left), _black_height(ole, e.sid_right)
    assert left == right, f"black heights differ under {e.name}"
    return left + (e.color == cfb._BLACK)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13, 40])
def test_compound_file_siblings_form_a_sorted_red_black_tree(count):
    rng = random.Random(count)
    names = ["".join(rng.choice("abcXYZ_") for _ in range(rng.randint(1, 12))) + str(i) for i in range(count)]
    ole = olefile.OleFileIO(io.BytesIO(cfb.build({f"S/{n}": n.encode() for n in names})))
    storage = next(e for e in ole.direntries if e is not None and e.name == "S")
    assert _sibling_names_in_order(ole, storage.sid_child) == sorted(names, key=cfb._sort_key)
    _black_height(ole, storage.sid_child)


def test_compound_file_streams_read_back_on_both_sides_of_the_mini_stream_cutoff():
    sizes = [0, 1, 63, 64, 65, 4095, 4096, 4097, 70000]
    streams = {f"D{i}/s{size}": random.Random(size).randbytes(size) for i, size in enumerate(sizes)}
    streams["top"] = b"root level"
    ole = olefile.OleFileIO(io.BytesIO(cfb.build(streams)))
    for path, data in streams.items():
        assert ole.openstream(path).read() == data


# ---------------------------------------------------------------- VBA project


def test_rebuilt_project_holds_exactly_the_given_modules_as_source():
    template = vbaproject.read(TEMPLATE_VBA)
    mods = [template["ThisWorkbook"], template["Sheet2"],
            vbaproject.Module("Tools", vbaproject.PROCEDURAL, 'Attribute VB_Name = "Tools"\r\nSub A()\r\nEnd Sub\r\n')]
    rebuilt = vbaproject.read(vbaproject.build(TEMPLATE_VBA, "demo", mods))
    assert list(rebuilt) == ["ThisWorkbook", "Sheet2", "Tools"]
    assert [(m.kind, crlf(m.source)) for m in rebuilt.values()] == [(m.kind, crlf(m.source)) for m in mods]


def test_vba_source_outside_the_project_code_page_is_refused():
    bad = vbaproject.Module("Tools", vbaproject.PROCEDURAL, 'Attribute VB_Name = "Tools"\r\nMsgBox "校验"\r\n')
    with pytest.raises(vbaproject.ProjectError, match="代码页 cp1252"):
        vbaproject.build(TEMPLATE_VBA, "demo", [bad])


def test_a_document_module_must_come_from_the_template():
    sheet = vbaproject.Module("Sheet9", vbaproject.DOCUMENT, 'Attribute VB_Name = "Sheet9"\r\n')
    with pytest.raises(vbaproject.ProjectError, match="Sheet9"):
        vbaproject.build(TEMPLATE_VBA, "demo", [sheet])


# ---------------------------------------------------------------- macros/ and the ribbon XML

PROC = re.compile(r"^(?:Public\s+|Private\s+)?(Sub|Function)\s+(\w+)\s*\(([^)]*)\)", re.M | re.I)


def procedures(text: str) -> dict[str, tuple[str, str]]:
    """VBA procedure name → (kind, parameter list)."""
    return {m.group(2): (m.group(1), m.group(3).strip()) for m in PROC.finditer(text)}


def macro_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="ascii") for p in sorted(MACROS.glob("*.bas"))}


def procedure_body(text: str, name: str) -> str:
    m = re.search(rf"^(?:Sub|Function)\s+{name}\b.*?$(.*?)^End (?:Sub|Function)", text, re.M | re.S)
    return m.group(1)


def buttons() -> list[ET.Element]:
    return ET.parse(CUSTOMUI).getroot().findall(f".//{{{NS}}}button")


def test_macros_are_ascii_modules_named_like_their_files():
    for name, text in macro_texts().items():
        assert text.splitlines()[0] == f'Attribute VB_Name = "{name}"'
        assert text.isascii()


def test_every_onaction_names_a_ribbon_callback_in_macros():
    texts = macro_texts()
    for button in buttons():
        module, _, proc = button.get("onAction").partition(".")
        assert module in texts, f"{button.get('id')}: no module {module} in macros/"
        kind, params = procedures(texts[module]).get(proc, (None, None))
        assert kind == "Sub", f"{button.get('id')}: no Sub {proc} in macros/{module}.bas"
        assert re.fullmatch(r"(ByRef\s+|ByVal\s+)?\w+\s+As\s+IRibbonControl", params), params


def test_vba_calls_outside_macros_exist_in_the_xlwings_module():
    xlwings_procs = procedures(addin.xlwings_module(XLWINGS).source)
    ours = {p for text in macro_texts().values() for p in procedures(text)}
    keywords = {"On", "Dim", "Set", "If", "Else", "End", "Exit", "Call", "Option"}
    for text in macro_texts().values():
        for proc in procedures(text):
            for line in procedure_body(text, proc).splitlines():
                m = re.match(r"\s*([A-Za-z]\w*)(?=\s|$)", line)
                if m and m.group(1) not in keywords:
                    assert m.group(1) in ours or m.group(1) in xlwings_procs, f"{proc} calls unknown {m.group(1)}"


def _vba_string(expr: str, tag: str) -> str:
    """Evaluate a VBA string expression of literals joined by & with ``control.Tag``."""
    out = []
    for part in re.findall(r'"(?:[^"]|"")*"|control\.Tag', expr):
        out.append(tag if part == "control.Tag" else part[1:-1].replace('""', '"'))
    return "".join(out)


def python_commands() -> list[tuple[str, str]]:
    """(button id, the Python that RunPython runs for it) for every button whose callback calls RunPython."""
    texts = macro_texts()
    out = []
    for button in buttons():
        module, _, proc = button.get("onAction").partition(".")
        for m in re.finditer(r"RunPython\s*\(?(.*)$", procedure_body(texts[module], proc), re.M):
            out.append((button.get("id"), _vba_string(m.group(1), button.get("tag"))))
    return out


def test_every_runpython_call_names_an_existing_python_function_with_matching_arguments():
    commands = python_commands()
    assert len(commands) == len(buttons()) - 1  # all but 导入函数, which is xlwings' own VBA
    for button_id, command in commands:
        tree = ast.parse(command)
        *imports, call = tree.body
        assert all(isinstance(i, ast.Import) for i in imports), command
        for node in imports:
            for alias in node.names:
                importlib.import_module(alias.name)
        assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call), command
        target = eval(compile(ast.Expression(call.value.func), "<ribbon>", "eval"),
                      {n.split(".")[0]: importlib.import_module(n.split(".")[0])
                       for i in imports for n in (a.name for a in i.names)})
        args = [ast.literal_eval(a) for a in call.value.args]
        inspect.signature(target).bind(*args)  # raises TypeError if the arguments don't fit


def test_ribbon_tags_are_the_python_actions_plus_udfs_and_labels_match():
    ribbon = importlib.import_module("xltools.excel.ribbon")
    tags = {b.get("tag") for b in buttons()}
    assert tags == set(ribbon.ACTIONS) | {"udfs"}
    for b in buttons():
        if b.get("tag") in ribbon.ACTIONS:
            action = ribbon.ACTIONS[b.get("tag")]
            assert b.get("label") == action.label == b.get("screentip")
            assert b.get("supertip") == action.description


def test_the_ribbon_tab_is_labelled_for_the_survey_and_every_button_has_an_icon():
    root = ET.parse(CUSTOMUI).getroot()
    assert [t.get("label") for t in root.iter(f"{{{NS}}}tab")] == ["民政摸排"]
    for b in buttons():
        assert b.get("imageMso") and b.get("label") and b.get("supertip")


# A transcription of the part of Microsoft's customUI 2006 schema ([MS-CUSTOMUI],
# customUI.xsd) that our XML uses: CT_CustomUI, CT_Ribbon, CT_Tabs, CT_Tab, CT_Group,
# CT_Button, CT_Separator and their attribute groups.  The official XSD is not on
# this machine and not in any installable package; see the README.
ST_DELEGATE, ST_STRING, ST_LONG, ST_ID, ST_UID, ST_QID, BOOL, SIZE, KEYTIP = (
    "delegate", "string", "longstring", "id", "uniqueid", "qid", "boolean", "size", "keytip")
_ID = {"id": ST_UID, "idQ": ST_QID, "idMso": ST_ID, "tag": ST_STRING}
_LABEL = {"label": ST_STRING, "getLabel": ST_DELEGATE}
_POS = {"insertAfterMso": ST_ID, "insertBeforeMso": ST_ID, "insertAfterQ": ST_QID, "insertBeforeQ": ST_QID}
_VISIBLE = {"visible": BOOL, "getVisible": ST_DELEGATE}
_KEYTIP = {"keytip": KEYTIP, "getKeytip": ST_DELEGATE}
_IMAGE = {"image": ST_STRING, "imageMso": ST_ID, "getImage": ST_DELEGATE}
_TIP = {"screentip": ST_STRING, "getScreentip": ST_DELEGATE, "supertip": ST_STRING, "getSupertip": ST_DELEGATE}
_ENABLED = {"enabled": BOOL, "getEnabled": ST_DELEGATE}
SCHEMA = {
    # element: (attributes, allowed children in order as (name, min, max) groups)
    "customUI": ({"onLoad": ST_DELEGATE, "loadImage": ST_DELEGATE}, [({"commands"}, 0, 1), ({"ribbon"}, 0, 1)]),
    "ribbon": ({"startFromScratch": BOOL}, [({"tabs"}, 0, 1)]),
    "tabs": ({}, [({"tab"}, 1, 100)]),
    "tab": ({**_ID, **_LABEL, **_POS, **_VISIBLE, **_KEYTIP}, [({"group"}, 0, 100)]),
    "group": ({**_ID, **_LABEL, **_IMAGE, **_POS, **_TIP, **_VISIBLE, **_KEYTIP},
              [({"button", "separator"}, 0, 1000)]),
    "button": ({**_ID, **_IMAGE, **_TIP, **_ENABLED, **_LABEL, **_POS, **_VISIBLE, **_KEYTIP,
                "showLabel": BOOL, "getShowLabel": ST_DELEGATE, "showImage": BOOL, "getShowImage": ST_DELEGATE,
                "onAction": ST_DELEGATE, "description": ST_LONG, "getDescription": ST_DELEGATE,
                "size": SIZE, "getSize": ST_DELEGATE}, []),
    "separator": ({"id": ST_UID, "idQ": ST_QID, **_VISIBLE, **_POS}, []),
}
NCNAME = re.compile(r"[A-Za-z_][\w.\-]*")


def _value_ok(kind: str, value: str) -> bool:
    return {
        ST_DELEGATE: 1 <= len(value) <= 1024, ST_STRING: 1 <= len(value) <= 1024,
        ST_LONG: 1 <= len(value) <= 4096, ST_ID: bool(NCNAME.fullmatch(value)) and len(value) <= 1024,
        ST_UID: bool(NCNAME.fullmatch(value)) and len(value) <= 1024,
        ST_QID: bool(re.fullmatch(r"(?:[A-Za-z_][\w.\-]*:)?[A-Za-z_][\w.\-]*", value)),
        BOOL: value in {"true", "false", "1", "0"}, SIZE: value in {"normal", "large"},
        KEYTIP: 1 <= len(value.strip()) <= 3,
    }[kind]


def customui_errors(root: ET.Element) -> list[str]:
    errors, ids = [], set()

    def visit(el: ET.Element, path: str):
        ns, _, name = el.tag[1:].partition("}")
        where = f"{path}/{name}"
        if ns != NS or name not in SCHEMA:
            errors.append(f"{where}: element not allowed (namespace {ns})")
            return
        attrs, content = SCHEMA[name]
        for key, value in el.attrib.items():
            if key not in attrs:
                errors.append(f"{where}: attribute {key} not allowed")
            elif not _value_ok(attrs[key], value):
                errors.append(f"{where}: {key}={value!r} is not a valid {attrs[key]}")
            elif attrs[key] == ST_UID:
                if value in ids:
                    errors.append(f"{where}: id {value} is not unique")
                ids.add(value)
        if "id" in attrs and name != "separator" and not {"id", "idQ", "idMso"} & set(el.attrib):
            errors.append(f"{where}: needs one of id, idQ, idMso")
        if len({"image", "imageMso", "getImage"} & set(el.attrib)) > 1:
            errors.append(f"{where}: image, imageMso and getImage are mutually exclusive")
        children = [c.tag.partition("}")[2] for c in el]
        i = 0
        for allowed, lo_, hi in content:
            n = 0
            while i < len(children) and children[i] in allowed:
                i, n = i + 1, n + 1
            if not lo_ <= n <= hi:
                errors.append(f"{where}: {n} of {sorted(allowed)} (allowed {lo_}..{hi})")
        if i < len(children):
            errors.append(f"{where}: child {children[i]} not allowed here")
        for c in el:
            visit(c, where)

    visit(root, "")
    return errors


def test_ribbon_xml_is_valid_against_the_customui_2006_schema():
    root = ET.parse(CUSTOMUI).getroot()
    assert root.tag == f"{{{NS}}}customUI"
    assert customui_errors(root) == []


def test_schema_check_catches_a_misspelt_callback_and_a_repeated_id():
    text = CUSTOMUI.read_text(encoding="utf-8")
    text = text.replace('onAction="RibbonXltools.XltoolsImportUdfs"', 'onaction="RibbonXltools.XltoolsImportUdfs"')
    text = text.replace('id="xltoolsHelp"', 'id="xltoolsCheck"')
    errors = customui_errors(ET.fromstring(text.encode("utf-8")))
    assert any("attribute onaction not allowed" in e for e in errors)
    assert any("id xltoolsCheck is not unique" in e for e in errors)


# ---------------------------------------------------------------- the built add-in


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("addin") / "xltools.xlam"
    result = CliRunner().invoke(main, ["addin", "build", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成 Excel 加载项" in result.output
    return out


def test_built_addin_holds_every_macros_module_byte_for_byte(built):
    found = olevba_modules(built)
    assert set(found) == {"ThisWorkbook", "Dictionary", "Sheet2", "xlwings", *macro_texts()}
    for name, text in macro_texts().items():
        assert found[name].encode("cp1252") == crlf(text).encode("ascii"), name
        assert set(procedures(found[name])) == set(procedures(text)) != set()


def test_built_addin_carries_the_installed_xlwings_module_renamed_for_xltools(built):
    found = olevba_modules(built)["xlwings"]
    original = (XLWINGS / addin.XLWINGS_BAS).read_text(encoding="cp1252")
    assert found == crlf(original.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xltools"'))
    assert 'SheetExists(ThisWorkbook, PROJECT_NAME & ".conf")' in found  # where the add-in reads its config


def test_built_addin_is_source_only_and_free_of_the_template_names(built):
    with zipfile.ZipFile(built) as z:
        vba = z.read("xl/vbaProject.bin")
        workbook = z.read("xl/workbook.xml").decode()
        assert z.read("customUI/customUI.xml") == CUSTOMUI.read_bytes()
        assert "customUI/customUI.xml" in z.read("_rels/.rels").decode()
    ole = olefile.OleFileIO(io.BytesIO(vba))
    assert ole.openstream("VBA/_VBA_PROJECT").read() == vbaproject.SOURCE_ONLY_HEADER
    project = ole.openstream("PROJECT").read().decode("cp1252")
    dir_stream = ovba.decompress(ole.openstream("VBA/dir").read())
    assert 'Name="xltools"' in project
    for text in (project, dir_stream.decode("latin-1"), workbook):
        assert "MyAddin" not in text and "myaddin" not in text
    assert "felix" not in workbook.lower()


def test_config_sheet_is_the_one_xlwings_reads_and_names_the_udf_module(built):
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(built) as z:
        sheets = ET.fromstring(z.read("xl/workbook.xml")).findall(".//m:sheet", ns)
        strings = [t.text for t in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{{{ns['m']}}}t")]
        cells = ET.fromstring(z.read("xl/worksheets/sheet1.xml")).findall(".//m:c", ns)
    assert [s.get("name") for s in sheets] == [f"{addin.PROJECT_NAME}.conf"]
    values = {c.get("r"): strings[int(c.find("m:v", ns).text)] for c in cells}
    assert values == {"A1": "UDF Modules", "B1": "xltools.excel.udfs"}
    assert 'GetConfig("UDF MODULES")' in addin.xlwings_module(XLWINGS).source  # keys compare upper-cased
    assert importlib.util.find_spec(addin.UDF_MODULES) is not None


def test_two_builds_are_byte_identical(built, tmp_path):
    again = addin.build(tmp_path / "again.xlam").path
    assert again.read_bytes() == built.read_bytes()


def test_libreoffice_loads_the_addin_lists_its_basic_modules_and_reads_its_config_sheet(built, tmp_path):
    exe = lo.soffice()
    assert exe, "LibreOffice (soffice) is needed for this test; scripts/test.sh installs libreoffice-calc"
    with tempfile.TemporaryDirectory() as prof:
        res = subprocess.run([exe, f"-env:UserInstallation=file://{prof}", "--headless", "--norestore",
                              "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods",
                              "--outdir", str(tmp_path), str(built)],
                             capture_output=True, text=True, timeout=180)
    ods = tmp_path / "xltools.ods"
    assert ods.exists(), res.stdout + res.stderr
    with zipfile.ZipFile(ods) as z:
        basic = {n.split("/")[2][:-4]: z.read(n).decode() for n in z.namelist()
                 if n.startswith("Basic/xltools/") and not n.endswith("script-lb.xml")}
        content = z.read("content.xml").decode()
    assert 'table:name="xltools.conf"' in content and "<text:p>xltools.excel.udfs</text:p>" in content
    assert set(basic) == {"ThisWorkbook", "Dictionary", "Sheet2", "xlwings", *macro_texts()}
    for name, text in macro_texts().items():
        for proc, (kind, params) in procedures(text).items():
            assert f"{kind} {proc}({params})" in basic[name]


def test_build_without_vba_sources_exits_2_and_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(addin, "MACROS_DIR", tmp_path)
    result = CliRunner().invoke(main, ["addin", "build", "-o", str(tmp_path / "x.xlam")])
    assert result.exit_code == 2
    assert "找不到 VBA 模块" in result.output and str(tmp_path) in result.output
    assert not (tmp_path / "x.xlam").exists()


# ---------------------------------------------------------------- install


def test_install_without_excel_exits_2_with_a_chinese_message(monkeypatch):
    monkeypatch.setattr(addin, "excel_installed", lambda: False)
    result = CliRunner().invoke(main, ["addin", "install"])
    assert result.exit_code == 2
    assert "没有安装 Windows 版 Excel" in result.output and "WPS" in result.output


def test_excel_is_only_looked_for_on_windows():
    assert addin.excel_installed("linux") is False


def test_install_puts_the_addin_in_xlstart_and_the_settings_in_the_user_config(tmp_path):
    env = {"APPDATA": str(tmp_path / "AppData" / "Roaming"), "USERPROFILE": str(tmp_path / "张三")}
    config = tmp_path / "张三" / ".xltools" / "xltools.conf"
    config.parent.mkdir(parents=True)
    config.write_bytes('"CONDA PATH","D:\\conda"\r\n"interpreter_win","old"\r\n'.encode("gbk"))
    result = addin.install(environ=env, interpreter="C:\\Users\\张三\\Python311\\python.exe", encoding="gbk")
    assert result.addin == tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "xltools.xlam"
    assert result.addin.read_bytes() == addin.build_bytes()
    lines = config.read_bytes().decode("gbk").split("\r\n")
    assert lines == ['"CONDA PATH","D:\\conda"', '"INTERPRETER_WIN","C:\\Users\\张三\\Python311\\python.exe"',
                     f'"PYTHONPATH","{Path(xltools.__file__).resolve().parents[1]}"', ""]


def test_install_where_the_config_folder_cannot_be_made_says_which_path(tmp_path):
    profile = tmp_path / "张三"
    profile.write_text("a file where the user folder should be")
    env = {"APPDATA": str(tmp_path / "AppData"), "USERPROFILE": str(profile)}
    with pytest.raises(addin.AddinError, match="无法写入") as e:
        addin.install(environ=env, interpreter="python.exe", encoding="gbk")
    assert str(profile) in str(e.value)


def test_config_values_with_double_quotes_are_refused():
    with pytest.raises(addin.AddinError, match="双引号"):
        addin.merge_config("", {"PYTHONPATH": 'C:\\a"b'})


def test_install_paths_follow_windows_environment_variables():
    env = {"APPDATA": "C:\\Users\\li\\AppData\\Roaming", "USERPROFILE": "C:\\Users\\li"}
    assert addin.xlstart_dir(env).parts[-3:] == ("Microsoft", "Excel", "XLSTART")
    assert addin.user_config_path(env).parts[-2:] == (".xltools", "xltools.conf")
    with pytest.raises(addin.AddinError, match="APPDATA"):
        addin.xlstart_dir({})

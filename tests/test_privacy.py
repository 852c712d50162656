"""Personal data protection: --mask leaves no full ID or phone number in any cell, --encrypt
writes files that open only with their password, outputs never replace inputs."""

from __future__ import annotations

import io
import re
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
from click.testing import CliRunner
from msoffcrypto.exceptions import InvalidKeyError

from xltools.cli import demo
from xltools.ops import merge
from xltools.workbooks import privacy, readers, rosterbook, rosterread
from xltools.cli.commands import main
from xltools.workbooks.privacy import mask_id, mask_phone, mask_text

PASSWORD = "核实2026"


def _run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("privacy")
    inputs = demo.build(base)
    numbers = set()  # every ID and phone number in the inputs, as written there
    for path in merge.collect([inputs]):
        for r in readers.read_rosters(path, profile="chongqing")[0]:
            for col in r.frame.columns:
                if col.endswith(("_id", "id_number", "_phone")):
                    numbers |= {v for v in r.frame[col] if len(v) >= 7}
    return base, inputs, numbers


def _cells(path: Path, password: str | None = None) -> list[str]:
    data = path.read_bytes()
    if password:
        data = privacy.decrypt_bytes(data, password)
    import python_calamine as pc

    book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [readers.cell_text(v) for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python() for v in row if v not in ("", None)]


def _assert_no_full_number(cells: list[str], numbers: set[str]) -> None:
    assert numbers, "the test data must contain numbers to look for"
    leaked = [c for c in cells for n in numbers if n in c]
    assert not leaked, leaked[:5]
    assert not [c for c in cells if re.search(r"\d{15,}", c)]
    assert not [c for c in cells if re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", c)]


# --- the masking rule ------------------------------------------------------------------------

def test_id_keeps_region_code_and_last_four():
    assert mask_id("50010120100101131X") == "500101********131X"
    assert mask_id(" 500101 2010 0101 131x ") == "500101********131x"
    assert mask_id("500101100101123") == "500101*****1123"      # old 15-digit number
    assert mask_id("5.00101201012311e+17") == "5.00101*********e+17"  # digits lost to Excel
    assert mask_id("") == "" and mask_id("无") == "无"


def test_phone_keeps_prefix_and_last_four():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("023-67891234") == "023-****1234"
    assert mask_phone("67891234") == "****1234"


def test_text_masks_every_number_it_quotes():
    text = ("「公民身份号码」“500101201001011318”校验位错误；父亲 13800138000，"
            "15位 500101100101123，电话“1380013800”，日期 2024-09-01 不变")
    masked = mask_text(text)
    assert "500101201001011318" not in masked and "500101********1318" in masked
    assert "138****8000" in masked and "500101*****1123" in masked and "“******3800”" in masked
    assert "2024-09-01" in masked


# --- masked outputs -----------------------------------------------------------------------------

def test_masked_merge_output_contains_no_full_id_or_phone_number(demo_inputs, tmp_path):
    _, inputs, numbers = demo_inputs
    out = tmp_path / "花名册_打码.xlsx"
    r = _run("merge", inputs, "-o", out, "--profile", "chongqing", "--kind", "流动", "--mask")
    assert r.exit_code in (0, 1), r.output
    cells = _cells(out)
    assert any("********" in c for c in cells)  # IDs are there, masked
    _assert_no_full_number(cells, numbers)
    # 问题清单 still says what is wrong, with the number masked
    assert any("校验位错误" in c and "****" in c for c in cells)


def test_masked_split_reconcile_and_diff_outputs_contain_no_full_number(demo_inputs, tmp_path):
    _, inputs, numbers = demo_inputs
    roster = tmp_path / "花名册.xlsx"
    _run("merge", inputs, "-o", roster, "--profile", "chongqing", "--kind", "流动")
    for by in ("镇街", "部门"):
        assert _run("split", roster, "--by", by, "-o", tmp_path / by, "--mask").exit_code == 0
    _run("reconcile", roster, tmp_path / "部门" / "医保_流动儿童核实表.xlsx", "-o", tmp_path / "核实后.xlsx", "--mask")
    assert _run("diff", roster, roster, "-o", tmp_path / "变化.xlsx", "--mask").exit_code == 0
    written = list((tmp_path / "镇街").glob("*.xlsx")) + list((tmp_path / "部门").glob("*.xlsx")) + \
        [tmp_path / "核实后.xlsx", tmp_path / "变化.xlsx"]
    assert len(written) >= 6
    for path in written:
        _assert_no_full_number(_cells(path), numbers)


def test_masked_department_file_still_reconciles_by_its_row_key(demo_inputs, tmp_path):
    _, inputs, _ = demo_inputs
    roster = tmp_path / "花名册.xlsx"
    _run("merge", inputs, "-o", roster, "--profile", "chongqing", "--kind", "流动")
    _run("split", roster, "--by", "部门", "-o", tmp_path / "部门", "--mask", "--department", "医保")
    wb = openpyxl.load_workbook(tmp_path / "部门" / "医保_流动儿童核实表.xlsx")
    ws = wb["核实"]
    sub = [c.value for c in ws[4]]
    c = sub.index("核实结果") + 1
    current = ws.cell(5, c - 1).value
    corrected = "未参保" if current != "未参保" else "已参保"  # Chongqing's two options
    ws.cell(5, c).value, ws.cell(5, c + 1).value = "不一致", corrected
    wb.save(tmp_path / "交回.xlsx")
    _run("reconcile", roster, tmp_path / "交回.xlsx", "-o", tmp_path / "核实后.xlsx")
    book = rosterread.read(tmp_path / "核实后.xlsx")
    assert book.roster["medical_insurance"].iat[0] == corrected
    assert book.roster["corrections"].iat[0].endswith("（医保核实）")


def test_statistics_only_output_holds_no_names_or_ids(demo_inputs, tmp_path):
    _, inputs, numbers = demo_inputs
    result = merge.merge([inputs], kind="流动", profile="chongqing")
    out = rosterbook.write(result, tmp_path / "统计.xlsx", sheets=("统计",))
    cells = _cells(out)
    names = set(result.roster["name"])
    assert not [c for c in cells for n in names if n and n in c]
    _assert_no_full_number(cells, numbers)


def test_merge_can_write_a_statistics_only_workbook_beside_the_roster(demo_inputs, tmp_path):
    _, inputs, numbers = demo_inputs
    r = _run("merge", inputs, "-o", tmp_path / "花名册.xlsx", "--stats-output", tmp_path / "上报统计.xlsx",
             "--kind", "流动", "--profile", "chongqing")
    assert r.exit_code in (0, 1), r.output
    book = openpyxl.load_workbook(tmp_path / "上报统计.xlsx")
    assert [n for n in book.sheetnames if book[n].sheet_state == "visible"] == ["统计"]
    cells = _cells(tmp_path / "上报统计.xlsx")
    names = set(merge.merge([inputs], kind="流动", profile="chongqing").roster["name"])
    assert not [c for c in cells for n in names if n and n in c]
    _assert_no_full_number(cells, numbers)
    assert (tmp_path / "花名册.xlsx").exists()


# --- encryption ---------------------------------------------------------------------------------

def test_encrypted_roster_opens_only_with_its_password(demo_inputs, tmp_path):
    _, inputs, _ = demo_inputs
    pw_file = tmp_path / "密码.txt"
    pw_file.write_text(PASSWORD + "\n", encoding="utf-8")
    out = tmp_path / "花名册_加密.xlsx"
    _run("merge", inputs, "-o", out, "--profile", "chongqing", "--kind", "流动", "--password-file", pw_file)
    data = out.read_bytes()
    assert data[:8] == readers.OLE_SIGNATURE  # an encrypted OOXML file is an OLE container
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    assert office.is_encrypted()
    with pytest.raises(InvalidKeyError):
        office.load_key(password="wrong")
        office.decrypt(io.BytesIO())
    with pytest.raises(readers.ReadError) as exc:
        readers.read_roster(out)
    assert exc.value.code == "file.encrypted"
    book = rosterread.read(out, password=PASSWORD)
    assert len(book.roster) == len(merge.merge([inputs], kind="流动", profile="chongqing").roster)
    assert not list(tmp_path.glob(".xltools-*"))  # no plain temporary copy left behind


def test_encrypt_asks_for_the_password_twice(demo_inputs, tmp_path):
    _, inputs, _ = demo_inputs
    roster = tmp_path / "花名册.xlsx"
    _run("merge", inputs, "-o", roster, "--profile", "chongqing", "--kind", "流动")
    r = _run("diff", roster, roster, "-o", tmp_path / "变化.xlsx", "--encrypt", input="甲\n乙\nabc\nabc\n")
    assert r.exit_code == 0, r.output
    assert r.output.count("输出文件的打开密码") == 2  # asked again after the two did not match
    assert "变化.xlsx" in r.output
    assert "概况" in _cells_sheets(tmp_path / "变化.xlsx", "abc")


def _cells_sheets(path, password):
    import python_calamine as pc
    return pc.CalamineWorkbook.from_filelike(io.BytesIO(privacy.decrypt_bytes(path.read_bytes(), password))).sheet_names


def test_template_can_be_encrypted(tmp_path):
    pw_file = tmp_path / "pw.txt"
    pw_file.write_text(PASSWORD, encoding="utf-8")
    out = tmp_path / "模板.xlsx"
    r = _run("template", "--kind", "流动", "--profile", "chongqing", "--unit", "两路街道双龙社区", "-o", out,
             "--rows", 5, "--password-file", pw_file)
    assert r.exit_code == 0, r.output
    assert "填报" in _cells_sheets(out, PASSWORD)


def test_failed_write_leaves_neither_output_nor_plain_copy(tmp_path):
    def build(path):
        path.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        privacy.save(tmp_path / "out.xlsx", build, password=PASSWORD)
    assert list(tmp_path.iterdir()) == []


def test_output_that_is_an_input_is_refused_and_the_input_kept(demo_inputs, tmp_path):
    _, inputs, _ = demo_inputs
    roster = tmp_path / "花名册.xlsx"
    _run("merge", inputs, "-o", roster, "--profile", "chongqing", "--kind", "流动")
    before = roster.read_bytes()
    for args in (("diff", roster, roster, "-o", roster), ("reconcile", roster, roster, "-o", roster)):
        r = _run(*args)
        assert r.exit_code == 2 and "输入文件之一" in r.output
    assert roster.read_bytes() == before


def test_empty_password_file_is_refused(tmp_path, demo_inputs):
    _, inputs, _ = demo_inputs
    empty = tmp_path / "空.txt"
    empty.write_text("\n", encoding="utf-8")
    r = _run("merge", inputs, "-o", tmp_path / "x.xlsx", "--password-file", empty)
    assert r.exit_code == 2 and "第一行是空的" in r.output
    assert not (tmp_path / "x.xlsx").exists()


def test_json_report_beside_an_encrypted_roster_must_be_masked(tmp_path, demo_inputs):
    _, inputs, _ = demo_inputs
    pw = tmp_path / "密码.txt"
    pw.write_text("abc\n", encoding="utf-8")
    r = _run("merge", inputs, "-o", tmp_path / "x.xlsx", "--password-file", pw, "--json", tmp_path / "x.json")
    assert r.exit_code == 2 and "JSON 文件不加密" in r.output
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "x.json").exists()
    r = _run("merge", inputs, "-o", tmp_path / "x.xlsx", "--password-file", pw, "--json", tmp_path / "x.json",
             "--mask", "--kind", "流动", "--profile", "chongqing")
    assert r.exit_code in (0, 1), r.output
    _, _, numbers = demo_inputs
    _assert_no_full_number([(tmp_path / "x.json").read_text(encoding="utf-8")], numbers)


def test_plain_outputs_from_an_encrypted_roster_come_with_a_warning(demo_inputs, tmp_path):
    _, inputs, _ = demo_inputs
    pw = tmp_path / "密码.txt"
    pw.write_text("abc\n", encoding="utf-8")
    roster = tmp_path / "花名册.xlsx"
    _run("merge", inputs, "-o", roster, "--kind", "流动", "--profile", "chongqing", "--password-file", pw)
    r = _run("split", roster, "--by", "镇街", "-o", tmp_path / "镇街", "--password", "abc")
    assert r.exit_code == 0, r.output
    assert "花名册是加密的，但本次输出没有加密" in r.output
    r = _run("split", roster, "--by", "镇街", "-o", tmp_path / "镇街2", "--password", "abc", "--password-file", pw)
    assert r.exit_code == 0 and "没有加密" not in r.output

"""Reading rosters as townships send them: headers found, columns mapped, rows as text."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter
from factories import child, write_csv, write_xlsx

from xltools.workbooks import readers
from xltools.workbooks.readers import ReadError, read_roster, read_rosters

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AS_OF = dt.date(2026, 9, 30)

def test_header_under_title_rows_is_found_and_unit_and_date_read(tmp_path):
    c = child()
    rows = [["流动儿童基本情况登记表"], ["填报单位：XX区两路街道", None, None, "填报日期：2026年9月30日"],
            ["序号", "姓名", "性别", "身份证号码", "出生年月"],
            [1, c["name"], c["sex"], c["id_number"], c["birth_date"]]]
    r = read_roster(write_xlsx(tmp_path / "a.xlsx", rows))
    assert r.header_rows == (3,)
    assert r.columns == {"name": "B", "sex": "C", "id_number": "D", "birth_date": "E"}
    assert r.ignored == [("A", "序号")]
    assert (r.unit, r.report_date) == ("XX区两路街道", "2026年9月30日")
    assert list(r.frame.index) == [4] and r.frame.loc[4, "id_number"] == c["id_number"]


def test_two_row_merged_header_maps_father_and_mother_columns(tmp_path):
    c = child()
    rows = [[None] * 8, [None, None, "姓名", "公民身份号码", "联系方式", "姓名", "公民身份号码", "联系方式"],
            [c["name"], c["id_number"], c["father_name"], c["father_id"], c["father_phone"],
             c["mother_name"], c["mother_id"], c["mother_phone"]]]
    merges = [(0, 0, 1, 0, "姓名"), (0, 1, 1, 1, "公民身份号码"), (0, 2, 0, 4, "父亲"), (0, 5, 0, 7, "母亲")]
    r = read_roster(write_xlsx(tmp_path / "b.xlsx", rows, merges=merges), kind="flow")
    assert r.header_rows == (1, 2)
    assert r.columns == {"name": "A", "id_number": "B", "father_name": "C", "father_id": "D", "father_phone": "E",
                         "mother_name": "F", "mother_id": "G", "mother_phone": "H"}
    assert r.frame.loc[3, "mother_id"] == c["mother_id"]


def test_one_row_header_bare_id_after_father_belongs_to_father(tmp_path):
    c = child()
    rows = [["姓名", "公民身份号码", "性别", "父亲", "公民身份号码", "联系方式", "母亲", "公民身份号码"],
            [c["name"], c["id_number"], c["sex"], c["father_name"], c["father_id"], c["father_phone"],
             c["mother_name"], c["mother_id"]]]
    r = read_roster(write_xlsx(tmp_path / "c.xlsx", rows), kind="flow")
    assert r.columns["father_id"] == "E" and r.columns["mother_id"] == "H" and r.columns["id_number"] == "B"


def test_address_split_into_province_city_county_detail(tmp_path):
    rows = [[None] * 6, [None, None, "省", "市", "区(县)", "详细地址"],
            ["张三", "男", "四川省", "成都市", "武侯区", "簇桥街道1号"]]
    merges = [(0, 0, 1, 0, "姓名"), (0, 1, 1, 1, "性别"), (0, 2, 0, 5, "户籍地址")]
    r = read_roster(write_xlsx(tmp_path / "d.xlsx", rows, merges=merges), kind="flow")
    assert r.columns["hukou_address_county"] == "E"
    assert r.frame.loc[3, "hukou_address_province"] == "四川省" and r.header_rows == (1, 2)


def test_one_column_per_option_ticked_becomes_one_value(tmp_path):
    rows = [[None] * 7, [None, None, "健康", "残疾", "重病", "慢性病", "心理/行为异常"],
            ["张三", "男", "", "√", "", "✓", ""], ["李四", "女", "√", "", "", "", ""]]
    merges = [(0, 0, 1, 0, "姓名"), (0, 1, 1, 1, "性别"), (0, 2, 0, 6, "健康状况")]
    r = read_roster(write_xlsx(tmp_path / "e.xlsx", rows, merges=merges), kind="left")
    assert list(r.frame["health"]) == ["残疾、慢性病", "健康"]
    assert r.columns["health"] == "C"


def test_total_blank_and_signature_rows_are_skipped_and_reported(tmp_path):
    rows = [["姓名", "性别", "出生日期", "民族"], ["张三", "男", "2015-01-01", "汉族"], [None],
            ["李四", "女", "2016-01-01", "汉族"], ["合计", "2人"], ["填表人：王五"]]
    r = read_roster(write_xlsx(tmp_path / "f.xlsx", rows), kind="flow")
    assert list(r.frame.index) == [2, 4]
    assert r.skipped_rows == [(3, "空行"), (5, "合计行"), (6, "表尾签字或说明")]


def test_numeric_id_cell_comes_out_as_scientific_text_and_date_cell_as_iso(tmp_path):
    rows = [["姓名", "公民身份号码", "出生日期", "父亲联系电话"],
            ["张三", 5.00101201012311e17, dt.datetime(2015, 3, 2), 13800138000]]
    r = read_roster(write_xlsx(tmp_path / "g.xlsx", rows, numbers={(1, 1), (1, 3)}), kind="flow")
    assert r.frame.loc[2, "id_number"] == "5.00101201012311e+17"
    assert r.frame.loc[2, "birth_date"] == "2015-03-02"
    assert r.frame.loc[2, "father_phone"] == "13800138000"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_in_utf8_or_gbk(tmp_path, encoding):
    c = child("left")
    path = tmp_path / "h.csv"
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "性别", "公民身份证号码", "父母双方同时外出", "有无受委托照护人"])
        w.writerow([c["name"], c["sex"], c["id_number"], "是", "有"])
    r = read_roster(path)
    assert r.kind == "left" and r.frame.loc[2, "name"] == c["name"]


def test_kind_is_guessed_from_headers():
    assert read_roster(EXAMPLES / "两路街道_流动儿童花名册.xlsx").kind == "flow"
    assert read_roster(EXAMPLES / "木耳镇_留守儿童摸排表.xlsx").kind == "left"


def test_sheets_that_are_not_rosters_are_reported(tmp_path):
    path = tmp_path / "i.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("说明").write(0, 0, "本表由村委会填写")
    ws = wb.add_worksheet("花名册")
    for c, h in enumerate(["姓名", "性别", "出生日期", "民族", "公民身份号码"]):
        ws.write(0, c, h)
    ws.write(1, 0, "张三")
    wb.close()
    rosters, others = read_rosters(path)
    assert [r.sheet for r in rosters] == ["花名册"] and others == [("说明", "没有找到登记表表头")]


def test_encrypted_workbook_needs_its_password(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(tmp_path / "plain.xlsx", [["姓名", "性别", "出生日期", "公民身份号码"], ["张三", "男", "2015-01-01", ""]])
    enc = tmp_path / "enc.xlsx"
    with open(plain, "rb") as src, open(enc, "wb") as dst:
        OOXMLFile(src).encrypt("mima123", dst)
    with pytest.raises(ReadError) as exc:
        read_roster(enc)
    assert exc.value.code == "file.encrypted" and "--password" in exc.value.message
    with pytest.raises(ReadError) as exc:
        read_roster(enc, password="wrong")
    assert exc.value.code == "file.wrong_password"
    assert read_roster(enc, password="mima123", kind="flow").frame.loc[2, "name"] == "张三"


def test_truncated_workbook_is_corrupt(tmp_path):
    good = (EXAMPLES / "两路街道_流动儿童花名册.xlsx").read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(ReadError) as exc:
        read_roster(bad)
    assert exc.value.code == "file.corrupt"


@pytest.mark.parametrize("name,content,code", [
    ("junk.txt", b"\x00\x01\x02 not a table", "file.not_spreadsheet"),
    ("junk.pdf", b"%PDF-1.4", "file.not_spreadsheet"),
    ("empty.xlsx", b"", "file.empty"),
])
def test_unreadable_files_say_why(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError) as exc:
        read_roster(path)
    assert exc.value.code == code


def test_sheet_without_a_header_is_no_header(tmp_path):
    path = write_xlsx(tmp_path / "j.xlsx", [["会议签到表"], ["张三", "李四"]])
    with pytest.raises(ReadError) as exc:
        read_roster(path)
    assert exc.value.code == "file.no_header"


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(ReadError) as exc:
        read_roster(tmp_path / "nope.xlsx")
    assert exc.value.code == "file.not_found"


def test_reading_never_modifies_the_input(tmp_path):
    src = EXAMPLES / "两路街道_流动儿童花名册.xlsx"
    before = src.read_bytes()
    read_roster(src)
    assert src.read_bytes() == before


@pytest.mark.parametrize("value,text", [
    (None, ""), ("", ""), ("  a ", "a"), (13800138000.0, "13800138000"), (5.00101201012311e17, "5.00101201012311e+17"),
    (dt.datetime(2024, 9, 1), "2024-09-01"), (dt.date(2024, 9, 1), "2024-09-01"), (True, "是"), (1.5, "1.5"),
])
def test_cell_text_rules(value, text):
    assert readers.cell_text(value) == text


def test_examples_read_with_expected_layouts():
    lianglu = read_roster(EXAMPLES / "两路街道_流动儿童花名册.xlsx")
    assert lianglu.header_rows == (3, 4) and len(lianglu.frame) == 30 and lianglu.unit == "重庆市渝北区两路街道"
    muer = read_roster(EXAMPLES / "木耳镇_留守儿童摸排表.xlsx")
    assert (3 + 17, "合计行") in muer.skipped_rows and len(muer.frame) == 15
    dasheng = read_roster(EXAMPLES / "大盛镇_流动儿童.xls")
    assert dasheng.columns["residence_county"] and dasheng.kind == "flow"
    gulu = read_roster(EXAMPLES / "古路镇_留守儿童.csv")
    assert gulu.kind == "left" and gulu.ignored == []


# --- header wording -----------------------------------------------------------------------

@pytest.mark.parametrize("text,parent,key", [
    ("身份证号", None, "id_number"), ("身份证号码", None, "id_number"), ("公民身份证号码", None, "id_number"),
    ("出生年月", None, "birth_date"), ("姓 名", None, "name"), ("* 姓名（必填）", None, "name"),
    ("性\n别", None, "sex"), ("父亲", None, "father_name"), ("姓名", "父亲", "father_name"),
    ("身份证号码", "母亲", "mother_id"), ("联系电话", "父亲", "father_phone"), ("父亲身份证号", None, "father_id"),
    ("详细地址", "户籍地址", "hukou_address_detail"), ("户籍地址", None, "hukou_address"),
    ("残疾", "健康状况", "health"), ("序号", None, None), ("备注", None, None),
])
def test_header_wordings_staff_use_map_to_one_column_key(text, parent, key):
    from xltools.core.schema import base_form

    assert readers.match_header(text, parent, base_form("flow")) == key


def test_header_cell_and_value_cell_for_unit_and_date(tmp_path):
    rows = [["留守儿童花名册"], ["填报单位", "古路镇新场村", None, "填报日期", dt.datetime(2026, 9, 30)],
            ["姓名", "性别", "出生日期", "父母双方同时外出", "有无受委托照护人"], ["张三", "男", "2015-01-01", "是", "有"]]
    r = read_roster(write_xlsx(tmp_path / "u.xlsx", rows))
    assert (r.unit, r.report_date, r.title, r.kind) == ("古路镇新场村", "2026-09-30", "留守儿童花名册", "left")


# --- layouts ------------------------------------------------------------------------------

def test_sibling_rows_share_a_father_cell_merged_down(tmp_path):
    a, b = child(seed=1), child(seed=2)
    rows = [["姓名", "公民身份号码", "父亲姓名", "父亲公民身份号码"],
            [a["name"], a["id_number"], None, None], [b["name"], b["id_number"], None, None]]
    merges = [(1, 2, 2, 2, a["father_name"]), (1, 3, 2, 3, a["father_id"])]
    r = read_roster(write_xlsx(tmp_path / "s.xlsx", rows, merges=merges), kind="flow")
    assert list(r.frame["father_id"]) == [a["father_id"], a["father_id"]]
    assert list(r.frame["name"]) == [a["name"], b["name"]]


def test_note_merged_across_a_data_row_is_skipped_not_copied_into_columns(tmp_path):
    rows = [["姓名", "性别", "出生日期", "民族"], ["张三", "男", "2015-01-01", "汉族"], [None] * 4]
    r = read_roster(write_xlsx(tmp_path / "n.xlsx", rows, merges=[(2, 0, 2, 3, "以下空白")]), kind="flow")
    assert list(r.frame.index) == [2] and r.skipped_rows == [(3, "表尾签字或说明")]


def test_hidden_rows_and_columns_are_read_like_any_other(tmp_path):
    rows = [["姓名", "性别", "出生日期", "公民身份号码"], ["张三", "男", "2015-01-01", "x"], ["李四", "女", "2016-01-01", "y"]]
    r = read_roster(write_xlsx(tmp_path / "h.xlsx", rows, hidden_rows=[1], hidden_cols=[3]), kind="flow")
    assert list(r.frame["name"]) == ["张三", "李四"] and list(r.frame["id_number"]) == ["x", "y"]


def test_tick_columns_use_the_profile_wording_and_keep_other_wording_as_written(tmp_path):
    rows = [[None] * 4, [None, None, "已 参保", "未参保"], ["张三", "男", "√", ""], ["李四", "女", "", "☑"]]
    merges = [(0, 0, 1, 0, "姓名"), (0, 1, 1, 1, "性别"), (0, 2, 0, 3, "纳入医保情况")]
    path = write_xlsx(tmp_path / "m.xlsx", rows, merges=merges)
    r = read_roster(path, kind="flow", profile="chongqing")
    assert list(r.frame["medical_insurance"]) == ["已参保", "未参保"] and r.header_rows == (1, 2)
    national = read_roster(path, kind="flow")  # not national options: passed on for the rules to flag
    assert list(national.frame["medical_insurance"]) == ["已参保", "未参保"] and national.header_rows == (1, 2)


def test_several_sheets_the_roster_with_most_rows_is_chosen_and_others_reported(tmp_path):
    head = ["姓名", "性别", "出生日期", "公民身份号码"]
    extra = [("说明", [["填表说明：请如实填写"]]), ("一组", [head, ["张三", "男", "2015-01-01", ""]])]
    path = write_xlsx(tmp_path / "w.xlsx", [head, ["李四", "女", "2016-01-01", ""], ["王五", "男", "2017-01-01", ""]],
                      sheet="二组", extra_sheets=extra)
    rosters, others = read_rosters(path, kind="flow")
    assert [r.sheet for r in rosters] == ["一组", "二组"] and others == [("说明", "没有找到登记表表头")]
    assert read_roster(path, kind="flow").sheet == "二组"
    assert read_roster(path, kind="flow", sheet="一组").frame.loc[2, "name"] == "张三"
    with pytest.raises(ReadError) as exc:
        read_roster(path, kind="flow", sheet="说明")
    assert exc.value.code == "file.no_header"


def test_csv_with_title_row_and_gbk(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["古路镇留守儿童名单"], ["序号", "姓名", "性别", "身份证号", "有无受委托照护人"],
                                          ["1", "张三", "男", "500112201503021218", "有"]], encoding="gbk")
    r = read_roster(path)
    assert r.header_rows == (2,) and r.frame.loc[3, "id_number"] == "500112201503021218" and r.ignored == [("A", "序号")]


# --- formats ------------------------------------------------------------------------------

def test_xlsm_is_read_like_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [["姓名", "性别", "出生日期", "民族"], ["张三", "男", "2015-01-01", "汉族"]])
    xlsm = tmp_path / "a.xlsm"
    xlsm.write_bytes(path.read_bytes())
    assert read_roster(xlsm, kind="flow").frame.loc[2, "name"] == "张三"


def test_web_page_saved_as_xls_is_read_with_its_merged_header(tmp_path):
    html = ('<html><head><meta charset="gbk"></head><body><table>'
            '<tr><td colspan="4">流动儿童花名册</td></tr>'
            '<tr><td rowspan="2">姓名</td><td rowspan="2">性别</td><td colspan="2">父亲</td></tr>'
            '<tr><td>姓名</td><td>身份证号码</td></tr>'
            '<tr><td>张三</td><td>男</td><td>张大山</td><td>500112198501011234</td></tr>'
            '</table></body></html>')
    path = tmp_path / "export.xls"
    path.write_bytes(html.encode("gbk"))
    r = read_roster(path, kind="flow")
    assert r.header_rows == (2, 3) and r.columns == {"name": "A", "sex": "B", "father_name": "C", "father_id": "D"}
    assert r.frame.loc[4, "father_id"] == "500112198501011234" and r.title == "流动儿童花名册"


def test_zip_that_is_not_a_workbook_is_not_a_spreadsheet(tmp_path):
    import zipfile

    path = tmp_path / "报告.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ReadError) as exc:
        read_roster(path)
    assert exc.value.code == "file.not_spreadsheet"


def test_read_error_message_names_the_file_and_is_its_str(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(ReadError) as exc:
        read_roster(path)
    assert str(exc.value) == exc.value.message and str(path) in exc.value.message and exc.value.path == str(path)


@pytest.mark.parametrize("value", ["€", "⑱", 0, -1.0, float("nan"), dt.time(8, 30), b"\x00"])
def test_cell_text_never_raises_on_junk(value):
    assert isinstance(readers.cell_text(value), str)


# --- examples ------------------------------------------------------------------------------

def test_example_street_roster_maps_synonyms_and_keeps_mistakes_visible():
    r = read_roster(EXAMPLES / "两路街道_流动儿童花名册.xlsx")
    assert (r.columns["birth_date"], r.columns["father_id"], r.columns["mother_phone"]) == ("D", "AB", "AF")
    assert r.ignored == [("A", "序号"), ("AI", "备注")] and r.title.endswith("花名册")
    assert r.frame.loc[16, "id_number"].endswith("e+17")  # typed as a number: digits lost, not fixed
    assert r.frame.loc[19, "hukou_registered"] == "本地户口"
    assert all(v == v.strip() for v in r.frame.to_numpy().ravel())


def test_example_xls_has_structured_addresses():
    r = read_roster(EXAMPLES / "大盛镇_流动儿童.xls")
    parts = {k for k in r.columns if k.startswith("hukou_address_")}
    assert parts == {"hukou_address_province", "hukou_address_city", "hukou_address_county", "hukou_address_detail"}
    assert r.frame["residence_province"].iloc[0] == "重庆市"


def test_example_paper_form_ticks_become_joined_options():
    r = read_roster(EXAMPLES / "木耳镇_留守儿童摸排表.xlsx")
    assert r.frame.loc[9, "health"] == "残疾、慢性病" and r.frame.loc[11, "family_hardship"] == "低保家庭"
    assert (r.unit, r.report_date) == ("木耳镇", "2026.9.30")


def test_header_merged_down_two_rows_is_one_header_without_a_phantom_blank_row(tmp_path):
    rows = [[None] * 4, [None] * 4, ["张三", "男", "2015-01-01", "汉族"]]
    merges = [(0, c, 1, c, t) for c, t in enumerate(["姓名", "性别", "出生日期", "民族"])]
    r = read_roster(write_xlsx(tmp_path / "v.xlsx", rows, merges=merges), kind="flow")
    assert r.header_rows == (1, 2) and r.skipped_rows == [] and list(r.frame.index) == [3]


def test_workbook_with_only_empty_sheets_is_empty(tmp_path):
    path = write_xlsx(tmp_path / "e.xlsx", [])
    with pytest.raises(ReadError) as exc:
        read_roster(path)
    assert exc.value.code == "file.empty"


def test_factory_children_have_valid_generated_ids():
    from factories import (
        REGION_CODES,
        birth_for_age,
        children,
        valid_id,
        wrong_check_digit,
    )

    from xltools.core import idcard

    rows = children(20, "left", seed=7)
    assert all(idcard.is_valid(r["id_number"], AS_OF) for r in rows)
    assert len({r["id_number"] for r in rows}) == 20
    for code in REGION_CODES:
        number = valid_id(code, birth_for_age(16), male=False, seq=3)
        assert idcard.is_valid(number, AS_OF) and idcard.get_sex(number) == "女"
        assert not idcard.is_valid(wrong_check_digit(number), AS_OF)
    assert birth_for_age(16, dt.date(2028, 2, 29)) == dt.date(2012, 2, 29)


def test_excel_unicode_text_export_utf16_with_tabs_is_read(tmp_path):
    path = tmp_path / "名单.txt"
    path.write_bytes("姓名\t性别\t出生日期\t身份证号\r\n张三\t男\t2015-01-01\t500112201503021218\r\n".encode("utf-16"))
    r = read_roster(path, kind="flow")
    assert r.frame.loc[2, "id_number"] == "500112201503021218" and r.sheet == ""


def test_examples_are_what_the_script_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES.parent / "scripts" / "make_examples.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    writers = {"两路街道_流动儿童花名册.xlsx": script.lianglu_flow, "古路镇_留守儿童.csv": script.gulu_left,
               "木耳镇_留守儿童摸排表.xlsx": script.muer_left, "大盛镇_流动儿童.xls": script.dasheng_flow}
    stale = []
    for name, write in writers.items():
        write(tmp_path / name)
        if (tmp_path / name).read_bytes() != (EXAMPLES / name).read_bytes():
            stale.append(name)
    assert stale == [], "examples/ 已过期，请运行 python scripts/make_examples.py"


@pytest.mark.parametrize("content", [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
                                     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 20])
def test_broken_old_excel_file_is_corrupt(tmp_path, content):
    path = tmp_path / "old.xls"
    path.write_bytes(content)
    with pytest.raises(ReadError) as exc:
        read_roster(path)
    assert exc.value.code == "file.corrupt"


@pytest.mark.parametrize("name", ["两路街道_流动儿童花名册.xlsx", "古路镇_留守儿童.csv"])
def test_damaged_copies_either_read_or_fail_with_a_read_error(tmp_path, name):
    import random

    rng = random.Random(11)
    data = (EXAMPLES / name).read_bytes()
    for i in range(30):
        b = bytearray(data)
        if i % 3 == 0:
            b = b[: rng.randrange(len(b))]
        elif i % 3 == 1:
            for _ in range(rng.randrange(1, 20)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        else:
            at = rng.randrange(len(b))
            b[at:at + 200] = bytes(rng.randrange(256) for _ in range(200))
        path = tmp_path / f"{i}{Path(name).suffix}"
        path.write_bytes(bytes(b))
        try:
            read_roster(path)
        except ReadError as exc:
            assert exc.code in ("file.corrupt", "file.too_large", "file.not_spreadsheet", "file.no_header", "file.empty")

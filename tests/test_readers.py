"""Reading rosters as townships send them: headers found, columns mapped, rows as text."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pytest
import xlsxwriter

from xltools import readers, synthetic
from xltools.readers import ReadError, read_roster, read_rosters

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AS_OF = dt.date(2026, 9, 30)


def child(kind="flow", seed=0, structured=False):
    return synthetic.child(random.Random(seed), kind, "chongqing", AS_OF, structured=structured)


def write_xlsx(path, rows_of_cells, merges=(), numbers=()):
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("花名册")
    for (r0, c0, r1, c1, text) in merges:
        ws.merge_range(r0, c0, r1, c1, text)
    for r, row in enumerate(rows_of_cells):
        for c, v in enumerate(row):
            if v is None:
                continue
            if (r, c) in numbers:
                ws.write_number(r, c, v)
            elif isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, wb.add_format({"num_format": "yyyy-mm-dd"}))
            else:
                ws.write_string(r, c, str(v))
    wb.close()
    return path


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
    r = read_roster(write_xlsx(tmp_path / "b.xlsx", rows, merges), kind="flow")
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
    r = read_roster(write_xlsx(tmp_path / "d.xlsx", rows, merges), kind="flow")
    assert r.columns["hukou_address_county"] == "E"
    assert r.frame.loc[3, "hukou_address_province"] == "四川省" and r.header_rows == (1, 2)


def test_one_column_per_option_ticked_becomes_one_value(tmp_path):
    rows = [[None] * 7, [None, None, "健康", "残疾", "重病", "慢性病", "心理/行为异常"],
            ["张三", "男", "", "√", "", "✓", ""], ["李四", "女", "√", "", "", "", ""]]
    merges = [(0, 0, 1, 0, "姓名"), (0, 1, 1, 1, "性别"), (0, 2, 0, 6, "健康状况")]
    r = read_roster(write_xlsx(tmp_path / "e.xlsx", rows, merges), kind="left")
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

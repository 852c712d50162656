"""The per-child 登记表: printed from the schema, prefilled from a roster, read back as input."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from docx import Document

from xltools.ops import merge, templates
from xltools.workbooks import readers, rosterread
from xltools.core import synthetic
from xltools.workbooks.check import check_file
from xltools.cli.commands import main
from xltools.ops.forms import prefill as pf
from xltools.ops.forms.layout import layout
from xltools.workbooks.formread import read_ticks
from xltools.ops.forms.xlsxform import write_workbook
from xltools.ops.forms.docxform import write_document
from xltools.core.profiles import load
from xltools.core.schema import FORM_LAYOUT, FORM_TITLES, FORM_WRITTEN_CHOICES, KINDS

import factories

AS_OF = factories.AS_OF
PROFILES = ("national", "chongqing")


def kids(n, kind, profile, seed=0):
    """Made-up children, every other one with structured addresses (省/市/县/详细地址)."""
    rng = random.Random(seed)
    return [synthetic.child(rng, kind, profile, AS_OF, structured=bool(i % 2)) for i in range(n)]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# --- the form as the schema declares it ---------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_layout_places_every_field_of_the_form_and_nothing_else(kind):
    form = load("national").form(kind)
    placed = [k for _, lines in FORM_LAYOUT[kind] for line in lines for k in line]
    others = {f.key for f in form if f.companion_of and form[f.companion_of].other_option}
    assert sorted(placed) == sorted(f.key for f in form if f.key not in others)
    cells = layout(kind, "national").cells
    answer_keys = {c.key for c in cells if c.answer}
    assert others <= answer_keys  # 其他____ blanks are answer cells of their own


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_printed_option_has_a_box_and_no_cell_overlaps(kind, profile):
    lay = layout(kind, profile)
    form = load(profile).form(kind)
    ticks = {(c.key, c.option) for c in lay.cells if c.role == "tick"}
    for f in form:
        if f.is_choice and f.key not in FORM_WRITTEN_CHOICES:
            assert {(f.key, o) for o in f.options} <= ticks, f.key
    seen = {}
    for c in lay.cells:
        for r in range(c.row, c.row + c.rows):
            for col in range(c.col, c.col + c.cols):
                assert (r, col) not in seen, (c, seen[(r, col)])
                seen[(r, col)] = c
    texts = {c.text for c in lay.cells}
    assert FORM_TITLES[kind] in texts and "填表人：" in texts and "审核人：" in texts
    assert "填报单位：" in texts and "填报日期：" in texts


def test_profiles_print_their_own_wording():
    cq = {c.text for c in layout("flow", "chongqing").cells}
    nat = {c.text for c in layout("flow", "national").cells}
    assert "已参保" in cq and "已参保" not in nat          # 000: 纳入医保情况 已参保/未参保
    assert "纳入户籍地医保" in nat and "省（自治区、直辖市）" in nat


# --- roster → forms → roster ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("profile", PROFILES)
def test_roster_to_forms_and_back_is_the_identity_on_every_field(tmp_path, fmt, kind, profile):
    rows = kids(4, kind, profile, seed=len(kind) + len(profile))
    rows[0]["health"], rows[0]["disability_type"] = "残疾、慢性病", "多重残疾"
    rows[0]["disability_multi"], rows[0]["disability_grade"] = "视力残疾、听力残疾", "二级"
    rows[1]["family_hardship"], rows[1]["family_hardship_other"] = "其他", "因病致贫"
    rows[1]["living_support"], rows[1]["living_support_other"] = "低保、其他", "临时救助"
    if kind == "left":
        rows[2]["caregiver_relation"], rows[2]["caregiver_relation_other"] = "其他", "姑姑"
    path = tmp_path / f"forms.{fmt}"
    children = [(r["name"], r, "") for r in rows]
    (write_workbook if fmt == "xlsx" else write_document)(path, layout(kind, profile), children)
    rosters, others = readers.read_rosters(path, profile=load(profile))
    assert others == [] and len(rosters) == len(rows)
    keys = [k for k, _, _ in load(profile).form(kind).columns()]
    for sent, got in zip(rows, rosters):
        back = got.frame.iloc[0].to_dict()
        assert {k: back.get(k, "") for k in sent} == sent
        assert {k: back.get(k, "") for k in keys if k not in sent} == {k: "" for k in keys if k not in sent}
        assert got.kind == kind and got.shape == "form" and got.issues == []
    assert [r.sheet for r in rosters] == ([r["name"] for r in rows] if fmt == "xlsx"
                                         else ["表格1", "表格2", "表格3", "表格4"])


def test_blank_xlsx_form_lets_only_the_answer_cells_be_typed(tmp_path):
    path = pf.blank(tmp_path / "blank.xlsx", kind="流动", profile="chongqing")
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws.protection.sheet
    lay = layout("flow", "chongqing")
    for c in lay.cells:
        cell = ws.cell(c.row + 1, c.col + 1)
        typed = c.answer or (c.role == "fill" and c.row > lay.table_rows[1])  # answers, 填表人/审核人
        assert cell.protection.locked is (not typed), c
        if c.role == "tick":
            assert cell.value == "☐"
    assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and all("☑" in dv.formula1 for dv in lists)


def test_issues_of_a_filled_xlsx_form_point_at_the_answer_cell_not_at_a_roster_column(tmp_path):
    # A 儿童主任 fills the blank form by hand; "第4行 J列" for an ID typed in J6 sends her to the
    # 姓名, and a field left blank has no cell of its own to point at.
    path = pf.blank(tmp_path / "blank.xlsx", kind="流动", profile="chongqing")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    lay = layout("flow", "chongqing")
    answer = {c.key: c for c in lay.cells if c.role == "value" and c.answer}
    ws.cell(answer["name"].row + 1, answer["name"].col + 1, "郑可欣")
    bad_id = synthetic.make_id(random.Random(1), "500112", dt.date(2016, 4, 18), False)
    bad_id = bad_id[:-1] + ("1" if bad_id[-1] != "1" else "2")  # a wrong check digit
    ws.cell(answer["id_number"].row + 1, answer["id_number"].col + 1, bad_id)
    wb.save(tmp_path / "filled.xlsx")
    report = check_file(tmp_path / "filled.xlsx", profile="chongqing", as_of=dt.date(2026, 9, 30)).report
    id_issue = next(i for i in report.issues if i.field == "id_number")
    cell = answer["id_number"]
    assert (id_issue.row, id_issue.column) == (cell.row + 1, openpyxl.utils.get_column_letter(cell.col + 1))
    blank = next(i for i in report.issues if i.field == "schooling")
    assert blank.code == "field.required" and (blank.row, blank.column) == (None, "")


def test_blank_form_named_docx_is_a_word_document_and_a_clashing_format_is_refused(tmp_path):
    # A newcomer writes -o 空白登记表.docx without --format: she must get Word, not an .xlsx so named
    res = run("form", "--blank", "--kind", "流动", "--profile", "chongqing", "-o", tmp_path / "空白登记表.docx")
    assert res.exit_code == 0, res.output
    assert Document(tmp_path / "空白登记表.docx").tables
    res = run("form", "--blank", "--kind", "流动", "--format", "xlsx", "-o", tmp_path / "b.docx")
    assert res.exit_code == 2 and "--format" in res.output and ".docx" in res.output
    assert not (tmp_path / "b.docx").exists()


def test_blank_form_reads_back_as_no_child(tmp_path):
    path = pf.blank(tmp_path / "blank.docx", kind="留守", fmt="docx")
    rosters, others = readers.read_rosters(path)
    assert rosters == [] and others


# --- forms as people fill them --------------------------------------------------------------

def write_sheets(path, sheets):
    """Sheets of hand-drawn forms: (name, rows, merges (r0, c0, r1, c1)) — what a village makes."""
    wb = xlsxwriter.Workbook(path)
    for name, rows, merges in sheets:
        ws = wb.add_worksheet(name)
        starts = {(m[0], m[1]): m for m in merges}
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if (r, c) in starts:
                    r0, c0, r1, c1 = starts[(r, c)]
                    ws.merge_range(r0, c0, r1, c1, v)
                elif v != "":
                    ws.write_string(r, c, v)
    wb.close()
    return path


def paper_form(mark="☑", *, name="张小明", id_number=None, extra_row=False, guardianship=None):
    """The national 附件1 as a village retypes it in Excel: options with boxes after them in
    one cell, 居住登记 in separate cells, a date in three cells, 父亲/母亲 side by side."""
    idn = id_number or factories.valid_id("510107", dt.date(2015, 3, 2), seq=7)
    rows = [
        ["流动儿童基本情况登记表"],
        ["填报单位：古路镇乌牛村（盖章）", "", "", "", "填报日期：2026年9月28日"],
        ["儿童基本信息", "姓名", name, "性别", "男"],
        ["", "出生日期", "2015", "年", "3", "月", "2", "日"],
        ["", "民族", "汉族", "是否登记户口", f"是{mark} 否□"],
        ["", "公民身份号码", idn],
        ["", "户籍地址", "四川省成都市武侯区簇锦街道1号"],
        ["", "现居住地", "省", "重庆市", "区(县)", "渝北区", "详细地址", "古路镇乌牛村3组"],
        ["", "共同居住人", f"父母双方{mark} 父母一方□ 其他监护人□"],
        ["", "居住登记", "办理居住证", "□", "暂住登记", mark, "未登记", "□"],
        ["", "居住类型", "出租房屋"],
        ["", "离开户籍地日期", "2019年5月1日", "来现居住地日期", "2019/5/3"],
        ["", "监护情况", guardianship or f"较好{mark} 一般□ 较差□"],
        ["", "就学情况", f"学龄前□ 小学{mark} 初中□ 高中□"],
        ["", "健康状况", f"健康□ 残疾{mark} 重病□ 慢性病{mark} 心理/行为异常□"],
        ["父母基本信息", "父亲", "张大山", "母亲", "李小花"],
        ["", "公民身份号码", factories.valid_id("510107", dt.date(1986, 1, 1), seq=3),
         "公民身份号码", factories.valid_id("510107", dt.date(1988, 2, 2), male=False, seq=4)],
        ["", "联系方式", "13800001111", "联系方式", "13900002222"],
        ["家庭生活情况", "家庭困难情况", f"无□ 低保家庭□ 其他（因病）{mark}"],
        ["", "生活保障情况", f"无{mark} 低保□"],
        ["填表人：王五", "", "审核人：赵六"],
    ]
    if extra_row:
        rows.insert(11, ["", "备注（村里加的）", "租住亲戚家，2024年搬来"])
    return rows


@pytest.mark.parametrize("mark", ["☑", "■", "√", "✓", "✔"])
def test_ticks_of_every_kind_read_back(tmp_path, mark):
    path = write_sheets(tmp_path / "村里的表.xlsx", [("张小明", paper_form(mark), [(2, 0, 14, 0)])])
    r = readers.read_roster(path, profile=load("national"))
    row = r.frame.iloc[0]
    assert r.shape == "form" and r.kind == "flow"
    assert (row["hukou_registered"], row["co_residents"], row["residence_registration"]) == ("是", "父母双方", "暂住登记")
    assert (row["guardianship"], row["schooling"], row["health"]) == ("较好", "小学", "残疾、慢性病")
    assert (row["family_hardship"], row["family_hardship_other"], row["living_support"]) == ("其他", "因病", "无")


def test_a_paper_form_typed_into_excel_reads_every_field_it_has(tmp_path):
    path = write_sheets(tmp_path / "村里的表.xlsx", [("张小明", paper_form(extra_row=True), [])])
    r = readers.read_roster(path, profile=load("national"))
    row = r.frame.iloc[0].to_dict()
    assert (r.unit, r.report_date) == ("古路镇乌牛村", "2026-09-28")                 # （盖章） is print
    assert (row["name"], row["sex"], row["ethnicity"]) == ("张小明", "男", "汉族")
    assert row["birth_date"] == "2015-03-02"                                # 2015 | 年 | 3 | 月 | 2 | 日
    assert (row["left_hukou_date"], row["arrival_date"]) == ("2019-05-01", "2019-05-03")
    assert row["housing_type"] == "出租房屋"                                  # written, not ticked
    assert row["hukou_address"] == "四川省成都市武侯区簇锦街道1号"            # one text
    assert (row["residence_province"], row["residence_county"], row["residence_detail"]) == \
        ("重庆市", "渝北区", "古路镇乌牛村3组")
    assert (row["father_name"], row["mother_name"]) == ("张大山", "李小花")  # side by side
    assert row["father_id"].startswith("510107198601") and row["mother_id"].startswith("510107198802")
    assert (row["father_phone"], row["mother_phone"]) == ("13800001111", "13900002222")
    assert r.frame.index[0] == 3                                             # the row of 姓名


def test_labels_above_their_values_are_read(tmp_path):
    idn = factories.valid_id("500112", dt.date(2014, 6, 1), seq=9)
    rows = [["留守儿童基本情况登记表"],
            ["儿童基本信息"],
            ["姓名", "性别", "出生日期", "公民身份号码"],
            ["刘一", "女", "2014-06-01", idn],
            ["父母双方同时外出", "父母一方外出、另一方无监护能力"],
            ["是☑ 否□", "是□ 否☑"],
            ["父母基本信息"], ["父亲", "母亲"], ["刘二", "陈三"],
            ["有无受委托照护人"], ["有☑ 无□"]]
    r = readers.read_roster(write_sheets(tmp_path / "竖排.xlsx", [("刘一", rows, [])]))
    row = r.frame.iloc[0]
    assert (row["name"], row["sex"], row["birth_date"], row["id_number"]) == ("刘一", "女", "2014-06-01", idn)
    assert (row["both_parents_away"], row["one_parent_incapable"]) == ("是", "否")
    assert (row["father_name"], row["mother_name"], row["has_caregiver"]) == ("刘二", "陈三", "有")


def test_word_form_with_merged_cells_reads_back(tmp_path):
    doc = Document()
    doc.add_paragraph("留守儿童基本情况登记表")
    doc.add_paragraph("填报单位：两路街道双龙社区        填报日期：2026年9月29日")
    t = doc.add_table(rows=8, cols=5)
    cells = [["儿童基本信息", "姓名", "周小雨", "性别", "女"],
             ["", "出生日期", "2016年7月8日", "民族", "土家族"],
             ["", "公民身份号码", factories.valid_id("500112", dt.date(2016, 7, 8), male=False, seq=5), "", ""],
             ["", "监护情况", "较好□ 一般☑ 较差□", "", ""],
             ["父母基本信息", "父亲", "周大", "母亲", "吴二"],
             ["", "联系方式", "13811112222", "联系方式", "13922223333"],
             ["", "父母双方同时外出", "是☑ 否□", "", ""],
             ["委托照护状况", "与儿童关系", "☐爷爷 ☐奶奶 ☑其他：姑妈", "", ""]]
    for r, row in enumerate(cells):
        for c, v in enumerate(row):
            if v:
                t.cell(r, c).text = v
    t.cell(0, 0).merge(t.cell(3, 0))          # the section cells run down the left
    t.cell(4, 0).merge(t.cell(6, 0))
    for r in (2, 3, 6, 7):                     # answers across the rest of the row
        t.cell(r, 2).merge(t.cell(r, 4))
    path = tmp_path / "社区的表.docx"
    doc.save(path)
    rosters, others = readers.read_rosters(path, profile=load("chongqing"))
    assert len(rosters) == 1 and others == []
    r = rosters[0]
    row = r.frame.iloc[0]
    assert (r.kind, r.sheet, r.unit, r.report_date) == ("left", "表格1", "两路街道双龙社区", "2026-09-29")
    assert (row["name"], row["birth_date"], row["ethnicity"], row["guardianship"]) == \
        ("周小雨", "2016-07-08", "土家族", "一般")
    assert (row["father_name"], row["mother_phone"], row["both_parents_away"]) == ("周大", "13922223333", "是")
    assert (row["caregiver_relation"], row["caregiver_relation_other"]) == ("其他", "姑妈")


def test_a_word_form_split_over_two_tables_is_one_child(tmp_path):
    rows = kids(1, "flow", "national", seed=5)
    path = write_document(tmp_path / "a.docx", layout("flow", "national"), [(rows[0]["name"], rows[0], "")])
    doc = Document(path)
    tbl = doc.tables[0]._tbl
    trs = tbl.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tr")
    second = __import__("copy").deepcopy(tbl)
    for tr in second.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tr")[:len(trs) // 2]:
        second.remove(tr)
    for tr in trs[len(trs) // 2:]:
        tbl.remove(tr)
    tbl.addnext(second)
    doc.save(tmp_path / "b.docx")
    rosters, _ = readers.read_rosters(tmp_path / "b.docx", profile=load("national"))
    assert len(rosters) == 1
    back = rosters[0].frame.iloc[0].to_dict()
    assert {k: back.get(k, "") for k in rows[0]} == rows[0]


def test_text_instead_of_ticks_and_blank_boxes():
    opts = ("较好", "一般", "较差")
    assert read_ticks("一般", opts).chosen == ["一般"]
    assert read_ticks("较好□ 一般□ 较差□", opts).chosen == []
    assert read_ticks("较好 一般 较差", opts).chosen == []        # the printed list, nothing marked
    assert read_ticks("较好□ 一般□ 较差□  较差", opts).chosen == ["较差"]
    assert read_ticks("☑ 较好 ☐ 一般 ☐ 较差", opts).chosen == ["较好"]   # marks in cells before
    assert read_ticks("无□ 视力残疾□ 多重残疾☑(多重残疾的需列明多个具体残疾类别", ("无", "视力残疾", "多重残疾")).chosen \
        == ["多重残疾"]
    assert read_ticks("在户籍地接受□ 在居住地接受□ 未接受☑", ("在户籍地接受", "在居住地接受", "未接受")).chosen == ["未接受"]


def test_two_ticks_in_a_single_choice_are_an_issue_not_a_guess(tmp_path):
    path = write_sheets(tmp_path / "表.xlsx", [("张小明", paper_form(guardianship="较好☑ 一般□ 较差☑"), [])])
    checked = check_file(path, profile="national", as_of=AS_OF)
    found = [i for i in checked.report.issues if i.code == "form.tick_ambiguous"]
    assert len(found) == 1 and found[0].field == "guardianship"
    assert "较好、较差" in found[0].message and "只能选一项" in found[0].message
    assert checked.roster.frame.iloc[0]["guardianship"] == "较好、较差"


def test_a_tick_contradicting_written_text_is_an_issue(tmp_path):
    path = write_sheets(tmp_path / "表.xlsx", [("张小明", paper_form(guardianship="较好☑ 一般□ 较差□ 较差"), [])])
    checked = check_file(path, profile="national", as_of=AS_OF)
    found = [i for i in checked.report.issues if i.code == "form.tick_conflict"]
    assert len(found) == 1 and "矛盾" in found[0].message and found[0].row == 13


# --- merge, validate and the CLI -------------------------------------------------------------

def test_merge_of_a_folder_mixing_forms_and_rosters_accounts_for_every_child(tmp_path):
    d = tmp_path / "收件"
    d.mkdir()
    roster_kids = kids(5, "flow", "chongqing", seed=1)
    templates.build_template(d / "花名册.xlsx", "flow", "chongqing", "两路街道双龙社区", rows=20,
                             report_date=AS_OF, data=roster_kids)
    excel_kids, word_kids = kids(3, "flow", "chongqing", seed=2), kids(2, "flow", "chongqing", seed=3)
    for r in excel_kids + word_kids:
        r["unit"] = "古路镇乌牛村"
    write_workbook(d / "乌牛村登记表.xlsx", layout("flow", "chongqing"), [(r["name"], r, "") for r in excel_kids])
    write_document(d / "乌牛村登记表.docx", layout("flow", "chongqing"), [(r["name"], r, "") for r in word_kids])
    write_sheets(d / "手填.xlsx", [("张小明", paper_form(), [])])
    result = merge.merge([d], profile="chongqing", as_of=AS_OF, workers=0)
    ids = set(result.roster["id_number"])
    expected = {r["id_number"] for r in roster_kids + excel_kids + word_kids}
    assert expected <= ids and len(result.roster) == len(expected) + 1
    by_file = result.roster.groupby(result.roster["source_file"].map(lambda p: Path(p).name)).size().to_dict()
    assert by_file == {"花名册.xlsx": 5, "乌牛村登记表.xlsx": 3, "乌牛村登记表.docx": 2, "手填.xlsx": 1}
    word = result.roster[result.roster["source_file"].str.endswith(".docx")]
    assert sorted(word["source_sheet"]) == ["表格1", "表格2"] and set(word["village"]) == {"乌牛村"}
    assert all(f.status == "merged" for f in result.files)


def test_merge_screen_says_forms_are_read_by_their_fields_not_that_they_used_no_column(tmp_path):
    d = tmp_path / "收件"
    d.mkdir()
    excel_kids = kids(2, "flow", "chongqing", seed=2)
    write_workbook(d / "乌牛村登记表.xlsx", layout("flow", "chongqing"), [(r["name"], r, "") for r in excel_kids])
    res = run("merge", d, "-o", tmp_path / "花名册.xlsx", "--profile", "chongqing", "--as-of", AS_OF.isoformat())
    assert res.exit_code in (0, 1), res.output
    assert "使用 0 列" not in res.output
    assert "乌牛村登记表.xlsx：登记表，按栏目读取" in res.output


def test_validate_takes_a_form_as_it_takes_a_roster(tmp_path):
    rows = kids(1, "left", "chongqing", seed=9)
    path = write_document(tmp_path / "登记表.docx", layout("left", "chongqing"), [(rows[0]["name"], rows[0], "")])
    res = run("validate", path, "--profile", "chongqing", "--as-of", AS_OF.isoformat())
    assert res.exit_code == 0, res.output
    assert "留守" in res.output
    # its fields are not a roster's columns: no "AH列父亲姓名" for a Word table
    assert "已读取的栏目：" in res.output and "已识别的列" not in res.output and "表头：—" not in res.output


def test_form_command_prints_one_file_per_village_prefilled_and_masked(tmp_path):
    src = tmp_path / "收件"
    src.mkdir()
    for town, unit, seed in (("两路街道", "两路街道双龙社区", 1), ("古路镇", "古路镇乌牛村", 2)):
        templates.build_template(src / f"{unit}.xlsx", "flow", "chongqing", unit, rows=10, report_date=AS_OF,
                                 data=kids(3, "flow", "chongqing", seed=seed))
    assert run("merge", src, "-o", tmp_path / "花名册.xlsx", "--profile", "chongqing",
               "--as-of", AS_OF.isoformat()).exit_code in (0, 1)
    res = run("form", tmp_path / "花名册.xlsx", "-o", tmp_path / "登记表", "--mask", "--as-of", AS_OF.isoformat())
    assert res.exit_code == 0, res.output
    assert "6 名儿童" in res.output and "已遮蔽" in res.output
    files = sorted(p.name for p in (tmp_path / "登记表").iterdir())
    assert files == ["两路街道双龙社区_流动儿童登记表.xlsx", "古路镇乌牛村_流动儿童登记表.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "登记表" / files[0])
    sheets = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert len(sheets) == 3
    texts = [str(c.value) for ws in sheets for row in ws.iter_rows() for c in row if c.value]
    assert any(re.fullmatch(r"\d{6}\*{8}\w{4}", t) for t in texts)            # masked IDs
    assert not any(re.fullmatch(r"\d{17}[\dX]", t) for t in texts)
    footers = sorted(t for t in texts if t.startswith("统计日期 2026-09-30"))
    book = rosterread.read(tmp_path / "花名册.xlsx").roster
    village = book[book["village"] == "双龙社区"]
    assert footers == sorted(pf.footer_text(AS_OF, a, c) for a, c in zip(village["age"], village["category"]))
    assert all("周岁" in t for t in footers)
    assert sum(t == "☑" for t in texts) > 3 * 10                               # last quarter's ticks


def test_form_command_blank_and_per_child(tmp_path):
    res = run("form", "--blank", "--kind", "留守", "--profile", "chongqing", "-o", tmp_path / "空白.docx",
              "--format", "docx")
    assert res.exit_code == 0 and (tmp_path / "空白.docx").exists()
    assert run("form", "--blank", "-o", tmp_path / "x.xlsx").exit_code == 2   # --kind is required
    roster = factories.write_xlsx(tmp_path / "村花名册.xlsx", [
        ["姓名", "性别", "出生日期", "公民身份号码", "共同居住人", "填报单位"],
        ["王一", "男", "2015-01-01", factories.valid_id(), "父母双方", "古路镇乌牛村"],
        ["王二", "女", "2016-01-01", factories.valid_id(male=False, seq=2), "父母一方", "古路镇乌牛村"]])
    res = run("form", roster, "-o", tmp_path / "每人", "--by", "儿童", "--kind", "流动")
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "每人").iterdir())) == 2


def test_pdf_without_libreoffice_says_so_plainly(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pf.FormsError, match="没有找到 LibreOffice"):
        pf.blank(tmp_path / "a.pdf", kind="流动", fmt="pdf")
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_libreoffice_renders_each_kind_of_form_to_one_page_per_child(tmp_path, fmt):
    assert pf.soffice(), "LibreOffice is required (apt-get install libreoffice-calc libreoffice-writer)"
    for kind in KINDS:
        rows = kids(2, kind, "chongqing", seed=4)
        src = (write_workbook if fmt == "xlsx" else write_document)(
            tmp_path / f"{kind}.{fmt}", layout(kind, "chongqing"), [(r["name"], r, "页脚") for r in rows])
        pdf = pf.to_pdf(src, tmp_path / "pdf")
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
        assert pages == 2, (kind, fmt, pages)


def test_prefill_writes_pdf_where_libreoffice_is_present(tmp_path):
    assert pf.soffice(), "LibreOffice is required"
    path = pf.blank(tmp_path / "空白.pdf", kind="流动", profile="national", fmt="pdf")
    assert path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
        assert "流动儿童基本情况登记表" in text and "纳入户籍地医保" in text


def test_docstring_examples_of_the_form_reader_pass():
    import doctest

    from xltools.workbooks import formread as read

    result = doctest.testmod(read, report=True)
    assert result.attempted > 0 and result.failed == 0


def test_an_xls_workbook_of_forms_gives_one_child_per_sheet(tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for name in ("张小明", "张小红"):
        ws = book.add_sheet(name)
        for r, row in enumerate(paper_form(name=name)):
            for c, v in enumerate(row):
                if v:
                    ws.write(r, c, v)
    book.save(str(tmp_path / "两个孩子.xls"))
    rosters, others = readers.read_rosters(tmp_path / "两个孩子.xls", profile=load("national"))
    assert [(r.sheet, r.frame.iloc[0]["name"], r.frame.iloc[0]["guardianship"]) for r in rosters] == \
        [("张小明", "张小明", "较好"), ("张小红", "张小红", "较好")]


def test_a_form_open_in_excel_is_read_from_its_values_alone():
    rows = kids(1, "flow", "national", seed=11)
    lay = layout("flow", "national")
    from xltools.ops.forms.layout import answer
    grid = [[""] * 48 for _ in range(lay.nrows)]
    for c in lay.cells:
        grid[c.row][c.col] = answer(c, rows[0]) if c.answer else c.text
    r = readers.read_grid(grid, name="登记表")           # what the add-in passes: values, no merges
    back = r.frame.iloc[0].to_dict()
    assert r.shape == "form" and {k: back.get(k, "") for k in rows[0]} == rows[0]


def test_a_short_roster_with_the_forms_title_is_still_read_as_a_roster(tmp_path):
    rows = kids(6, "flow", "chongqing", seed=12)
    for r in rows:
        r["co_residents"] = "其他监护人"          # an option that is also a label of the form
    keys = ["name", "sex", "birth_date", "id_number", "co_residents", "guardian_name", "guardian_phone"]
    from xltools.core.textreport import column_title
    grid = [["流动儿童基本情况登记表"], ["填报单位：古路镇乌牛村"], [column_title("flow", k) for k in keys]]
    grid += [[r.get(k, "") or "某某" for k in keys] for r in rows]
    r = readers.read_roster(factories.write_xlsx(tmp_path / "花名册.xlsx", grid))
    assert r.shape == "roster" and len(r.frame) == 6 and list(r.frame["co_residents"]) == ["其他监护人"] * 6


def test_a_blank_xlsx_form_is_no_child(tmp_path):
    path = pf.blank(tmp_path / "空白.xlsx", kind="流动", profile="chongqing")
    rosters, others = readers.read_rosters(path, profile=load("chongqing"))
    assert rosters == [] and len(others) == 1

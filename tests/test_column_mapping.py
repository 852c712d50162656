"""A township's own words for the form's fields are understood, and what is not is said.

Issue 11, case 1: a township sheet headed 医保, 户口登记, 居住证办理, 与谁同住, 村（社区）
with a 填报时间 line must give the real numbers in 统计, each child its 村社区, and
the file its date — and a column the tool does not know is shown, never silently blank.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
from click.testing import CliRunner

from factories import child, township_workbook
from xltools.ops import merge
from xltools.core import profiles
from xltools.workbooks import readers, settings
from xltools.cli.commands import main

TOWNSHIP_WORDS = {"medical_insurance": "医保", "hukou_registered": "户口登记",
                  "residence_registration": "居住证办理", "co_residents": "与谁同住",
                  "hukou_address": "户籍地址（省市县）"}
REGISTRATION = ["办理居住证", "办理居住证", "办理居住证", "暂住登记", "未登记"]
VILLAGES = ["双龙社区", "双龙社区", "空港社区", "空港社区", "空港社区"]


def township_children():
    rows = []
    for i, (reg, village) in enumerate(zip(REGISTRATION, VILLAGES)):
        c = child("flow", seed=40 + i, residence_registration=reg)
        rows.append({"village": village, **c})
    return rows


def write_township(path, *, headers=TOWNSHIP_WORDS, date_line="填报时间：2026年9月29日"):
    lines = ["两路街道流动儿童花名册", "填报单位：两路街道"] + ([date_line] if date_line else [])
    return township_workbook(path, township_children(), headers=headers, lines=lines)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def stats_rows(path):
    """统计 as {table title: {first cell: row}} (rows as tuples of the cells after the first)."""
    ws = openpyxl.load_workbook(path)["统计"]
    out, title = {}, None
    for row in ws.iter_rows(values_only=True):
        cells = [c for c in row if c is not None]
        if len(cells) == 1 and isinstance(cells[0], str):
            title = cells[0]
            out[title] = {}
        elif cells and title:
            out[title][row[0]] = row[1:]
    return out


def total(table: dict, label: str) -> int:
    header = table["项目"]
    return table[label][header.index("合计")]


def test_township_words_for_fields_give_the_real_numbers_in_statistics(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    write_township(inbox / "两路街道.xlsx")
    out = tmp_path / "花名册.xlsx"
    res = run("merge", inbox, "-o", out, "--profile", "chongqing", "--json", tmp_path / "r.json")
    assert res.exit_code == 0, res.output
    st = stats_rows(out)
    insurance, registration = st["纳入医保情况"], st["居住登记"]
    assert total(insurance, "已参保") == 5 and total(insurance, "未填写") == 0
    assert [total(registration, o) for o in ("办理居住证", "暂住登记", "未登记", "未填写")] == [3, 1, 1, 0]
    roster = openpyxl.load_workbook(out)["花名册"]
    header = [c.value for c in roster[1]]
    got = [(r[header.index("镇街")], r[header.index("村社区")]) for r in roster.iter_rows(min_row=2, values_only=True)]
    assert sorted(got) == sorted(("两路街道", v) for v in VILLAGES)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    f = report["files"][0]
    assert (f["as_of"], f["as_of_source"]) == ("2026-09-29", "填报日期")
    used = {c["header"]: c["field"] for c in f["columns"]}
    assert used["医保"] == "纳入医保情况" and used["居住证办理"] == "居住登记" and used["与谁同住"] == "共同居住人"
    assert used["户口登记"] == "是否登记户口" and used["村（社区）"] == "村社区" and used["户籍地址（省市县）"] == "户籍地址"
    assert not [i for i in report["issues"] if i["code"] in ("field.missing_column", "sheet.no_report_date")]


def test_every_column_used_and_unused_is_listed_per_file_on_screen_and_in_the_workbook(tmp_path):
    rows = [{"seq": str(i + 1), **r} for i, r in enumerate(township_children())]
    township_workbook(tmp_path / "t.xlsx", rows, headers={**TOWNSHIP_WORDS, "seq": "序号"},
                      lines=["填报单位：两路街道", "填报日期：2026-09-29"])
    out = tmp_path / "花名册.xlsx"
    res = run("merge", tmp_path / "t.xlsx", "-o", out, "--profile", "chongqing")
    assert "未使用 1 列：A列“序号”" in res.output
    ws = openpyxl.load_workbook(out)["列对应"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[2]]
    by_header = {r[3]: r[4] for r in rows}
    assert by_header["序号"] == "未使用" and by_header["医保"] == "纳入医保情况"
    assert len(rows) == len(child("flow", seed=40)) + 2  # every field column, 村（社区）and 序号


def test_an_unknown_column_holding_a_fields_options_is_a_warning_not_a_silent_blank(tmp_path):
    write_township(tmp_path / "t.xlsx", headers={**TOWNSHIP_WORDS, "medical_insurance": "参保状态"})
    result = merge.merge([tmp_path / "t.xlsx"], profile="chongqing", workers=0)
    warned = [i for _, _, i in result.issues if i.code == "column.looks_like_field"]
    assert [(i.value, i.field) for i in warned] == [("参保状态", "medical_insurance")]
    assert "纳入医保情况" in warned[0].message and "xltools.toml" in warned[0].message


def test_a_district_teaches_its_own_header_in_xltools_toml_beside_the_inbox(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    write_township(inbox / "t.xlsx", headers={**TOWNSHIP_WORDS, "medical_insurance": "参保状态"})
    (tmp_path / "xltools.toml").write_text('profile = "chongqing"\n[synonyms]\n"参保状态" = "纳入医保情况"\n',
                                           encoding="utf-8")
    out = tmp_path / "花名册.xlsx"
    res = run("merge", inbox, "-o", out)
    assert res.exit_code == 0, res.output
    assert "重庆市（设置文件" in res.output
    assert total(stats_rows(out)["纳入医保情况"], "已参保") == 5


def test_a_profile_synonyms_table_is_used_by_the_readers():
    form = profiles.load("chongqing").form("flow")
    assert ("医保参保情况", "medical_insurance") in form.headers
    assert readers.match_header("医保参保情况", None, form) == "medical_insurance"
    assert readers.match_header("医保参保情况", None, profiles.load("national").form("flow")) is None


def test_a_synonym_naming_no_field_is_refused_in_chinese(tmp_path):
    (tmp_path / "xltools.toml").write_text('[synonyms]\n"参保状态" = "参保"\n', encoding="utf-8")
    try:
        settings.load(tmp_path / "xltools.toml")
    except settings.SettingsError as exc:
        assert "“参保”不是登记表的栏目" in str(exc)
    else:
        raise AssertionError("a synonym for no field was accepted")


def test_a_file_without_a_report_date_takes_the_other_files_date_and_says_so(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    write_township(inbox / "a.xlsx")
    write_township(inbox / "b.xlsx", date_line="")
    result = merge.merge([inbox], profile="chongqing", workers=0)
    dates = {a.path.split("/")[-1]: (a.as_of, a.as_of_source) for a in result.files}
    assert dates == {"a.xlsx": ("2026-09-29", "填报日期"), "b.xlsx": ("2026-09-29", "其他文件的填报日期")}
    missing = [(f.split("/")[-1], i.message) for f, _, i in result.issues if i.code == "sheet.no_report_date"]
    assert missing == [("b.xlsx", "未找到填报日期，按 2026-09-29（其他文件的填报日期）计算年龄和外出时长；"
                                  "请在表头写明“填报日期：年 月 日”。")]
    assert dt.date.today().isoformat() not in str(dates)


def test_the_screen_lists_each_files_date_when_they_differ(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    write_township(inbox / "a.xlsx")
    write_township(inbox / "b.xlsx", date_line="")
    res = run("merge", inbox, "-o", tmp_path / "o.xlsx", "--profile", "chongqing", "--as-of", "2026-09-30")
    assert "b.xlsx" in res.output and "未找到填报日期" in res.output
    res = run("merge", inbox, "-o", tmp_path / "p.xlsx", "--profile", "chongqing")
    assert "b.xlsx：2026-09-29（其他文件的填报日期）" in res.output


def test_village_comes_from_the_address_when_a_township_has_no_village_column(tmp_path):
    rows = township_children()
    for r, v in zip(rows, VILLAGES):
        del r["village"]
        r["residence"] = f"重庆市渝北区两路街道{v}兰馨大道2号"
    township_workbook(tmp_path / "t.xlsx", rows, headers=TOWNSHIP_WORDS, lines=["填报单位：两路街道"])
    result = merge.merge([tmp_path / "t.xlsx"], profile="chongqing", workers=0)
    assert sorted(result.roster["village"]) == sorted(VILLAGES)


def test_validate_warns_too_about_an_unused_column_that_looks_like_a_field(tmp_path):
    write_township(tmp_path / "t.xlsx", headers={**TOWNSHIP_WORDS, "medical_insurance": "参保状态"})
    report = json.loads(run("validate", tmp_path / "t.xlsx", "--profile", "chongqing", "--json").output)
    assert [(i["code"], i["column"], i["value"]) for i in report["issues"] if i["code"].startswith("column.")] == [
        ("column.looks_like_field", "V", "参保状态")]


def test_unit_and_report_time_on_one_line_above_the_header_are_both_found(tmp_path):
    township_workbook(tmp_path / "t.xlsx", township_children(), headers=TOWNSHIP_WORDS,
                      lines=["两路街道流动儿童花名册", "填报单位：两路街道    填报时间：2026年9月29日"])
    r = readers.read_roster(tmp_path / "t.xlsx", profile="chongqing")
    assert (r.unit, r.report_date) == ("两路街道", "2026年9月29日")
    for label in ("填表时间", "统计时间", "填报日期"):
        township_workbook(tmp_path / "u.xlsx", township_children(), headers=TOWNSHIP_WORDS, lines=[f"{label}：2026-09-29"])
        assert readers.read_roster(tmp_path / "u.xlsx").report_date == "2026-09-29", label


def test_our_templates_formula_columns_are_neither_data_nor_reported_unused(tmp_path):
    """年龄/类别/自动检查 in our template are computed by its formulas: 列对应 says so, the screen
    does not list them as unused columns, and no child's data comes from them."""
    from xltools.ops import templates

    path = templates.build_template(tmp_path / "村.xlsx", "flow", "chongqing", "两路街道双龙社区", rows=20,
                                    report_date=dt.date(2026, 9, 30),
                                    data=[child("flow", seed=s) for s in range(3)])
    (roster,), _ = readers.read_rosters(path, profile="chongqing")
    mapped = merge.column_map(roster, "flow", profiles.load("chongqing"))
    computed = [c for c in mapped if c["field"] == merge.TEMPLATE_COMPUTED_NOTE]
    assert [c["header"].split()[0] for c in computed] == ["年龄", "类别", "自动检查"]
    assert all(c["key"] == "" for c in computed)
    assert not [c for c in mapped if not c["key"] and not c["field"]]  # nothing left unexplained
    res = run("merge", path, "-o", tmp_path / "花名册.xlsx")
    assert "没有未使用的列" in res.output and "自动检查" not in res.output, res.output
    res = run("validate", path)
    assert "自动检查" not in res.output and "未使用的列" not in res.output, res.output

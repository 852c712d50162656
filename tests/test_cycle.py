"""The quarterly cycle, end to end through the CLI on generated children:

merge (Q1) → split --by 部门 → departments answer (two of our files filled in, a
department's own list in its own layout, a second list that contradicts ours, an
ID nobody knows) → reconcile → split --by 镇街 → merge (Q2) → diff.

Every sheet the cycle writes is read back and its rows and counts checked against
what the test itself put in.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from factories import valid_id, write_xlsx
from xltools.core import departments, profiles, synthetic
from xltools.workbooks import rosterread
from xltools.ops import templates
from xltools.cli.commands import main
from xltools.ops.reconcile import APPLIED, PENDING, R_NO_VALUE, R_NOT_FOUND
from xltools.ops.split import H_CORRECTION, H_RESULT, H_VALUE

PROFILE = "chongqing"
Q1, Q2 = dt.date(2026, 9, 30), dt.date(2026, 12, 31)
VILLAGES = (("两路街道", "双龙社区"), ("两路街道", "空港社区"), ("龙溪街道", "金龙社区"))
FORM = profiles.load(PROFILE).form("flow")


def _other(key: str, current: str, *avoid: str) -> str:
    """An option of the field other than the current value (and ``avoid``)."""
    return next(o for o in FORM[key].options if o not in (current, *avoid))


def _quarter(folder: Path, villages: dict, as_of: dt.date) -> Path:
    for (town, village), rows in villages.items():
        unit = f"{town}{village}"
        (folder / town).mkdir(parents=True, exist_ok=True)
        templates.build_template(folder / town / templates.template_name("flow", unit), "flow", PROFILE, unit,
                                 rows=len(rows) + 2, report_date=as_of, data=rows)
    return folder


def _run(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    return result


def _sheet(path, name) -> list[dict]:
    """A sheet whose first row is its header, as dicts (header → text)."""
    book = rosterread.readers._open(path, None)[1]
    header, rows = rosterread._rows(book, name)
    return rosterread._text_frame(header, rows).to_dict("records")


def _answer(path: Path, out: Path, answers: dict[tuple[str, str], tuple[str, str]], agree_all: tuple[str, ...] = ()):
    """Fill one of our department files as a department would: (child name, field key) → (核实结果, 更正值);
    children named in ``agree_all`` get 一致 for every field."""
    wb = openpyxl.load_workbook(path)
    ws = wb["核实"]
    top = [c.value for c in ws[3]]
    sub = [c.value for c in ws[4]]
    name_col = top.index("姓名")
    fields = {}
    for c, t in enumerate(top):
        for key in FORM.keys():
            if t == FORM[key].title and sub[c] == H_VALUE:
                fields[key] = c
    for r in range(5, ws.max_row + 1):
        name = ws.cell(r, name_col + 1).value
        for key, c in fields.items():
            assert sub[c + 1] == H_RESULT and sub[c + 2] == H_CORRECTION
            if (name, key) in answers:
                verdict, value = answers[(name, key)]
                ws.cell(r, c + 2).value = verdict
                ws.cell(r, c + 3).value = value or None
            elif name in agree_all:
                ws.cell(r, c + 2).value = departments.AGREE
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    base = tmp_path_factory.mktemp("cycle")
    rng = random.Random(7)
    q1 = {v: [synthetic.child(rng, "flow", PROFILE, Q1, township=v[0]) for _ in range(6)] for v in VILLAGES}
    kids = [k for rows in q1.values() for k in rows]
    for n, k in enumerate(kids):
        k["name"] = f"测试{'甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未'[n]}"
    X, Y, Z, W, V, P, Q, F, _, A, B, C = kids[:12]  # 0–11 live in 两路街道, 12–17 in 龙溪街道
    E = Q  # moves to 龙溪街道 next quarter
    A.update(birth_date="2010-11-15", sex="男", id_number=valid_id("510107", dt.date(2010, 11, 15), male=True),
             schooling="高中")  # 15 at Q1, 16 by Q2
    F["father_phone"] = "1380013800"  # a wrong phone number: an issue for 两路街道
    inputs1 = _quarter(base / "q1", q1, Q1)
    r = _run("merge", inputs1, "-o", base / "q1.xlsx", "--profile", PROFILE, "--kind", "流动", "--as-of", Q1)
    assert r.exit_code == 0, r.output

    r = _run("split", base / "q1.xlsx", "--by", "部门", "-o", base / "部门")
    assert r.exit_code == 0, r.output

    # the departments' answers
    s_new, ins_new = _other("schooling", X["schooling"], "失学"), _other("medical_insurance", X["medical_insurance"])
    v_ours = _other("schooling", V["schooling"], "失学")
    v_theirs = _other("schooling", V["schooling"], "失学", v_ours)
    p_new = _other("residence_registration", P["residence_registration"])
    answers = {(X["name"], "schooling"): (departments.DISAGREE, s_new),
               (Y["name"], "school_name"): (departments.DISAGREE, "两路街道实验小学"),
               (Z["name"], "schooling"): (departments.NOT_FOUND, ""),
               (W["name"], "study_status"): (departments.DISAGREE, "读书中"),
               (V["name"], "schooling"): (departments.DISAGREE, v_ours)}
    answered = tuple(k["name"] for k in kids if k is not kids[7] and k is not kids[8])
    back = base / "交回"
    _answer(base / "部门" / "教育_流动儿童核实表.xlsx", back / "教育_流动儿童核实表.xlsx", answers, answered)
    _answer(base / "部门" / "医保_流动儿童核实表.xlsx", back / "医保_流动儿童核实表.xlsx",
            {(X["name"], "medical_insurance"): (departments.DISAGREE, ins_new)})
    unknown_id = valid_id("500112", dt.date(2016, 5, 5), male=False, seq=77)
    write_xlsx(back / "区公安分局居住登记核实反馈.xlsx", [
        ["流动儿童居住登记情况核实反馈表", None, None, None, None],
        ["序号", "姓名", "身份证号", "核实意见", "更正后居住登记"],
        [1, P["name"], P["id_number"], "信息有误", p_new],
        [2, Q["name"], Q["id_number"], "核实无误", None],
        [3, "某某", unknown_id, "查无此人", None]], sheet="Sheet1")
    write_xlsx(back / "教育局补充核实.xlsx", [
        ["学生姓名", "身份证号码", "就学阶段"],
        [V["name"], V["id_number"], v_theirs]], sheet="Sheet1")
    r = _run("reconcile", base / "q1.xlsx", back, "-o", base / "q1_核实后.xlsx")
    reconcile_out = r

    r = _run("split", base / "q1_核实后.xlsx", "--by", "镇街", "-o", base / "镇街")
    assert r.exit_code == 0, r.output

    # next quarter: the villages corrected what was accepted; A turned 16 and is no longer listed,
    # B moved away, C went back to its 户籍地, E moved to 龙溪街道, D is new
    q2 = {v: [dict(k) for k in rows if k is not A and k is not B and k is not E] for v, rows in q1.items()}
    by_name = {k["name"]: k for rows in q2.values() for k in rows}
    by_name[X["name"]].update(schooling=s_new, medical_insurance=ins_new)
    by_name[Y["name"]].update(school_name="两路街道实验小学")
    by_name[P["name"]].update(residence_registration=p_new)
    c2 = by_name[C["name"]]
    for part in ("province", "city", "county", "detail"):
        c2[f"residence_{part}"] = c2[f"hukou_address_{part}"]
    D = synthetic.child(rng, "flow", PROFILE, Q2, township="龙溪街道")
    D["name"] = "测试新"
    E2 = dict(E, residence_detail="龙溪街道" + E["residence_detail"].split("街道", 1)[-1])
    q2[("龙溪街道", "金龙社区")] += [E2, D]
    _run("merge", _quarter(base / "q2", q2, Q2), "-o", base / "q2.xlsx", "--profile", PROFILE, "--kind", "流动",
         "--as-of", Q2)
    r = _run("diff", base / "q1_核实后.xlsx", base / "q2.xlsx", "-o", base / "变化.xlsx", "--as-of", Q2)
    assert r.exit_code == 0, r.output
    return dict(base=base, kids=kids, X=X, Y=Y, Z=Z, W=W, V=V, P=P, Q=Q, A=A, B=B, C=C, D=D, E=E, F=F,
                s_new=s_new, ins_new=ins_new, p_new=p_new, unknown_id=unknown_id, reconcile=reconcile_out,
                v_ours=v_ours, v_theirs=v_theirs)


# --- split by department --------------------------------------------------------------------

def test_department_file_holds_only_its_fields_and_what_finds_the_child(cycle):
    wb = openpyxl.load_workbook(cycle["base"] / "部门" / "教育_流动儿童核实表.xlsx")
    ws = wb["核实"]
    top = {c.value for c in ws[3]} - {None}
    titles = {FORM[k].title for k in departments.find("教育").fields}
    assert titles <= top
    assert not {FORM[k].title for k in ("medical_insurance", "father_phone", "father_id", "residence_registration",
                                        "health", "family_hardship")} & top
    assert {"姓名", "性别", "出生日期", "公民身份号码", "镇街", "村社区"} <= top
    assert ws.max_row - 4 == len(cycle["kids"])


def test_department_file_is_locked_except_the_answer_cells(cycle):
    wb = openpyxl.load_workbook(cycle["base"] / "部门" / "医保_流动儿童核实表.xlsx")
    ws = wb["核实"]
    assert ws.protection.sheet
    assert wb["_xltools"].sheet_state == "hidden"
    sub = [c.value for c in ws[4]]
    result_col = sub.index(H_RESULT) + 1
    value_col = result_col - 1
    assert ws.cell(5, value_col).protection.locked
    dv = [d for d in ws.data_validations.dataValidation if openpyxl.utils.get_column_letter(result_col) in str(d.sqref)]
    assert dv and dv[0].type == "list" and dv[0].formula1 == "核实结果"
    assert [c.value for c in wb["选项"]["A"]][:3] == list(departments.ANSWERS)
    # the answer cells take their format from their column: unlocked; the value column stays locked
    letter = openpyxl.utils.get_column_letter
    assert ws.column_dimensions[letter(result_col)].protection.locked is False
    assert ws.column_dimensions[letter(value_col)].protection.locked is True


def test_health_department_gets_only_children_up_to_6(cycle):
    rows = _sheet_rows(cycle["base"] / "部门" / "卫健_流动儿童核实表.xlsx")
    roster = rosterread.read(cycle["base"] / "q1.xlsx").roster
    assert len(rows) == int((roster["age"] <= 6).sum())


def _sheet_rows(path) -> list[list]:
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb["核实"].iter_rows(min_row=5, values_only=True) if any(r)]


# --- reconcile --------------------------------------------------------------------------------

def test_reconcile_lists_every_difference_with_its_decision(cycle):
    rows = _sheet(cycle["base"] / "q1_核实后.xlsx", "核实差异")
    got = sorted((r["姓名"], r["栏目"], r["处理"].split("：")[0], r["部门"]) for r in rows)
    c = cycle
    assert got == sorted([
        (c["X"]["name"], FORM["schooling"].title, APPLIED, "教育"),
        (c["X"]["name"], FORM["medical_insurance"].title, APPLIED, "医保"),
        (c["Y"]["name"], FORM["school_name"].title, APPLIED, "教育"),
        (c["P"]["name"], FORM["residence_registration"].title, APPLIED, "公安"),
        (c["Z"]["name"], "（整条记录）", PENDING, "教育"),
        (c["W"]["name"], FORM["study_status"].title, PENDING, "教育"),
        (c["V"]["name"], FORM["schooling"].title, PENDING, "教育"),
    ])
    z = next(r for r in rows if r["姓名"] == c["Z"]["name"])
    assert R_NOT_FOUND in z["处理"]
    v = next(r for r in rows if r["姓名"] == c["V"]["name"])
    assert c["v_ours"] in v["处理"] and c["v_theirs"] in v["处理"]


def test_reconcile_applies_accepted_corrections_and_marks_them(cycle):
    book = rosterread.read(cycle["base"] / "q1_核实后.xlsx")
    roster = book.roster.set_index("name")
    X, Y, P, V, W = (cycle[k] for k in "XYPVW")
    assert roster.at[X["name"], "schooling"] == cycle["s_new"]
    assert roster.at[X["name"], "medical_insurance"] == cycle["ins_new"]
    assert roster.at[Y["name"], "school_name"] == "两路街道实验小学"
    assert roster.at[P["name"], "residence_registration"] == cycle["p_new"]
    assert roster.at[V["name"], "schooling"] == V["schooling"]   # conflicting answers: unchanged
    assert roster.at[W["name"], "study_status"] == W["study_status"]  # not an option: unchanged
    note = roster.at[X["name"], "corrections"]
    assert f"{FORM['schooling'].title}：{X['schooling']}→{cycle['s_new']}（教育核实）" in note
    assert roster["corrections"].astype(bool).sum() == 3
    # the changed cells are highlighted
    ws = openpyxl.load_workbook(cycle["base"] / "q1_核实后.xlsx")["花名册"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, header.index("姓名") + 1).value == X["name"])
    fill = ws.cell(row, header.index(FORM["schooling"].title) + 1).fill.fgColor.rgb
    plain = ws.cell(row, header.index("姓名") + 1).fill.fgColor.rgb
    assert fill != plain and fill.endswith("C6EFCE")


def test_reconcile_lists_unmatched_ids_on_both_sides(cycle):
    rows = _sheet(cycle["base"] / "q1_核实后.xlsx", "未匹配")
    theirs = [r for r in rows if r["情况"].startswith("部门答复中有")]
    assert [(r["公民身份号码"], r["部门"]) for r in theirs] == [(cycle["unknown_id"], "公安")]
    unanswered_edu = {r["姓名"] for r in rows if r["情况"].startswith("花名册中有") and r["答复文件"].startswith("教育_")}
    assert unanswered_edu == {cycle["kids"][7]["name"], cycle["kids"][8]["name"]}


def test_reconcile_accounts_for_every_returned_row(cycle):
    summary = _sheet(cycle["base"] / "q1_核实后.xlsx", "核实汇总")
    rows = {r["答复文件"]: r for r in summary if r["答复文件"] != "（未交回）"}
    assert set(rows) == {"教育_流动儿童核实表.xlsx", "医保_流动儿童核实表.xlsx", "区公安分局居住登记核实反馈.xlsx",
                         "教育局补充核实.xlsx"}
    # 卫健 and 残联 were sent their files (split sends every department) and returned nothing
    assert sorted(r["部门"] for r in summary if r["答复文件"] == "（未交回）") == ["卫健", "残联"]
    police = rows["区公安分局居住登记核实反馈.xlsx"]
    assert (police["部门"], police["格式"], police["读入行数"], police["对上花名册"], police["花名册中没有"]) == \
        ("公安", "部门自制表", "3", "2", "1")
    assert all(r["核对"] == "相符" for r in rows.values())
    assert rows["教育_流动儿童核实表.xlsx"]["读入行数"] == str(len(cycle["kids"]))


def test_reconcile_exit_code_says_a_person_has_work_left(cycle):
    out = cycle["reconcile"]
    assert out.exit_code == 1
    assert "自动采用更正 4 处" in out.output and "待人工核实 3 处" in out.output


# --- split by township ------------------------------------------------------------------------

def test_split_by_town_sends_each_township_its_children_issues_and_corrections(cycle):
    folder = cycle["base"] / "镇街"
    files = sorted(p.name for p in folder.glob("*.xlsx"))
    assert files == ["两路街道_流动儿童花名册.xlsx", "龙溪街道_流动儿童花名册.xlsx"]
    total_children = total_issues = total_diffs = 0
    for p in folder.glob("*.xlsx"):
        town = p.name.split("_")[0]
        children = _sheet(p, "花名册")
        assert children and {c["镇街"] for c in children} == {town}
        diffs = _sheet(p, "核实差异")
        assert {d["镇街"] for d in diffs} <= {town}
        total_children += len(children)
        total_issues += len(_sheet(p, "问题清单"))
        total_diffs += len(diffs)
    assert total_children == len(cycle["kids"])
    assert total_issues == len(_sheet(cycle["base"] / "q1.xlsx", "问题清单")) > 0
    assert total_diffs == 7
    phone_issue = [i for i in _sheet(folder / "两路街道_流动儿童花名册.xlsx", "问题清单") if "1380013800" in i["说明"]]
    assert phone_issue


# --- diff ---------------------------------------------------------------------------------------

def test_diff_finds_added_gone_with_reasons_and_changed(cycle):
    path = cycle["base"] / "变化.xlsx"
    added = _sheet(path, "新增")
    assert [(r["姓名"], r["说明"]) for r in added] == [(cycle["D"]["name"], "新登记")]
    gone = {r["姓名"]: r["可能的原因"] for r in _sheet(path, "减少")}
    assert set(gone) == {cycle[k]["name"] for k in "ABC"}
    assert gone[cycle["A"]["name"]].startswith("已满16周岁（2026-11-15")
    assert gone[cycle["B"]["name"]].startswith("可能已迁离")
    assert gone[cycle["C"]["name"]].startswith("不再符合条件：未离开户籍地所在乡镇")
    changed = _sheet(path, "变更")
    e = {(r["栏目"], r["上期"], r["本期"]) for r in changed if r["姓名"] == cycle["E"]["name"]}
    assert ("镇街", "两路街道", "龙溪街道") in e
    assert {r["姓名"] for r in changed} == {cycle["E"]["name"], cycle["C"]["name"]}


def test_diff_summary_balances(cycle):
    summary = {r["项目"]: r["数目"] for r in _sheet(cycle["base"] / "变化.xlsx", "概况")}
    n = len(cycle["kids"])
    assert summary["上期人数（不含不符合）"] == str(n)
    assert (summary["新增"], summary["减少"]) == ("1", "3")
    assert summary["本期人数（不含不符合）"] == str(n + 1 - 3)
    assert summary["核对：上期 + 新增 − 减少 = 本期"] == "相符"


def test_diff_without_as_of_takes_the_date_the_new_roster_recorded(cycle, tmp_path):
    out = tmp_path / "变化.xlsx"
    r = _run("diff", cycle["base"] / "q1_核实后.xlsx", cycle["base"] / "q2.xlsx", "-o", out)
    assert r.exit_code == 0, r.output
    summary = {r["项目"]: r["数目"] for r in _sheet(out, "概况")}
    assert summary["本期统计日期"] == f"{Q2.isoformat()}（本期花名册记录的统计日期）"
    assert {r["姓名"] for r in _sheet(out, "减少")} == {cycle[k]["name"] for k in "ABC"}


# --- reading our own roster back ---------------------------------------------------------------

def test_roster_reads_back_exactly_as_merged(cycle, tmp_path):
    from xltools.ops import merge

    result = merge.merge([cycle["base"] / "q1"], kind="流动", profile=PROFILE, as_of=Q1)
    book = rosterread.read(cycle["base"] / "q1.xlsx")
    assert (book.kind, book.profile, book.unknown) == ("flow", PROFILE, [])
    mine = result.roster[list(book.roster.columns)].reset_index(drop=True)
    assert mine.to_dict("records") == book.roster.to_dict("records")


def test_a_file_that_is_not_our_roster_is_refused_with_exit_2(tmp_path):
    other = write_xlsx(tmp_path / "别的表.xlsx", [["序号", "名称"], [1, "甲"]])
    r = _run("split", other, "--by", "镇街", "-o", tmp_path / "out")
    assert r.exit_code == 2 and "不是 xltools merge 输出的花名册" in r.output


# --- regressions found in review ------------------------------------------------------------------

def test_plain_list_header_with_qingkuang_and_blank_corrections_are_read_as_meant(cycle, tmp_path):
    """更正后居住登记情况 names 居住登记; a blank corrected value of a 不一致 row is no answer for that
    field, and a 不一致 row with every corrected value blank is one pending row, not one per field."""
    X, Y, P = cycle["X"], cycle["Y"], cycle["P"]
    back = tmp_path / "交回"
    back.mkdir()
    write_xlsx(back / "区公安分局反馈.xlsx", [
        ["区公安分局流动儿童信息核查反馈表", None, None, None],
        ["序号", "身份证号", "核实意见", "更正后居住登记情况"],
        [1, P["id_number"], "不符", cycle["p_new"]]], sheet="反馈")
    write_xlsx(back / "教委核实.xlsx", [
        ["姓名", "身份证号", "核实意见", "更正后就学情况", "更正后就读学校"],
        [X["name"], X["id_number"], "不一致", cycle["s_new"], None],
        [Y["name"], Y["id_number"], "不一致", None, None]], sheet="Sheet1")
    r = _run("reconcile", cycle["base"] / "q1.xlsx", back, "-o", tmp_path / "核实后.xlsx")
    assert r.exit_code == 1, r.output
    got = sorted((d["姓名"], d["栏目"], d["处理"]) for d in _sheet(tmp_path / "核实后.xlsx", "核实差异"))
    assert got == sorted([(P["name"], FORM["residence_registration"].title, APPLIED),
                          (X["name"], FORM["schooling"].title, APPLIED),
                          (Y["name"], "（整条记录）", f"{PENDING}：{R_NO_VALUE}")])


def test_a_department_answering_in_two_files_is_not_listed_as_unanswered_by_either(cycle, tmp_path):
    back = tmp_path / "交回"
    back.mkdir()
    (back / "教育_流动儿童核实表.xlsx").write_bytes((cycle["base"] / "交回" / "教育_流动儿童核实表.xlsx").read_bytes())
    write_xlsx(back / "教育局补充.xlsx", [["身份证号", "更正后就读学校"],
                                         [cycle["kids"][7]["id_number"], "两路街道第二小学"]], sheet="Sheet1")
    _run("reconcile", cycle["base"] / "q1.xlsx", back, "-o", tmp_path / "核实后.xlsx")
    rows = [u for u in _sheet(tmp_path / "核实后.xlsx", "未匹配") if u["情况"].startswith("花名册中有")]
    # kids[8] answered in neither file: listed once, under the file it was sent in; kids[7] answered in the list
    assert [(u["姓名"], u["答复文件"]) for u in rows] == [(cycle["kids"][8]["name"], "教育_流动儿童核实表.xlsx")]


def test_reconciled_roster_records_kind_profile_and_date_for_the_next_step(cycle):
    book = rosterread.read(cycle["base"] / "q1_核实后.xlsx")
    assert (book.meta.get("document"), book.meta.get("kind"), book.meta.get("profile")) == ("花名册", "flow", PROFILE)
    assert book.as_of == Q1


def test_a_roster_among_the_returned_files_is_refused_not_read_as_a_department_list(cycle, tmp_path):
    r = _run("reconcile", cycle["base"] / "q1.xlsx", cycle["base"] / "q1_核实后.xlsx", "-o", tmp_path / "x.xlsx")
    assert r.exit_code == 1
    assert "这是花名册，不是部门交回的核实表" in r.output
    assert all(r["答复文件"] == "（未交回）" for r in _sheet(tmp_path / "x.xlsx", "核实汇总"))  # nothing read


def test_key_care_after_a_correction_is_judged_at_the_rosters_date_not_today(cycle):
    from xltools.ops import reconcile

    book = rosterread.read(cycle["base"] / "q1.xlsx")
    i = int(book.roster.index[book.roster["name"] == cycle["A"]["name"]][0])  # 15 at Q1, 16 since 2026-11-15
    ans = reconcile.Answer("公安", "x.xlsx", 5, i, "hukou_registered", departments.DISAGREE, "否")
    rec = reconcile.reconcile(book, [reconcile.Returned("x.xlsx", "公安", False, answers=[ans])])
    assert rec.roster["hukou_registered"].iat[i] == "否"
    assert rec.roster["key_care"].iat[i] and "无户籍" in rec.roster["key_care_reasons"].iat[i]


def test_township_names_that_are_not_file_names_each_get_their_own_visible_file(cycle, tmp_path):
    from xltools.ops import split

    book = rosterread.read(cycle["base"] / "q1.xlsx")
    book.roster = book.roster.copy()
    book.roster.loc[:1, "town"] = "两路/街道"
    book.roster.loc[2:3, "town"] = "两路_街道"
    book.roster.loc[4:5, "town"] = ".."
    written = split.by_town(book, tmp_path)
    names = [w.path.name for w in written]
    assert len(set(names)) == len(names) == len(set(book.roster["town"]))
    assert not [n for n in names if n.startswith(".")]
    assert sum(len(_sheet(w.path, "花名册")) for w in written) == len(book.roster)


def test_split_refuses_to_overwrite_a_department_file_already_answered(cycle, tmp_path):
    answered = tmp_path / "教育_流动儿童核实表.xlsx"
    answered.write_bytes((cycle["base"] / "交回" / "教育_流动儿童核实表.xlsx").read_bytes())
    before = answered.read_bytes()
    r = _run("split", cycle["base"] / "q1.xlsx", "--by", "部门", "-o", tmp_path)
    assert r.exit_code == 2 and "已经填写了核实结果" in r.output
    assert answered.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [answered.name]  # nothing else written either
    # an unanswered file of ours (a re-run of split) is replaced as before
    again = tmp_path / "again"
    again.mkdir()
    (again / answered.name).write_bytes((cycle["base"] / "部门" / answered.name).read_bytes())
    r = _run("split", cycle["base"] / "q1.xlsx", "--by", "部门", "-o", again)
    assert r.exit_code == 0, r.output


def test_contradicting_answers_name_every_file_they_came_from(cycle):
    v = next(r for r in _sheet(cycle["base"] / "q1_核实后.xlsx", "核实差异") if r["姓名"] == cycle["V"]["name"])
    assert set(v["答复文件"].split("、")) == {"教育_流动儿童核实表.xlsx", "教育局补充核实.xlsx"}

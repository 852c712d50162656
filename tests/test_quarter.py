"""A quarter run end to end through the CLI, every count checked against numbers the test
computes itself from the people it made up (never from our own output):

templates for eight villages → filled, with the usual mistakes → plus a township's hand-made
workbook → merge → split to departments → answers in our file and in a department's own list →
reconcile → split back to 镇街 → next quarter (corrected IDs, a child aged out, one moved away,
one moved within the district, newcomers) → merge → diff.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from factories import stats_table, valid_id, write_xlsx
from xltools.core import departments, issues, synthetic
from xltools.workbooks import rosterread
from xltools.ops import split, templates
from xltools.cli.commands import main
from xltools.core.schema import CAT_FLOW, CAT_OUT
from xltools.core.textreport import column_title

Q3, Q4 = dt.date(2026, 9, 30), dt.date(2026, 12, 31)
PROFILE = "chongqing"
VILLAGES = (("两路街道", "双龙社区"), ("两路街道", "空港社区"), ("两路街道", "桃源社区"),
            ("龙溪街道", "金龙社区"), ("龙溪街道", "花卉园社区"), ("龙溪街道", "松牌社区"),
            ("古路镇", "乌牛村"), ("古路镇", "银花村"))
HAND_TOWN = "木耳镇"
# The mistakes villages make, one each (village index → error code the engine must report).
MISTAKES = {0: "id.checksum", 1: "id.digits_lost", 2: "option.near_miss", 3: "phone.format"}


def age(birth: dt.date, on: dt.date) -> int:
    """周岁, computed here, not by the tool."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _birth(row) -> dt.date:
    return dt.date.fromisoformat(row["birth_date"])


def _kid(rng, town, as_of, structured=True) -> dict:
    """A generated in-scope child young enough to stay under 16 through the next quarter."""
    while True:
        row = synthetic.child(rng, "flow", PROFILE, as_of, structured=structured, township=town)
        if age(_birth(row), Q4) <= 14:
            return row


def _run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def _sheet(path, name) -> list[dict]:
    book = rosterread.readers._open(path, None)[1]
    return rosterread._text_frame(*rosterread._rows(book, name)).to_dict("records")


def _write_quarter(folder: Path, files: dict, hand: list[dict], as_of: dt.date, dates: dict) -> Path:
    for (town, village), rows in files.items():
        unit = f"{town}{village}"
        (folder / town).mkdir(parents=True, exist_ok=True)
        templates.build_template(folder / town / templates.template_name("flow", unit), "flow", PROFILE, unit,
                                 rows=len(rows) + 2, report_date=dates.get((town, village), as_of), data=rows)
    keys = list(hand[0])
    write_xlsx(folder / f"{HAND_TOWN}流动儿童摸排汇总.xlsx", [
        [f"{HAND_TOWN}流动儿童监测摸排汇总表"] + [None] * (len(keys) - 1),
        [f"填报单位：{HAND_TOWN}人民政府", None, None, f"填报日期：{as_of.isoformat()}"] + [None] * (len(keys) - 4),
        [column_title("flow", k) for k in keys],
        *[[r[k] for k in keys] for r in hand]], sheet="汇总")
    return folder


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    base = tmp_path_factory.mktemp("quarter")
    rng = random.Random(11)
    form = rosterread.profiles.load(PROFILE).form("flow")
    q3 = {v: [_kid(rng, v[0], Q3) for _ in range(4)] for v in VILLAGES}
    hand = [_kid(rng, HAND_TOWN, Q3, structured=False) for _ in range(4)]
    people = [r for rows in q3.values() for r in rows] + hand
    for n, r in enumerate(people):  # distinct names, so rows are easy to find
        r["name"] = r["name"][0] + "甲乙丙丁戊己"[n // 6] + "子丑寅卯辰巳"[n % 6]

    def born_on(row, day):
        row.update(birth_date=day.isoformat(), id_number=valid_id("510107", day, male=row["sex"] == "男", seq=5),
                   schooling="高中")
    old = q3[VILLAGES[4]][1]
    born_on(old, dt.date(2010, 9, 30))                    # 16 on this quarter's 统计日期: 不符合
    short = q3[VILLAGES[5]][1]
    short.update(left_hukou_date="2026-06-15", arrival_date="2026-06-15")  # under 6 months now, over 6 next
    aging = q3[VILLAGES[6]][0]
    born_on(aging, dt.date(2010, 11, 15))                 # 15 now, 16 by next quarter
    truth = {id(r): dict(r) for r in people}          # the right values, before any mistake
    mistaken = {}
    for k, code in MISTAKES.items():
        row = q3[VILLAGES[k]][0]
        synthetic.inject_error(rng, row, code)
        if code == "id.digits_lost":
            row["id_number"] = float(truth[id(row)]["id_number"])  # typed into a General cell
        mistaken[code] = row
    # one child registered in two villages: the later sheet (空港社区; 双龙社区 is dated earlier) is kept
    twice = dict(q3[VILLAGES[0]][2])
    q3[VILLAGES[1]].append(twice)
    dates = {VILLAGES[0]: dt.date(2026, 9, 20)}
    inbox3 = _write_quarter(base / "收件_三季度", q3, hand, Q3, dates)
    merge_out = _run("merge", inbox3, "-o", base / "三季度.xlsx", "--profile", PROFILE, "--as-of", Q3)

    # departments: education answers in our file, the police in a list of its own
    r = _run("split", base / "三季度.xlsx", "--by", "部门", "-o", base / "核实表")
    assert r.exit_code == 0, r.output
    edu_fix = q3[VILLAGES[2]][1]
    new_school = next(o for o in ("小学", "初中") if o != edu_fix["schooling"])
    gone_for_edu = q3[VILLAGES[3]][1]
    wb = openpyxl.load_workbook(base / "核实表" / "教育_流动儿童核实表.xlsx")
    ws = wb[split.CHECK_SHEET]
    top = [c.value for c in ws[split.HEADER_TOP + 1]]
    col = top.index("就学情况") + 2                       # 1-based 核实结果 of 就学情况
    names = top.index("姓名") + 1
    for r_ in range(split.FIRST_DATA + 1, ws.max_row + 1):
        name = ws.cell(r_, names).value
        ws.cell(r_, col).value = departments.AGREE
        if name == edu_fix["name"]:
            ws.cell(r_, col).value, ws.cell(r_, col + 1).value = departments.DISAGREE, new_school
        if name == gone_for_edu["name"]:
            ws.cell(r_, col).value = departments.NOT_FOUND
    (base / "交回").mkdir()
    wb.save(base / "交回" / "教育_流动儿童核实表.xlsx")
    police_fix = hand[1]
    new_reg = next(o for o in form["residence_registration"].options if o != police_fix["residence_registration"])
    stranger = valid_id("500112", dt.date(2016, 5, 5), male=False, seq=88)
    write_xlsx(base / "交回" / "区公安分局居住登记核实.xlsx", [
        ["区公安分局流动儿童居住登记核实反馈"],
        ["姓名", "身份证号", "核实意见", "更正后居住登记"],
        [police_fix["name"], police_fix["id_number"], "信息有误", new_reg],
        [hand[2]["name"], hand[2]["id_number"], "核实无误", None],
        ["某某", stranger, "查无此人", None]], sheet="Sheet1")
    reconcile_out = _run("reconcile", base / "三季度.xlsx", base / "交回", "-o", base / "三季度_核实后.xlsx",
                         "--sent", base / "核实表")
    r = _run("split", base / "三季度_核实后.xlsx", "--by", "镇街", "-o", base / "镇街")
    assert r.exit_code == 0, r.output

    # next quarter: every mistake corrected, the departments' corrections taken in, and life goes on
    q4 = {v: [dict(truth[id(r)]) for r in rows if r is not twice] for v, rows in q3.items()}
    hand4 = [dict(r) for r in hand]
    find = {r["name"]: r for rows in q4.values() for r in rows + hand4}
    find[edu_fix["name"]]["schooling"] = new_school
    find[police_fix["name"]]["residence_registration"] = new_reg
    q4[VILLAGES[4]].remove(find[old["name"]])             # out of scope last quarter: no longer listed
    moved_away = q4[VILLAGES[7]].pop(1)                    # left the district
    mover = q4[VILLAGES[0]].pop(3)                         # moved to 龙溪街道金龙社区
    q4[VILLAGES[3]].append(dict(mover, residence_detail="龙溪街道" + mover["residence_detail"].split("街道", 1)[-1]))
    newcomers = [_kid(rng, "古路镇", Q4) for _ in range(2)]
    for n, r_ in enumerate(newcomers):
        r_["name"] = r_["name"][0] + "新" + "甲乙"[n]
    q4[VILLAGES[6]] += newcomers
    inbox4 = _write_quarter(base / "收件_四季度", q4, hand4, Q4, {})
    merge4_out = _run("merge", inbox4, "-o", base / "四季度.xlsx", "--profile", PROFILE, "--as-of", Q4)
    diff_out = _run("diff", base / "三季度_核实后.xlsx", base / "四季度.xlsx", "-o", base / "季度变化.xlsx")
    return dict(base=base, q3=q3, q4=q4, hand=hand, people=people, truth=truth, mistaken=mistaken, old=old,
                short=short, aging=aging, twice=twice, merge=merge_out, reconcile=reconcile_out, merge4=merge4_out,
                diff=diff_out, edu_fix=edu_fix, new_school=new_school, gone_for_edu=gone_for_edu,
                police_fix=police_fix, new_reg=new_reg, stranger=stranger, moved_away=moved_away, mover=mover,
                newcomers=newcomers)


# --- this quarter's merge -------------------------------------------------------------------------

def test_merge_accounts_for_every_row_and_counts_each_child_once(quarter):
    rows_read = sum(len(v) for v in quarter["q3"].values()) + len(quarter["hand"])
    children = len(quarter["people"])                                 # the twice-registered child once
    acc = {r["文件"]: r for r in _sheet(quarter["base"] / "三季度.xlsx", "对账")}
    total = acc["合计"]
    assert (total["读入行数"], total["进入花名册"], total["重复已合并"], total["未采用"]) == \
        (str(rows_read), str(children), "1", "0")
    roster = _sheet(quarter["base"] / "三季度.xlsx", "花名册")
    assert len(roster) == children
    categories = Counter(r["类别"] for r in roster)
    assert categories == Counter({CAT_FLOW: children - 2, CAT_OUT: 2})
    towns = Counter(r["镇街"] for r in roster)
    assert towns == Counter({t: sum(len(rows) for (tt, _), rows in quarter["q3"].items() if tt == t)
                             - (1 if t == "两路街道" else 0) for t, _ in VILLAGES} | {HAND_TOWN: len(quarter["hand"])})
    kept = [r for r in roster if r["姓名"] == quarter["twice"]["name"]]
    assert [r["村社区"] for r in kept] == ["空港社区"]                    # the later 填报日期


def test_merge_reports_exactly_the_mistakes_made(quarter):
    found = Counter()
    for i in _sheet(quarter["base"] / "三季度.xlsx", "问题清单"):
        if i["严重程度"] == "错误":
            found[i["问题类型"]] += 1
    assert found == Counter({issues.TITLES[c]: 1 for c in MISTAKES.values()})
    assert quarter["merge"].exit_code == 0, quarter["merge"].output


# --- departments and back -------------------------------------------------------------------------

def test_each_department_gets_the_children_it_verifies(quarter):
    people = quarter["people"]
    ages = [age(_birth(r), Q3) for r in people]
    expected = {"教育": len(people), "公安": len(people), "医保": len(people), "残联": len(people),
                "卫健": sum(a <= 6 for a in ages)}
    got = {}
    for p in (quarter["base"] / "核实表").iterdir():
        ws = openpyxl.load_workbook(p, read_only=True)[split.CHECK_SHEET]
        got[p.name.split("_")[0]] = sum(1 for row in ws.iter_rows(min_row=split.FIRST_DATA + 1, values_only=True)
                                        if row[0] not in (None, ""))
    assert got == expected


def test_reconcile_counts(quarter):
    out = quarter["reconcile"].output
    n = len(quarter["people"])
    assert "自动采用更正 2 处" in out and "待人工核实 1 处" in out
    rows = _sheet(quarter["base"] / "三季度_核实后.xlsx", "核实汇总")
    summary = {r["答复文件"]: r for r in rows}
    edu, police = summary["教育_流动儿童核实表.xlsx"], summary["区公安分局居住登记核实.xlsx"]
    assert (edu["读入行数"], edu["对上花名册"], edu["花名册中没有"], edu["未答复的儿童"]) == (str(n), str(n), "0", "0")
    assert (police["读入行数"], police["对上花名册"], police["花名册中没有"], police["未答复的儿童"]) == \
        ("3", "2", "1", str(n - 2))
    assert sorted(r["部门"] for r in rows if r["答复文件"] == "（未交回）") == sorted(["医保", "卫健", "残联"])
    diffs = _sheet(quarter["base"] / "三季度_核实后.xlsx", "核实差异")
    applied = sorted((d["姓名"], d["部门答复值"]) for d in diffs if d["处理"] == "已采用")
    assert applied == sorted([(quarter["edu_fix"]["name"], quarter["new_school"]),
                              (quarter["police_fix"]["name"], quarter["new_reg"])])
    assert [d["姓名"] for d in diffs if d["处理"].startswith("待人工核实")] == [quarter["gone_for_edu"]["name"]]
    unmatched = _sheet(quarter["base"] / "三季度_核实后.xlsx", "未匹配")
    assert [u["公民身份号码"] for u in unmatched if u["情况"].startswith("部门答复中有")] == [quarter["stranger"]]


def test_split_back_to_townships_sends_each_its_children_and_errors(quarter):
    roster = _sheet(quarter["base"] / "三季度_核实后.xlsx", "花名册")
    by_town = Counter(r["镇街"] for r in roster)
    mistake_towns = Counter(VILLAGES[k][0] for k in MISTAKES)
    files = {p.name.split("_")[0]: p for p in (quarter["base"] / "镇街").iterdir()}
    assert set(files) == set(by_town)
    for town, p in files.items():
        assert len(_sheet(p, "花名册")) == by_town[town]
        errors = [i for i in _sheet(p, "问题清单") if i["严重程度"] == "错误"]
        assert len(errors) == mistake_towns.get(town, 0), town
    # the twice-registered child: both townships' village files named; both in 两路街道 here
    notes = [i for i in _sheet(files["两路街道"], "问题清单") if i["问题类型"] == "在别处也有登记（已合并）"]
    assert len(notes) == 2


# --- next quarter ----------------------------------------------------------------------------------

def test_next_quarter_merge_counts(quarter):
    rows = sum(len(v) for v in quarter["q4"].values()) + len(quarter["hand"])
    acc = {r["文件"]: r for r in _sheet(quarter["base"] / "四季度.xlsx", "对账")}["合计"]
    assert (acc["读入行数"], acc["进入花名册"], acc["重复已合并"], acc["未采用"]) == (str(rows), str(rows), "0", "0")
    roster = _sheet(quarter["base"] / "四季度.xlsx", "花名册")
    assert Counter(r["类别"] for r in roster) == Counter({CAT_FLOW: rows - 1, CAT_OUT: 1})  # the one now 16
    assert not [i for i in _sheet(quarter["base"] / "四季度.xlsx", "问题清单") if i["严重程度"] == "错误"]


def test_next_quarter_diff_counts_corrected_ids_as_changes(quarter):
    q3_in_scope = len(quarter["people"]) - 2           # less the one 16 and the one away under 6 months
    added = len(quarter["newcomers"]) + 1             # newcomers, and the child now away 6 months
    gone = 2                                          # the one who left the district, the one now 16
    q4_in_scope = sum(len(v) for v in quarter["q4"].values()) + len(quarter["hand"]) - 1
    assert q3_in_scope + added - gone == q4_in_scope
    summary = {r["项目"]: r["数目"] for r in _sheet(quarter["base"] / "季度变化.xlsx", "概况")}
    assert (summary["上期人数（不含不符合）"], summary["新增"], summary["减少"], summary["本期人数（不含不符合）"]) == \
        (str(q3_in_scope), str(added), str(gone), str(q4_in_scope))
    added_rows = {r["姓名"]: r["说明"] for r in _sheet(quarter["base"] / "季度变化.xlsx", "新增")}
    assert added_rows == {**{n["name"]: "新登记" for n in quarter["newcomers"]}, quarter["short"]["name"]: "原为不符合，现符合"}
    gone_rows = {r["姓名"]: r["可能的原因"].split("（")[0] for r in _sheet(quarter["base"] / "季度变化.xlsx", "减少")}
    assert gone_rows == {quarter["moved_away"]["name"]: "可能已迁离", quarter["aging"]["name"]: "已满16周岁"}
    changed = _sheet(quarter["base"] / "季度变化.xlsx", "变更")
    fixed = {(c["姓名"], c["上期"], c["本期"]) for c in changed if c["栏目"] == "公民身份号码已更正"}
    bad = {code: quarter["mistaken"][code] for code in ("id.checksum", "id.digits_lost")}
    assert fixed == {(row["name"], str(row["id_number"]) if code == "id.checksum" else f"{row['id_number']:.15g}",
                      quarter["truth"][id(row)]["id_number"]) for code, row in bad.items()}
    moved = {(c["栏目"], c["上期"], c["本期"]) for c in changed if c["姓名"] == quarter["mover"]["name"]}
    assert ("镇街", "两路街道", "龙溪街道") in moved and ("村社区", "双龙社区", "金龙社区") in moved




def test_statistics_count_the_children_in_scope_by_township_and_village(quarter):
    rows = [list(r) for r in openpyxl.load_workbook(quarter["base"] / "三季度.xlsx")["统计"].iter_rows(values_only=True)]
    out_of_scope = {quarter["old"]["name"], quarter["short"]["name"]}
    in_scope = [r for r in quarter["people"] if r["name"] not in out_of_scope]
    size = {r[0]: r[1] for r in stats_table(rows, "数量规模")[1:]}
    assert size[CAT_FLOW] == len(in_scope) and size["流动儿童合计"] == len(in_scope)
    assert size[f"{CAT_OUT}（不计入合计）"] == 2
    where = {}                                        # township and village of each child, as registered
    for (town, village), kids in quarter["q3"].items():
        for r in kids:
            if r is not quarter["twice"]:
                where.setdefault(r["name"], (town, village))
    where[quarter["twice"]["name"]] = VILLAGES[1]      # the row kept: the later sheet
    towns = stats_table(rows, "分布区域（按镇街）")
    th = list(towns[0])
    got = {r[0]: r[th.index("合计")] for r in towns[1:-1]}
    expected = Counter(where[r["name"]][0] for r in in_scope if r["name"] in where)
    expected[HAND_TOWN] = len(quarter["hand"])
    assert got == dict(expected)
    villages = stats_table(rows, "分布区域（按村社区）")
    vh = list(villages[0])
    got_v = {r[1]: r[vh.index("合计")] for r in villages[1:-1] if r[1]}
    expected_v = Counter(where[r["name"]][1] for r in in_scope if r["name"] in where)
    expected_v["（未注明村社区）"] = len(quarter["hand"])  # the township's own workbook names no 村社区
    assert got_v == dict(expected_v)
    sexes = {r[0]: r[list(stats_table(rows, "性别")[0]).index("合计")] for r in stats_table(rows, "性别")[1:]}
    assert (sexes.get("男", 0), sexes.get("女", 0)) == (sum(r["sex"] == "男" for r in in_scope),
                                                       sum(r["sex"] == "女" for r in in_scope))

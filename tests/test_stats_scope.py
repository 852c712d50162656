"""Statistics count what their titles say (issue 11, case 6).

Every heading and every 合计 counts the children in scope; 待核实 and 不符合 are
shown apart, never inside a 流动儿童 total; there is a table per 村社区; the
workbook sent upward (--stats-output) says whose, at which date, in which wording
and by which version of the tool.
"""

from __future__ import annotations

import datetime as dt
import random

import openpyxl
from click.testing import CliRunner

from factories import stats_table
from xltools import __version__
from xltools.core import synthetic
from xltools.ops import templates
from xltools.cli.commands import main
from xltools.core.schema import CAT_FLOW, CAT_FLOW_STATS, CAT_OUT, CAT_UNKNOWN, SCHEMA_VERSION

AS_OF = dt.date(2026, 9, 30)
# per village: (in scope, 不符合 (16 or older), 待核实 (离开户籍地日期 missing))
VILLAGES = {"双龙社区": (3, 2, 1), "空港社区": (4, 0, 0)}


def build(inbox):
    rng = random.Random(3)
    for village, (ok, old, unknown) in VILLAGES.items():
        rows = [synthetic.child(rng, "flow", "chongqing", AS_OF, structured=True, township="两路街道")
                for _ in range(ok + old + unknown)]
        for r in rows[ok:ok + old]:
            r["birth_date"] = "2008-05-01"
            r["id_number"] = r["id_number"][:6] + "20080501" + r["id_number"][14:]
        for r in rows[ok + old:]:
            r["left_hukou_date"] = ""
        templates.build_template(inbox / f"{village}.xlsx", "flow", "chongqing", f"两路街道{village}", rows=20,
                                 report_date=AS_OF, data=rows)


def cells(ws):
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]




def test_headings_and_totals_count_only_children_in_scope(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    build(inbox)
    in_scope = sum(v[0] for v in VILLAGES.values())
    old, unknown = sum(v[1] for v in VILLAGES.values()), sum(v[2] for v in VILLAGES.values())
    res = CliRunner().invoke(main, ["merge", str(inbox), "-o", str(tmp_path / "花名册.xlsx"),
                                    "--stats-output", str(tmp_path / "统计.xlsx")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = cells(openpyxl.load_workbook(tmp_path / "统计.xlsx")["统计"])
    assert rows[0][0] == (f"流动儿童监测摸排统计（纳入统计 {in_scope} 人：{CAT_FLOW}{in_scope} 人；"
                          f"另有{CAT_UNKNOWN} {unknown} 人、{CAT_OUT} {old} 人，不计入）")
    size = {r[0]: r[1] for r in stats_table(rows, "数量规模")[1:]}
    assert size == {CAT_FLOW: in_scope, CAT_FLOW_STATS: 0, "流动儿童合计": in_scope,
                    f"{CAT_UNKNOWN}（不计入合计）": unknown, f"{CAT_OUT}（不计入合计）": old}
    town = stats_table(rows, "分布区域（按镇街）")
    header = list(town[0])
    total_row = town[-1]
    assert total_row[0] == "合计" and total_row[header.index("合计")] == in_scope
    assert total_row[header.index(f"{CAT_OUT}（不计入合计）")] == old
    village = stats_table(rows, "分布区域（按村社区）")
    vh = list(village[0])
    got = {r[1]: r[vh.index("合计")] for r in village[1:-1]}
    assert got == {v: n[0] for v, n in VILLAGES.items()}
    ages = stats_table(rows, "年龄结构")
    assert ages[-1][list(ages[0]).index("合计")] == in_scope


def test_the_statistics_sent_upward_say_whose_when_which_wording_and_which_tool(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    build(inbox)
    (tmp_path / "xltools.toml").write_text('unit = "渝北区民政局"\n', encoding="utf-8")
    CliRunner().invoke(main, ["merge", str(inbox), "-o", str(tmp_path / "花名册.xlsx"),
                              "--stats-output", str(tmp_path / "统计.xlsx")], catch_exceptions=False)
    wb = openpyxl.load_workbook(tmp_path / "统计.xlsx")
    head = [r[0] for r in cells(wb["统计"])[1:5]]
    assert head == ["填报单位：渝北区民政局", "统计日期：2026-09-30（各表填报日期）", "地区口径：重庆市　类别：流动儿童",
                    f"生成工具：xltools {__version__}（登记表版本 {SCHEMA_VERSION}）"]
    assert "花名册" not in wb.sheetnames  # no names or ID numbers in what is sent upward


def test_a_value_outside_the_options_is_counted_apart_not_lost():
    import pandas as pd

    from xltools.core import stats

    df = pd.DataFrame({"category": [CAT_FLOW] * 4, "medical_insurance": ["已参保", "参保了", "", "已参保"]})
    t = stats.counts(df, "medical_insurance", ("已参保", "未参保"))
    assert dict(zip(t["项目"], t["合计"])) == {"已参保": 2, "未参保": 0, stats.NOT_AN_OPTION: 1, "未填写": 1}
    assert t["合计"].sum() == len(df)

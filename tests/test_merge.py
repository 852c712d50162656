"""`xltools merge` on a realistic mix of township files: nothing lost, everything explained."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import random
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltools.ops import merge, templates
from xltools.core import synthetic
from xltools.cli.commands import main
from xltools.core.textreport import column_title

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DATE1, DATE2 = dt.date(2026, 9, 1), dt.date(2026, 9, 30)


def children(n, seed, town, kind="flow", structured=True):
    rng = random.Random(seed)
    return [synthetic.child(rng, kind, "chongqing", DATE2, structured=structured, township=town) for _ in range(n)]


@pytest.fixture()
def district(tmp_path):
    """A folder as a district receives it, and what each file should contribute."""
    d = tmp_path / "收件"
    (d / "两路街道").mkdir(parents=True)
    a = children(6, 101, "两路街道")
    b = children(5, 102, "两路街道")
    twin = dict(a[0])
    twin["father_phone"] = "13900001111"          # same child, newer sheet, a different phone
    b.append(twin)
    templates.build_template(d / "两路街道" / "a.xlsx", "flow", "chongqing", "两路街道双龙社区", rows=30,
                             report_date=DATE1, data=a)
    templates.build_template(d / "两路街道" / "b.xlsx", "flow", "chongqing", "两路街道空港社区", rows=30,
                             report_date=DATE2, data=b)
    shutil.copy(EXAMPLES / "两路街道_流动儿童花名册.xlsx", d / "手工花名册.xlsx")       # title rows, merged header
    shutil.copy(EXAMPLES / "大盛镇_流动儿童.xls", d / "大盛镇_流动儿童.xls")              # .xls
    shutil.copy(EXAMPLES / "古路镇_留守儿童.csv", d / "古路镇_留守儿童.csv")              # the other kind
    rows = children(4, 103, "木耳镇", structured=False)
    keys = list(rows[0])
    with open(d / "木耳镇_流动.csv", "w", encoding="gbk", newline="") as fh:           # GBK CSV + a nameless row
        w = csv.writer(fh)
        w.writerow([column_title("flow", k) for k in keys])
        for r in rows:
            w.writerow([r[k] for k in keys])
        w.writerow(["" if k in ("name", "id_number") else rows[0][k] for k in keys])
    from msoffcrypto.format.ooxml import OOXMLFile
    plain = templates.build_template(tmp_path / "plain.xlsx", "flow", "chongqing", "龙溪街道金龙社区", rows=20,
                                     report_date=DATE2, data=children(3, 104, "龙溪街道"))
    with open(plain, "rb") as src, open(d / "加密.xlsx", "wb") as dst:
        OOXMLFile(src).encrypt("mima", dst)
    good = (d / "两路街道" / "a.xlsx").read_bytes()
    (d / "坏文件.xlsx").write_bytes(good[: len(good) // 3])
    (d / "~$a.xlsx").write_bytes(b"lock")
    return d


def digest(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def sheet_rows(path, name):
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_merge_reads_every_kind_of_file_and_accounts_for_every_row(district, tmp_path):
    before = digest(district)
    out = tmp_path / "花名册.xlsx"
    res = run("merge", district, "-o", out, "--profile", "chongqing", "--password", "加密.xlsx=mima")
    assert res.exit_code == 1, res.output          # the 留守 CSV and the broken file are not merged
    assert digest(district) == before               # inputs untouched
    assert "~$" not in res.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["花名册", "问题清单", "重复记录", "未读取文件", "统计", "重点关爱台账", "对账", "列对应", "_xltools"]
    meta = wb["_xltools"]
    assert meta.sheet_state == "hidden"
    assert {r[0]: r[1] for r in meta.iter_rows(values_only=True)} | {"schema_version": None} == {
        "document": "花名册", "roster_sheet": "花名册", "kind": "flow", "profile": "chongqing", "as_of": DATE2.isoformat(),  # most files' 填报日期
        "schema_version": None,
        "generator": "xltools merge"}
    head, roster = sheet_rows(out, "花名册")
    col = {h: i for i, h in enumerate(head)}
    # accounting, recomputed independently from the sheets
    head_a, accounts = sheet_rows(out, "对账")
    per_file = {r[0]: r for r in accounts if r[0] and r[0] != "合计" and isinstance(r[2], int)}
    total = [r for r in accounts if r[0] == "合计"][0]
    assert total[2] == total[3] + total[4] + total[5] and total[6] == "相符"
    assert total[3] == len(roster)
    from collections import Counter
    in_roster = Counter(r[col["来源文件"]] for r in roster)
    for f, r in per_file.items():
        if r[1] == "已合并":
            assert r[3] == in_roster[f], f
            assert r[2] == r[3] + r[4] + r[5], f
    assert total[4] == 1 and total[5] == 1             # one duplicate folded, one nameless row rejected
    # unread files, with reasons
    _, unread = sheet_rows(out, "未读取文件")
    reasons = {Path(r[0]).name: r[1] for r in unread if r[0]}
    assert "留守" in reasons["古路镇_留守儿童.csv"]
    assert "损坏" in reasons["坏文件.xlsx"]
    assert "加密.xlsx" not in reasons and any("加密.xlsx" in k for k in per_file)


def test_duplicates_keep_the_newest_sheet_and_highlight_what_differs(district, tmp_path):
    out = tmp_path / "x.xlsx"
    run("merge", district, "-o", out, "--password", "加密.xlsx=mima")
    wb = openpyxl.load_workbook(out)
    ws = wb["重复记录"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    head, body = rows[0], [r for r in rows[1:] if r[0]]
    assert len(body) == 2 and {r[1] for r in body} == {"保留", "已合并"}
    kept = [r for r in body if r[1] == "保留"][0]
    assert kept[head.index("来源文件")].endswith("b.xlsx") and "13900001111" in kept
    phone_col = head.index("父亲联系方式") + 1
    merged_row = 3 + [r[1] for r in body].index("已合并")
    assert ws.cell(merged_row, phone_col).fill.fgColor.rgb.endswith("FFEB9C")


def test_ids_are_text_and_dates_are_dates(district, tmp_path):
    out = tmp_path / "x.xlsx"
    run("merge", district, "-o", out, "--password", "加密.xlsx=mima")
    ws = openpyxl.load_workbook(out)["花名册"]
    head = [c.value for c in ws[1]]
    row = [c for c in ws[2]]
    assert isinstance(row[head.index("公民身份号码")].value, str)
    assert isinstance(row[head.index("出生日期")].value, dt.datetime)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref


def test_statistics_have_tables_and_native_charts(district, tmp_path):
    out = tmp_path / "x.xlsx"
    run("merge", district, "-o", out, "--password", "加密.xlsx=mima")
    values = [c for row in openpyxl.load_workbook(out)["统计"].iter_rows(values_only=True) for c in row if c]
    for title in ("数量规模", "分布区域（按镇街）", "分布区域（按村社区）", "年龄结构", "年龄结构（0–5、6–13、14–15岁）", "性别", "就学情况",
                  "健康状况", "纳入医保情况", "居住登记", "重点关爱服务对象（按原因，可多项）", "两路街道", "12–14岁"):
        assert title in values, title
    with zipfile.ZipFile(out) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) >= 5


def test_encrypted_file_without_password_is_reported_and_the_rest_merged(district, tmp_path):
    res = run("merge", district, "-o", tmp_path / "x.xlsx", "--json", tmp_path / "r.json")
    assert res.exit_code == 1
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    skipped = {Path(f["path"]).name: f["code"] for f in report["files"] if f["status"] == "skipped"}
    assert skipped == {"加密.xlsx": "file.encrypted", "坏文件.xlsx": "file.corrupt", "古路镇_留守儿童.csv": "file.other_kind"}
    t = report["totals"]
    assert t["read"] == t["kept"] + t["folded"] + t["rejected"]
    assert all(f["balanced"] for f in report["files"])
    assert report["issues"] and {"file", "sheet", "row", "column", "code", "message"} <= set(report["issues"][0])


def test_kind_can_be_chosen_and_the_other_kind_is_reported(district, tmp_path):
    res = run("merge", district, "-o", tmp_path / "x.xlsx", "--kind", "留守")
    assert res.exit_code == 1 and "合并留守儿童" in res.output
    _, roster = sheet_rows(tmp_path / "x.xlsx", "花名册")
    assert len(roster) == 20


def test_output_that_is_an_input_is_refused(district):
    target = district / "手工花名册.xlsx"
    before = target.read_bytes()
    res = run("merge", district, "-o", target)
    assert res.exit_code == 2 and "输入文件" in res.output
    assert target.read_bytes() == before


def test_nothing_readable_exits_2(tmp_path):
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    res = run("merge", bad, "-o", tmp_path / "x.xlsx")
    assert res.exit_code == 2


def test_place_of_a_sheet_comes_from_its_unit_or_file_name():
    assert merge.place_of("重庆市渝北区两路街道双龙社区", Path("x.xlsx"), "重庆市") == ("两路街道", "双龙社区")
    assert merge.place_of("", Path("木耳镇_流动.csv")) == ("木耳镇", "")


def test_a_unit_written_as_street_office_is_the_same_township_as_the_street():
    # "填报单位：龙溪街道办事处" and a file of 龙溪街道 are one 镇街 in 统计 and in split --by 镇街
    assert merge.place_of("龙溪街道办事处", Path("x.csv")) == ("龙溪街道", "")
    assert merge.place_of("重庆市渝北区龙溪街道办事处金龙社区居委会", Path("x.csv"), "重庆市") == ("龙溪街道", "金龙社区")


def test_demo_shows_the_whole_workflow(tmp_path):
    res = run("demo", "-o", tmp_path / "演示")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "演示" / "花名册.xlsx").exists()
    assert "重复已合并 1 行" in res.output and "结果已写入" in res.output


@pytest.mark.parametrize("kind", [None, "流动"])
def test_worker_processes_give_the_same_result_as_one_process(district, kind):
    kw = dict(kind=kind, profile="chongqing", passwords={"加密.xlsx": "mima"})
    alone = merge.merge([district], workers=0, **kw)
    pooled = merge.merge([district], workers=2, **kw)
    assert pooled.kind == alone.kind == "flow"
    assert pooled.roster.equals(alone.roster)
    assert pooled.duplicates.equals(alone.duplicates)
    assert pooled.rejected.equals(alone.rejected)
    assert [(f, s, i.to_dict()) for f, s, i in pooled.issues] == [(f, s, i.to_dict()) for f, s, i in alone.issues]
    assert [f.__dict__ for f in pooled.files] == [f.__dict__ for f in alone.files]
    assert {f.code for f in pooled.unread} == {"file.corrupt", "file.other_kind"}


def test_a_read_error_in_a_worker_process_reaches_the_merge_intact():
    from xltools.workbooks.readers import ReadError
    import pickle

    err = pickle.loads(pickle.dumps(ReadError("file.corrupt", "/收件/坏.xlsx", "截断")))
    assert (err.code, err.path, err.message) == ("file.corrupt", "/收件/坏.xlsx",
                                                  "/收件/坏.xlsx：" + ReadError.MESSAGES["file.corrupt"] + "（截断）")


def test_a_merged_roster_read_as_input_gives_only_its_roster_sheet(district, tmp_path):
    from xltools.workbooks import readers

    out = tmp_path / "花名册.xlsx"
    assert run("merge", district, "-o", out, "--profile", "chongqing", "--password", "加密.xlsx=mima").exit_code == 1
    rosters, others = readers.read_rosters(out, profile="chongqing")
    assert [r.sheet for r in rosters] == ["花名册"] and others == []
    assert rosters[0].kind == "flow"
    assert len(rosters[0].frame) == len(openpyxl.load_workbook(out)["花名册"]["A"]) - 1


def test_dates_written_as_people_write_them_are_one_spelling_in_the_merged_roster(tmp_path):
    # "2015.3.2", "2015年3月2日", "2015/3/2" and "2015-03-02" are one date: the 花名册 writes each as a
    # date (sortable, filterable), not some as dates and some as the text a township typed.
    path = tmp_path / "镇街自制.csv"
    spellings = ["2015.3.2", "2015年3月2日", "2015/3/2", "2015-03-02"]
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "性别", "出生日期", "公民身份号码"])
        for i, s in enumerate(spellings):
            pid = synthetic.make_id(rng, "500112", dt.date(2015, 3, 2), True)
            w.writerow([f"儿童{i}", "男", s, pid])
    result = merge.merge([path], kind="流动", profile="chongqing", as_of=dt.date(2026, 9, 30), workers=0)
    assert list(result.roster["birth_date"]) == ["2015-03-02"] * 4

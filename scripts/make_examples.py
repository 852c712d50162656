"""Write the bundled example rosters in examples/ (made-up children, generated IDs).

    python scripts/make_examples.py

Each file imitates a layout townships really send, unlike our templates:
- 两路街道_流动儿童花名册.xlsx: 附件1, title row, 填报单位/填报日期 line, two-row
  header with merged group cells (父亲 over 姓名/身份证号码/联系电话), synonyms
  (身份证号码, 出生年月), address as one text cell, and deliberate mistakes;
- 古路镇_留守儿童.csv: 附件2 as GBK CSV with one-row headers;
- 木耳镇_留守儿童摸排表.xlsx: 附件2 in the paper-form style, one column per option
  ticked with √ for 健康状况 and 家庭困难情况, a trailing 合计 row and a signature line;
- 大盛镇_流动儿童.xls: 附件1 as an old .xls with 户籍地址/现居住地 split into
  省/市/区(县)/详细地址 under merged group cells.
Output is deterministic (fixed seed, fixed file dates).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from pathlib import Path

import xlsxwriter

from xltools.core import synthetic
from xltools.core.profiles import load

OUT = Path(__file__).resolve().parent.parent / "examples"
REPORT_DATE = dt.date(2026, 9, 30)
CREATED = dt.datetime(2026, 9, 30, 9, 0, 0)
PROFILE = load("chongqing")


def _children(kind: str, n: int, seed: int, structured: bool, town: str) -> list[dict]:
    rng = random.Random(seed)
    return [synthetic.child(rng, kind, PROFILE, REPORT_DATE, structured=structured, township=town) for _ in range(n)]


def _addr(row: dict, key: str) -> str:
    return row.get(key, "")


def lianglu_flow(path: Path) -> None:
    rows = _children("flow", 30, 1, False, "两路街道")
    # deliberate mistakes, one per row, as staff make them
    r = rows[2]; r["id_number"] = r["id_number"][:17] + ("0" if r["id_number"][17] != "0" else "1")
    r = rows[5]; b = dt.date(2010, 9, 30); r.update(birth_date=b.isoformat(), schooling="高中",
                                                   id_number=synthetic.make_id(random.Random(5), "510107", b, r["sex"] == "男"))
    r = rows[8]; r.update(left_hukou_date="2026-05-01", arrival_date="2026-05-03")
    r = rows[11]; r["id_number"] = float(r["id_number"][:17] + "0")  # typed into a General cell
    r = rows[14]; r["hukou_registered"] = "本地户口"
    r = rows[17]; b = dt.date(2014, 3, 2); r.update(birth_date=b.isoformat(), schooling="学龄前",
                                                   id_number=synthetic.make_id(random.Random(17), "511302", b, r["sex"] == "男"))
    r = rows[20]; r["father_phone"] = r["father_phone"][:10]
    r = rows[23]; r["arrival_date"] = "2025年3月"
    r = rows[26]; r["hukou_address"] = "江北区观音桥街道建新北路1号"  # 重庆江北区: main city to main city
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": CREATED, "author": "两路街道"})
    ws = wb.add_worksheet("流动儿童")
    bold = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
    cell = wb.add_format({"border": 1})
    date_fmt = wb.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
    single = ["序号", "姓名", "性别", "出生年月", "民族", "身份证号码", "是否登记户口", "户籍地址", "现居住地",
              "共同居住人", "居住登记", "居住类型", "离开户籍地日期", "来现居住地日期", "监护情况", "就学情况",
              "就读学校", "是否学校寄宿", "学业状况", "健康状况", "0-6岁儿童健康管理服务",
              "0-36个月儿童中医药健康管理服务", "纳入医保情况", "残疾类别", "残疾等级", "接受康复救助情况"]
    keys = [None, "name", "sex", "birth_date", "ethnicity", "id_number", "hukou_registered", "hukou_address",
            "residence", "co_residents", "residence_registration", "housing_type", "left_hukou_date", "arrival_date",
            "guardianship", "schooling", "school_name", "boarding", "study_status", "health", "health_mgmt",
            "tcm_mgmt", "medical_insurance", "disability_type", "disability_grade", "rehab_aid"]
    groups = [("父亲", ["姓名", "身份证号码", "联系电话"], ["father_name", "father_id", "father_phone"]),
              ("母亲", ["姓名", "身份证号码", "联系电话"], ["mother_name", "mother_id", "mother_phone"])]
    tail = [("家庭困难情况", "family_hardship"), ("生活保障情况", "living_support"), ("备注", None)]
    ncols = len(single) + sum(len(g[1]) for g in groups) + len(tail)
    ws.merge_range(0, 0, 0, ncols - 1, "两路街道流动儿童监测摸排统计花名册", title)
    ws.write(1, 0, "填报单位：重庆市渝北区两路街道")
    ws.write(1, 12, f"填报日期：{REPORT_DATE.year}年{REPORT_DATE.month}月{REPORT_DATE.day}日")
    col = 0
    layout = []
    for text, key in zip(single, keys):
        ws.merge_range(2, col, 3, col, text, bold)
        layout.append(key); col += 1
    for group, subs, gkeys in groups:
        ws.merge_range(2, col, 2, col + len(subs) - 1, group, bold)
        for s, k in zip(subs, gkeys):
            ws.write(3, col, s, bold); layout.append(k); col += 1
    for text, key in tail:
        ws.merge_range(2, col, 3, col, text, bold); layout.append(key); col += 1
    for i, row in enumerate(rows):
        r = 4 + i
        for c, key in enumerate(layout):
            if key is None:
                ws.write_number(r, c, i + 1, cell) if c == 0 else ws.write_blank(r, c, None, cell)
                continue
            v = row.get(key, "")
            if isinstance(v, float):
                ws.write_number(r, c, v, cell)
            elif key in ("birth_date", "left_hukou_date", "arrival_date") and len(v) == 10:
                ws.write_datetime(r, c, dt.datetime.fromisoformat(v), date_fmt)
            else:
                ws.write_string(r, c, v, cell)
    ws.write(5 + len(rows), 0, "填表人：张晓红　　审核人：李建国")
    ws.set_column(0, ncols - 1, 12)
    ws.freeze_panes(4, 2)
    wb.close()


def gulu_left(path: Path) -> None:
    rows = _children("left", 20, 2, False, "古路镇")
    rows[3]["both_parents_away"] = "否"; rows[3]["one_parent_incapable"] = "否"
    rows[7]["caregiver_name"] = ""
    rows[9]["health_mgmt"] = "已享受"
    headers = [("姓名", "name"), ("性别", "sex"), ("出生日期", "birth_date"), ("民族", "ethnicity"),
               ("公民身份号码", "id_number"), ("是否登记户口", "hukou_registered"), ("户籍地址", "hukou_address"),
               ("现居住地", "residence"), ("监护情况", "guardianship"), ("健康状况", "health"),
               ("0-6岁儿童健康管理服务", "health_mgmt"), ("0-36个月儿童中医药健康管理服务", "tcm_mgmt"),
               ("纳入医保情况", "medical_insurance"), ("残疾类别", "disability_type"), ("残疾等级", "disability_grade"),
               ("就学情况", "schooling"), ("就读学校", "school_name"), ("学业状况", "study_status"),
               ("是否学校寄宿", "boarding"), ("父亲姓名", "father_name"), ("父亲身份证号", "father_id"),
               ("父亲联系电话", "father_phone"), ("母亲姓名", "mother_name"), ("母亲身份证号", "mother_id"),
               ("母亲联系电话", "mother_phone"), ("父母双方同时外出", "both_parents_away"),
               ("父母一方外出、另一方无监护能力", "one_parent_incapable"), ("有无受委托照护人", "has_caregiver"),
               ("与儿童关系", "caregiver_relation"), ("受委托照护人姓名", "caregiver_name"),
               ("受委托照护人身份证号", "caregiver_id"), ("受委托照护人联系电话", "caregiver_phone"),
               ("家庭困难情况", "family_hardship"), ("生活保障情况", "living_support")]
    with open(path, "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([h for h, _ in headers])
        for row in rows:
            w.writerow([row.get(k, "") for _, k in headers])


def muer_left(path: Path) -> None:
    rows = _children("left", 15, 3, False, "木耳镇")
    rows[4].update(health="残疾、慢性病", disability_type="肢体残疾", disability_grade="三级")
    rows[6].update(family_hardship="低保家庭", living_support="低保")
    rows[9].update(health="心理/行为异常")
    health_opts = ("健康", "残疾", "重病", "慢性病", "心理/行为异常")
    hard_opts = ("无", "低保家庭", "特困家庭", "低保边缘家庭", "刚性支出困难家庭", "防止返贫监测家庭", "其他")
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": CREATED, "author": "木耳镇"})
    ws = wb.add_worksheet("留守儿童摸排")
    hdr = wb.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True})
    ws.merge_range(0, 0, 0, 20, "木耳镇留守儿童基本情况登记表", hdr)
    ws.write(1, 0, "单位：木耳镇")
    ws.write(1, 8, "填报日期：2026.9.30")
    plain = [("姓名", "name"), ("性别", "sex"), ("出生日期", "birth_date"), ("民族", "ethnicity"),
             ("公民身份证号码", "id_number"), ("是否登记户口", "hukou_registered"), ("户籍地址", "hukou_address"),
             ("现居住地", "residence"), ("监护情况", "guardianship")]
    col = 0
    layout: list = []
    for text, key in plain:
        ws.merge_range(2, col, 3, col, text, hdr); layout.append(key); col += 1
    ws.merge_range(2, col, 2, col + len(health_opts) - 1, "健康状况", hdr)
    for o in health_opts:
        ws.write(3, col, o, hdr); layout.append(("health", o)); col += 1
    more = [("纳入医保情况", "medical_insurance"), ("残疾类别", "disability_type"), ("残疾等级", "disability_grade"),
            ("就学情况", "schooling"), ("父母双方同时外出", "both_parents_away"),
            ("父母一方外出、另一方无监护能力", "one_parent_incapable"), ("有无受委托照护人", "has_caregiver"),
            ("受委托照护人姓名", "caregiver_name"), ("生活保障情况", "living_support")]
    for text, key in more:
        ws.merge_range(2, col, 3, col, text, hdr); layout.append(key); col += 1
    ws.merge_range(2, col, 2, col + len(hard_opts) - 1, "家庭困难情况", hdr)
    for o in hard_opts:
        ws.write(3, col, o, hdr); layout.append(("family_hardship", o)); col += 1
    for i, row in enumerate(rows):
        for c, key in enumerate(layout):
            if isinstance(key, tuple):
                ticked = key[1] in row.get(key[0], "").split("、")
                ws.write_string(4 + i, c, "√" if ticked else "")
            else:
                ws.write_string(4 + i, c, row.get(key, ""))
    ws.write(4 + len(rows), 0, "合计")
    ws.write(4 + len(rows), 1, f"{len(rows)}人")
    wb.close()


def dasheng_flow(path: Path) -> None:
    import xlwt

    rows = _children("flow", 12, 4, True, "大盛镇")
    rows[2]["father_id"] = rows[2]["father_id"][:6] + rows[2]["father_id"][8:17]  # a 15-digit first-generation number
    book = xlwt.Workbook(encoding="utf-8")
    sh = book.add_sheet("Sheet1")
    plain = [("姓名", "name"), ("性别", "sex"), ("出生日期", "birth_date"), ("民族", "ethnicity"),
             ("公民身份号码", "id_number"), ("是否登记户口", "hukou_registered")]
    col = 0
    layout: list = []
    for text, key in plain:
        sh.write_merge(0, 1, col, col, text); layout.append(key); col += 1
    sh.write_merge(0, 0, col, col + 1, "父亲")
    for label, key in (("姓名", "father_name"), ("公民身份号码", "father_id")):
        sh.write(1, col, label); layout.append(key); col += 1
    for group, key in (("户籍地址", "hukou_address"), ("现居住地", "residence")):
        sh.write_merge(0, 0, col, col + 3, group)
        for label, part in (("省", "province"), ("市", "city"), ("区(县)", "county"), ("详细地址", "detail")):
            sh.write(1, col, label); layout.append(f"{key}_{part}"); col += 1
    rest = [("共同居住人", "co_residents"), ("居住登记", "residence_registration"), ("离开户籍地日期", "left_hukou_date"),
            ("来现居住地日期", "arrival_date"), ("监护情况", "guardianship"), ("就学情况", "schooling"),
            ("健康状况", "health"), ("纳入医保情况", "medical_insurance"), ("残疾类别", "disability_type"),
            ("家庭困难情况", "family_hardship"), ("生活保障情况", "living_support")]
    for text, key in rest:
        sh.write_merge(0, 1, col, col, text); layout.append(key); col += 1
    for i, row in enumerate(rows):
        for c, key in enumerate(layout):
            sh.write(2 + i, c, row.get(key, ""))
    book.save(str(path))


def main() -> int:
    OUT.mkdir(exist_ok=True)
    lianglu_flow(OUT / "两路街道_流动儿童花名册.xlsx")
    gulu_left(OUT / "古路镇_留守儿童.csv")
    muer_left(OUT / "木耳镇_留守儿童摸排表.xlsx")
    dasheng_flow(OUT / "大盛镇_流动儿童.xls")
    print(f"示例文件已写入 {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

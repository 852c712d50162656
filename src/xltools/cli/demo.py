"""A first-time user's whole workflow in one command: ``xltools demo``.

Generates village templates and fills them with made-up children (a few
mistakes and a child registered in two villages included), adds township files
made by hand (a GBK CSV, a workbook of the other kind), merges everything
into a 花名册 and says where the result is.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from xltools.core import synthetic
from xltools.ops import templates
from xltools.core.profiles import load as load_profile
from xltools.core.textreport import column_title

REPORT_DATE = dt.date(2026, 9, 30)
VILLAGES = {"两路街道": ("双龙社区", "空港社区"), "龙溪街道": ("金龙社区", "花卉园社区"), "古路镇": ("乌牛村", "银花村")}


def build(out_dir: Path, profile: str = "chongqing", seed: int = 1) -> Path:
    """Write the demo inputs under ``out_dir/报送文件`` and return that folder."""
    prof = load_profile(profile)
    rng = random.Random(seed)
    inputs = Path(out_dir) / "报送文件"
    inputs.mkdir(parents=True, exist_ok=True)
    first_child = None
    for town, villages in VILLAGES.items():
        for village in villages:
            rows = [synthetic.child(rng, "flow", prof, REPORT_DATE, township=town) for _ in range(rng.randint(6, 10))]
            for row in rows[:2]:
                if rng.random() < 0.7:
                    synthetic.inject_error(rng, row)
            rows[2].update(family_hardship="低保家庭", living_support="低保")  # a 重点关爱 child per village
            if first_child is None:
                first_child = dict(rows[-1])
            elif town == "龙溪街道" and village == villages[0]:
                moved = dict(first_child)  # the same child registered again, with a newer phone number
                moved["father_phone"] = "13999990000"
                rows.append(moved)
            folder = inputs / town
            folder.mkdir(exist_ok=True)
            unit = f"{town}{village}"
            templates.build_template(folder / templates.template_name("flow", unit), "flow", prof, unit,
                                     rows=60, report_date=REPORT_DATE, data=rows)
    # a township's own list, as a GBK CSV with one-row headers
    hand = [synthetic.child(rng, "flow", prof, REPORT_DATE, structured=False, township="木耳镇") for _ in range(8)]
    keys = [k for k in hand[0] if not k.startswith(("guardian", "caregiver"))]
    with open(inputs / "木耳镇_流动儿童汇总.csv", "w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([column_title("flow", k) for k in keys])
        for row in hand:
            w.writerow([row.get(k, "") for k in keys])
    # a 留守 list sent by mistake: reported, not merged
    left = [synthetic.child(rng, "left", prof, REPORT_DATE) for _ in range(3)]
    templates.build_template(inputs / templates.template_name("left", "古路镇乌牛村"), "left", prof, "古路镇乌牛村",
                             rows=20, report_date=REPORT_DATE, data=left)
    return inputs

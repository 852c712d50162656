"""Render the README's pictures with LibreOffice: a filled 附件1 template as a village sees it.

    python scripts/render_docs.py      (needs LibreOffice and pdftoppm)
"""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import lo  # noqa: E402

from xltools.core import synthetic  # noqa: E402
from xltools.ops import templates  # noqa: E402

REPORT = dt.date(2026, 9, 30)


def filled_template(path: Path) -> Path:
    rng = random.Random(5)
    rows = [synthetic.child(rng, "flow", "chongqing", REPORT, township="两路街道") for _ in range(8)]
    rows[2]["id_number"] = rows[2]["id_number"][:17] + ("0" if rows[2]["id_number"][17] != "0" else "1")
    rows[4]["father_phone"] = "1380013800"
    rows[5].update(health="残疾", disability_type="肢体残疾", disability_grade="")
    b = dt.date(2010, 9, 30)
    rows[6].update(birth_date=b.isoformat(), id_number=synthetic.make_id(rng, "510107", b, rows[6]["sex"] == "男"),
                   schooling="高中")
    return templates.build_template(path, "flow", "chongqing", "渝北区两路街道XX社区", rows=12,
                                    report_date=REPORT, data=rows)


def main() -> None:
    out = ROOT / "docs"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = filled_template(Path(tmp) / "template_filled.xlsx")
        pdf = lo.convert(src, Path(tmp), "pdf")
        subprocess.run(["pdftoppm", "-png", "-r", "110", str(pdf), str(Path(tmp) / "page")], check=True)
        # a close-up of the first page: the colours of a bad cell, a bad row, an out-of-scope row
        subprocess.run(["pdftoppm", "-png", "-r", "220", "-f", "1", "-l", "1", "-x", "100", "-y", "120",
                        "-W", "1400", "-H", "300", str(pdf), str(Path(tmp) / "closeup")], check=True)
        (out / "template_closeup.png").write_bytes(next(Path(tmp).glob("closeup*.png")).read_bytes())
        pages = sorted(Path(tmp).glob("page*.png"))
        # the 填报 sheet's pages come first, the one-page 说明 sheet last
        for name, page in (("template_page1.png", pages[0]), ("template_checks.png", pages[-2]),
                           ("template_guide.png", pages[-1])):
            (out / name).write_bytes(page.read_bytes())
            print(out / name)


def stats_picture(out: Path) -> None:
    """The 统计 sheet of the demo's merge, rendered by LibreOffice."""
    from xltools.cli import demo
    from xltools.ops import merge
    from xltools.workbooks import rosterbook

    with tempfile.TemporaryDirectory() as tmp:
        inputs = demo.build(Path(tmp) / "demo")
        result = merge.merge([inputs], kind="流动", profile="chongqing")
        book = rosterbook.write(result, Path(tmp) / "统计.xlsx", sheets=("统计",))
        pdf = lo.convert(book, Path(tmp), "pdf")
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", str(pdf), str(Path(tmp) / "stats")],
                       check=True)
        (out / "merge_stats.png").write_bytes(next(Path(tmp).glob("stats*.png")).read_bytes())
        print(out / "merge_stats.png")


def form_pictures(out: Path) -> None:
    """A blank 附件1 (Chongqing) and the demo roster's forms prefilled and masked, as printed."""
    from xltools.cli import demo
    from xltools.ops import merge
    from xltools.workbooks import rosterbook
    from xltools.ops.forms import prefill

    with tempfile.TemporaryDirectory() as tmp:
        blank = prefill.blank(Path(tmp) / "blank.pdf", kind="流动", profile="chongqing", fmt="pdf")
        roster = rosterbook.write(merge.merge([demo.build(Path(tmp) / "demo")], kind="流动", profile="chongqing"),
                                  Path(tmp) / "花名册.xlsx")
        done = prefill.prefill(roster, Path(tmp) / "forms", fmt="pdf", mask=True, as_of=REPORT)
        for name, pdf in (("form_blank.png", blank), ("form_prefilled.png", sorted(done.files)[0])):
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(Path(tmp) / "p")],
                           check=True)
            page = next(Path(tmp).glob("p*.png"))
            (out / name).write_bytes(page.read_bytes())
            page.unlink()
            print(out / name)


if __name__ == "__main__":
    main()
    stats_picture(ROOT / "docs")
    form_pictures(ROOT / "docs")

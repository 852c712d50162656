"""The quarter in a real browser (Debian's Chromium through Playwright), with the same files as the CLI.

Each test drives the pages as a user would — open the address with the token, choose files or a
folder, press the button, watch the progress bar, read the result, filter, download — and compares
the downloaded workbooks with what the ``xltools`` command writes for the same inputs.
Screenshots go to ``docs/`` for the README.  Chromium missing is a failure, not a skip.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xltools.cli import demo
from xltools.workbooks.check import check_file
from xltools.cli.commands import main
from xltools.web.server import Running

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]
DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: apt-get install -y chromium chromium-driver"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """The demo's inbox (报送文件/…) in a folder of its own."""
    base = tmp_path_factory.mktemp("district")
    demo.build(base)
    return base


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Running(tmp_path_factory.mktemp("settings")).start()
    yield running
    running.stop()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    outside = []
    pg.on("request", lambda req: None if req.url.startswith(f"http://127.0.0.1:{server.port}/")
          else outside.append(req.url))
    problems = []
    pg.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    pg.goto(server.url)
    yield pg
    context.close()
    assert outside == [], "the pages asked another host"
    assert problems == [], "errors in the browser console (a Content-Security-Policy violation?)"


def cli(cwd: Path, *args) -> None:
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=cwd) as where:
        pass
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    assert res.exit_code in (0, 1), res.output
    shutil.rmtree(where, ignore_errors=True)


def sheets(path: Path, password: str | None = None) -> dict[str, list[tuple]]:
    """Every sheet's values (what a user sees), for comparing two workbooks."""
    data = path.read_bytes()
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def run_step(page, button: str, timeout: float = 120_000) -> None:
    """Press the step's button and wait until the progress bar shows 100% and the result is there."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_selector("form[data-ready]", state="attached")  # the page's script has taken the form
    page.get_by_role("button", name=button).click()
    try:
        page.wait_for_selector(".run progress[value='100']", state="attached", timeout=timeout)
    except PlaywrightTimeout:  # say where it stopped: the step shown, or the page's error
        raise AssertionError(f"{button} did not finish: step “{page.locator('.run .step').inner_text()}”, "
                             f"{page.locator('.run .counts').inner_text()}, error “{page.locator('p.error').all_inner_texts()}”") from None
    page.wait_for_selector(".result h2", timeout=timeout)
    assert page.locator(".run .percent").inner_text() == "100%"


def download(page, name: str, to: Path) -> Path:
    with page.expect_download() as got:
        page.locator("a.download", has_text=name).click()
    got.value.save_as(to)
    return to


def test_merge_a_folder_in_the_browser_gives_the_cli_workbook(page, district, tmp_path):
    page.get_by_role("link", name="合并").first.click()
    page.select_option("select[name=profile]", "chongqing")
    page.select_option("select[name=kind]", "流动")
    page.set_input_files("input[name=files][webkitdirectory]", district / "报送文件")
    run_step(page, "合并")
    summary = page.locator("#merge-summary").inner_text()
    assert "合并流动儿童：读取 7 个文件，未读取 1 个" in summary
    assert "留守儿童表" in page.locator("#unread").inner_text()
    # 问题清单 filters by 镇街: every row left is that township's
    issues = page.locator("#issues-table tbody tr")
    total = issues.count()
    page.select_option("#issues select[data-col='0']", "古路镇")
    visible = page.locator("#issues-table tbody tr:visible")
    assert 0 < visible.count() < total
    assert set(visible.locator("td:first-child").all_inner_texts()) == {"古路镇"}
    page.wait_for_selector(".chart canvas")
    page.locator(".run").scroll_into_view_if_needed()
    page.evaluate("document.querySelector('.run').scrollIntoView()")
    page.screenshot(path=str(DOCS / "web_merge.png"), full_page=False)
    page.evaluate("document.querySelector('.stats').scrollIntoView()")
    page.screenshot(path=str(DOCS / "web_merge_stats.png"), full_page=False)
    web = download(page, "花名册.xlsx", tmp_path / "web.xlsx")
    web_stats = download(page, "上报统计.xlsx", tmp_path / "web_stats.xlsx")

    cli(district, "merge", "报送文件", "-o", str(tmp_path / "cli.xlsx"), "--kind", "流动", "--profile",
        "chongqing", "--stats-output", str(tmp_path / "cli_stats.xlsx"))
    assert sheets(web) == sheets(tmp_path / "cli.xlsx")  # same rows, issues, duplicates, stats, accounts
    assert sheets(web_stats) == sheets(tmp_path / "cli_stats.xlsx")
    assert total == len(sheets(web)["问题清单"]) - 1


def test_merge_with_mask_and_encrypt_gives_the_cli_workbook(page, district, tmp_path):
    import msoffcrypto

    page.goto(page.url.split("/page")[0].rstrip("/") + "/page/merge")
    page.select_option("select[name=profile]", "chongqing")
    page.set_input_files("input[name=files][webkitdirectory]", district / "报送文件")
    page.check("input[name=mask]")
    page.check("input[name=encrypt]")
    page.fill("input[name=encrypt_password]", "口令2026")
    page.fill("input[name=encrypt_password2]", "口令2026")
    run_step(page, "合并")
    web = download(page, "花名册.xlsx", tmp_path / "web.xlsx")
    pw_file = tmp_path / "pw.txt"
    pw_file.write_text("口令2026\n", encoding="utf-8")
    cli(district, "merge", "报送文件", "-o", str(tmp_path / "cli.xlsx"), "--profile", "chongqing", "--mask",
        "--password-file", str(pw_file))

    def plain(path):
        out = io.BytesIO()
        office = msoffcrypto.OfficeFile(open(path, "rb"))
        office.load_key(password="口令2026")
        office.decrypt(out)
        target = path.with_suffix(".plain.xlsx")
        target.write_bytes(out.getvalue())
        return target

    assert sheets(plain(web)) == sheets(plain(tmp_path / "cli.xlsx"))
    assert "********" in str(sheets(plain(web))["花名册"][1])


def test_validate_in_the_browser_lists_every_issue_and_marks_the_cells(page, district, tmp_path):
    path = next((district / "报送文件" / "两路街道").glob("*.xlsx"))
    checked = check_file(path, profile="chongqing")
    page.get_by_role("link", name="校验").first.click()
    page.select_option("select[name=profile]", "chongqing")
    page.set_input_files("input[name=file]", path)
    run_step(page, "校验")
    s = checked.report.summary()
    assert f"共 {s['rows']} 行：错误 {s['errors']} 处" in page.locator("#validate-summary").inner_text()
    rows = page.locator("#issues-table tbody tr")
    assert rows.count() == len(checked.report.issues) > 0
    assert rows.nth(0).locator("td").all_inner_texts()[5] == checked.report.issues[0].message
    page.select_option("#issues select[data-col='3']", "错误")
    assert page.locator("#issues-table tbody tr:visible").count() == s["errors"]
    statuses = page.locator("#statuses-table tbody tr")
    assert statuses.count() == s["rows"]
    first = checked.report.statuses[0]
    assert statuses.nth(0).locator("td").all_inner_texts()[:3] == [str(first.row), str(first.age), first.category]
    page.evaluate("document.querySelector('.result').scrollIntoView()")
    page.screenshot(path=str(DOCS / "web_validate.png"), full_page=False)
    marked = download(page, "已标记", tmp_path / "marked.xlsx")
    ws = openpyxl.load_workbook(marked)[checked.roster.sheet]
    for issue in checked.report.issues:
        if issue.row and issue.column:
            cell = ws[f"{issue.column}{issue.row}"]
            assert cell.fill.fgColor.rgb.endswith(("FFC7CE", "FFEB9C")), issue
            assert issue.message in cell.comment.text


def test_templates_in_the_browser_are_the_cli_templates(page, tmp_path):
    page.get_by_role("link", name="生成模板").first.click()
    page.select_option("select[name=kind]", "流动")
    page.select_option("select[name=profile]", "chongqing")
    page.fill("textarea[name=units]", "两路街道双龙社区\n古路镇乌牛村\n")
    page.fill("input[name=rows]", "50")
    run_step(page, "生成模板")
    got = download(page, "模板.zip", tmp_path / "web.zip")
    cli(tmp_path, "template", "--kind", "流动", "--profile", "chongqing", "--unit", "两路街道双龙社区",
        "--unit", "古路镇乌牛村", "--rows", "50", "-o", str(tmp_path / "cli"))
    with zipfile.ZipFile(got) as z:
        names = sorted(z.namelist())
        assert names == sorted(p.name for p in (tmp_path / "cli").iterdir())
        for name in names:
            assert sheets_of_bytes(z.read(name)) == sheets((tmp_path / "cli") / name)


def sheets_of_bytes(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_split_reconcile_and_diff_in_the_browser_give_the_cli_files(page, district, tmp_path):
    cli(district, "merge", "报送文件", "-o", str(tmp_path / "花名册.xlsx"), "--profile", "chongqing")
    roster = tmp_path / "花名册.xlsx"
    # 拆分 by department
    page.get_by_role("link", name="拆分").first.click()
    page.set_input_files("input[name=roster]", roster)
    run_step(page, "拆分")
    assert "教育" in page.locator("#written").inner_text()
    got = download(page, "拆分_按部门.zip", tmp_path / "split.zip")
    cli(tmp_path, "split", str(roster), "--by", "部门", "-o", str(tmp_path / "cli_split"))
    web_split = tmp_path / "web_split"
    with zipfile.ZipFile(got) as z:
        z.extractall(web_split)
    names = sorted(p.name for p in web_split.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "cli_split").iterdir()) and names
    for name in names:
        assert sheets(web_split / name) == sheets(tmp_path / "cli_split" / name)
    # 收回核实 with the department files as they came back
    page.get_by_role("link", name="收回核实").first.click()
    page.set_input_files("input[name=roster]", roster)
    page.set_input_files("input[name=returned]:not([webkitdirectory])", sorted(web_split.iterdir()))
    run_step(page, "收回核实")
    assert "一致" in page.locator("#reconcile-summary").inner_text()
    web_rec = download(page, "核实后花名册.xlsx", tmp_path / "web_rec.xlsx")
    cli(tmp_path, "reconcile", str(roster), str(web_split), "-o", str(tmp_path / "cli_rec.xlsx"))
    web_rec_sheets, cli_rec_sheets = sheets(web_rec), sheets(tmp_path / "cli_rec.xlsx")
    assert web_rec_sheets.keys() == cli_rec_sheets.keys()
    for name in web_rec_sheets:
        if name != "核实汇总":  # names the returned files by their path
            assert web_rec_sheets[name] == cli_rec_sheets[name], name
    # 两期比较: last quarter's roster against the reconciled one
    page.get_by_role("link", name="两期比较").first.click()
    page.set_input_files("input[name=old]", roster)
    page.set_input_files("input[name=new]", web_rec)
    run_step(page, "比较")
    shown = page.locator("#diff-summary").inner_text()
    web_diff = download(page, "季度变化.xlsx", tmp_path / "web_diff.xlsx")
    cli(tmp_path, "diff", str(roster), str(web_rec), "-o", str(tmp_path / "cli_diff.xlsx"))
    web_d, cli_d = sheets(web_diff), sheets(tmp_path / "cli_diff.xlsx")
    assert web_d.keys() == cli_d.keys()
    for name in web_d:
        if name != "概况":  # names the two files by their path
            assert web_d[name] == cli_d[name], name
    assert "相符" in shown


def wait_saved(page) -> None:
    """Wait for the 设置 page's answer: 已保存, or the error it shows instead (then fail with it)."""
    page.wait_for_selector(".saved:has-text('已保存'), p.error:visible")
    assert page.locator("p.error:visible").all_inner_texts() == []
    assert "已保存" in page.locator(".saved").inner_text()


def test_settings_are_saved_to_xltools_toml_and_preselected(page, server):
    page.get_by_role("link", name="设置").first.click()
    page.select_option("select[name=profile]", "chongqing")
    page.select_option("select[name=kind]", "留守")
    page.fill("input[name=as_of]", "2026-09-30")
    page.wait_for_selector("form[data-ready]", state="attached")
    page.get_by_role("button", name="保存").click()
    wait_saved(page)
    saved = (server.server.settings_dir / "xltools.toml").read_text(encoding="utf-8")
    assert 'profile = "chongqing"' in saved and 'kind = "留守"' in saved and 'as_of = 2026-09-30' in saved
    page.get_by_role("link", name="合并").first.click()
    assert page.locator("select[name=kind]").input_value() == "留守"
    assert page.locator("input[name=as_of]").input_value() == "2026-09-30"
    page.get_by_role("link", name="设置").first.click()
    page.select_option("select[name=kind]", "")
    page.fill("input[name=as_of]", "")
    page.wait_for_selector("form[data-ready]", state="attached")
    page.get_by_role("button", name="保存").click()
    wait_saved(page)


def test_a_failed_step_says_why_in_chinese(page, tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    page.get_by_role("link", name="校验").first.click()
    page.set_input_files("input[name=file]", bad)
    page.wait_for_selector("form[data-ready]", state="attached")
    page.get_by_role("button", name="校验").click()
    error = page.locator("p.error")
    error.wait_for(state="visible")
    assert "损坏" in error.inner_text()


def test_the_opening_page_lists_the_quarter(page):
    assert page.url.endswith("/") and "token" not in page.url
    assert page.get_by_role("heading", name="一个季度的工作").is_visible()
    page.screenshot(path=str(DOCS / "web_index.png"))

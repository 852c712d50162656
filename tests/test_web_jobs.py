"""Long steps run as jobs whose progress streams to the page as Server-Sent Events."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from xltools.cli import demo
from xltools.web.server import Running


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Running(tmp_path_factory.mktemp("settings")).start()
    yield running
    running.stop()


def session(server) -> httpx.Client:
    c = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=120)
    c.get(server.url)  # the token becomes the session cookie
    return c


def post(server, c, op, **kw):
    return c.post(f"/run/{op}", headers={"X-CSRF-Token": server.server.keys.csrf}, **kw).json()


def events(c, url) -> list[tuple[str, dict]]:
    out, name = [], None
    with c.stream("GET", url) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        for line in resp.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                out.append((name, json.loads(line[6:])))
    return out


def test_merge_progress_counts_every_file_and_row_and_ends_done(server, tmp_path):
    inbox = demo.build(tmp_path)
    files = [("files", (p.relative_to(tmp_path).as_posix(), p.read_bytes()))
             for p in sorted(inbox.rglob("*")) if p.is_file()]
    c = session(server)
    job = post(server, c, "merge", files=files, data={"profile": "chongqing"})
    got = events(c, job["events"])
    names = [n for n, _ in got]
    assert names[-1] == "done" and set(names[:-1]) == {"progress"}
    done = [d["files_done"] for _, d in got]
    assert done == sorted(done)  # never goes back
    last = got[-1][1]
    assert last["percent"] == 100 and last["files_done"] == last["files_total"] == len(files)
    result = server.server.runner.jobs[job["job"]].result
    assert last["rows"] == result["totals"]["read"]  # rows of the files merged (the 留守 file is not)
    assert "花名册.xlsx" in server.server.runner.jobs[job["job"]].outputs


def test_a_step_without_its_files_fails_with_a_chinese_message(server):
    c = session(server)
    job = post(server, c, "merge", files={"other": (None, "x")})
    name, data = events(c, job["events"])[-1]
    assert name == "failed" and data["error"] == "请选择要合并的文件或文件夹。"
    page = c.get(job["result"])
    assert "请选择要合并的文件或文件夹" in page.text


def test_an_unknown_step_or_job_is_404(server):
    c = session(server)
    assert c.post("/run/format-disk", headers={"X-CSRF-Token": server.server.keys.csrf},
                  files={"a": (None, "b")}).status_code == 404
    assert c.get("/jobs/nope/events").status_code == 404
    assert c.get("/jobs/nope/files/花名册.xlsx").status_code == 404


def test_merge_uses_the_serve_folders_settings_file_as_the_cli_uses_it(server, tmp_path):
    """profile, 统计日期 and 填报单位 from xltools.toml: the web's workbook is the CLI's, sheet for sheet."""
    import io
    import os

    import openpyxl
    from click.testing import CliRunner

    from xltools.cli.commands import main

    settings_text = 'profile = "chongqing"\nas_of = 2026-09-30\nunit = "渝北区民政局"\n'
    settings_file = server.server.settings_dir / "xltools.toml"
    settings_file.write_text(settings_text, encoding="utf-8")
    try:
        inbox = demo.build(tmp_path)
        files = [("files", (p.relative_to(tmp_path).as_posix(), p.read_bytes()))
                 for p in sorted(inbox.rglob("*")) if p.is_file()]
        c = session(server)
        job = post(server, c, "merge", files=files, data={"profile": "", "as_of": "2026-09-30"})
        assert events(c, job["events"])[-1][0] == "done"
        web = server.server.runner.jobs[job["job"]].outputs["花名册.xlsx"]
    finally:
        settings_file.unlink()
    (tmp_path / "xltools.toml").write_text(settings_text, encoding="utf-8")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        res = CliRunner().invoke(main, ["merge", "报送文件", "-o", str(tmp_path / "cli.xlsx")])
    finally:
        os.chdir(old)
    assert res.exit_code in (0, 1), res.output

    def sheets(path, settings_path):  # messages name the settings file by its path: one name for both
        wb = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
        return {ws.title: [tuple(v.replace(str(settings_path), "xltools.toml") if isinstance(v, str) else v
                                 for v in r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}

    web_sheets = sheets(web, settings_file)
    cli_sheets = sheets(tmp_path / "cli.xlsx", (tmp_path / "xltools.toml").resolve())
    assert web_sheets == cli_sheets
    shown = str(web_sheets["统计"])
    assert "渝北区民政局" in shown and "设置文件 xltools.toml" in str(web_sheets["问题清单"])

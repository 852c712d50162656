"""The quarter's steps as the web pages run them: the form in, :mod:`xltools.runs` does the work.

Each function takes the uploaded form (:class:`xltools.web.workspace.Form`), the
job's folder, a :class:`xltools.web.jobs.Progress` and the district's
:class:`xltools.workbooks.settings.Settings` (the ``xltools.toml`` of the folder serve runs in),
calls the same :mod:`xltools.runs` function as the matching CLI command (so what is
read, checked, masked, encrypted and written is the CLI's by construction), and
returns what the result page shows plus the files to download.  No rule, option
list or label is spelled here: choices come from the schema, the profiles and
:mod:`xltools.core.departments`; messages from the library.

Uploaded files keep the names the browser gave (a folder upload gives
``报送文件/两路街道/x.xlsx``), so the 花名册's 来源文件 column reads as it does when
``xltools merge 报送文件`` runs in the folder above.
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from pathlib import Path

import pandas as pd

from xltools.core import departments, profiles
from xltools.workbooks import isolation, privacy
from xltools import runs
from xltools.workbooks.check import KindUnknown
from xltools.workbooks.readers import ReadError
from xltools.core.schema import KIND_LABELS
from xltools.workbooks.settings import Settings
from xltools.core.textreport import column_title, merge_text
from xltools.web.jobs import Progress, UserError
from xltools.web.workspace import Form

SHOWN_ROWS = 5000  # table rows a page shows; the workbooks have all


def kinds() -> list[tuple[str, str]]:
    """(value as the CLI takes it, label) of the two forms."""
    return [(label, f"{label}儿童") for label in KIND_LABELS.values()]


def profile_choices() -> list[tuple[str, str]]:
    return [(name, profiles.load(name).label) for name in profiles.available()]


def department_names() -> list[str]:
    return [d.name for d in departments.DEPARTMENTS]


# --- reading the form ----------------------------------------------------------------------

def _date(text: str, what: str) -> _dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what}“{text}”不是日期，请写成 2024-09-30 的格式。") from None


def _passwords(text: str, bare: bool = False) -> tuple[dict[str, str], str | None]:
    """``文件名=密码`` lines (as ``--password`` takes them); with ``bare`` a line with only a
    password opens every encrypted file (as reconcile's ``--password 密码``)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines:
        if "=" not in line and not bare:
            raise UserError(f"密码应写成 文件名=密码（每行一个），实为“{line}”。")
    return runs.password_pairs(lines)


def _open_password(form: Form) -> str | None:
    """The password to encrypt outputs with (``--encrypt``), typed twice on the page."""
    if not form.flag("encrypt"):
        return None
    pw, again = form.get("encrypt_password"), form.get("encrypt_password2")
    if not pw:
        raise UserError("选了“加密输出文件”，请输入打开密码。")
    if pw != again:
        raise UserError("两次输入的加密密码不一致，请重新输入。")
    return pw


def _files(form: Form, name: str, what: str) -> list[Path]:
    got = form.files.get(name, [])
    if not got:
        raise UserError(f"请选择{what}。")
    return got


def _one(form: Form, name: str, what: str) -> Path:
    got = _files(form, name, what)
    if len(got) > 1:
        raise UserError(f"{what}只能选一个文件。")
    return got[0]


def _read_error(exc) -> UserError:
    return UserError(getattr(exc, "message", None) or ReadError.MESSAGES.get(getattr(exc, "code", ""), str(exc)))


def _profile_name(name: str | None) -> str | None:
    """The profile chosen on the page, or None (the CLI without --profile: settings, then recorded)."""
    try:
        return profiles.load(name).name if name else None
    except profiles.UnknownProfile as exc:
        raise UserError(str(exc)) from None


def _chosen_profile(form: Form, conf: Settings) -> str | None:
    """The page's profile as the CLI's ``--profile``: the setting the page preselected, left as it
    was, is the setting (and the result says it came from xltools.toml), not an option given."""
    name = _profile_name(form.get("profile"))
    return None if name == conf.profile else name


def _chosen_as_of(form: Form, conf: Settings) -> _dt.date | None:
    """The page's 统计日期 as the CLI's ``--as-of`` (the preselected setting left as it was: None)."""
    when = _date(form.get("as_of"), "统计日期")
    return None if when == conf.as_of else when


def _zip(folder: Path, out: Path, files: list[Path]) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f, f.relative_to(folder).as_posix())
    return out


def _rows(df: pd.DataFrame, columns: list[tuple[str, str]]) -> tuple[list[str], list[list]]:
    """(headers, rows as text) of ``df``'s ``columns`` (key, header), at most :data:`SHOWN_ROWS`."""
    keys = [k for k, _ in columns if k in df.columns]
    heads = [h for k, h in columns if k in df.columns]
    part = df.head(SHOWN_ROWS)
    rows = [["" if v is None or v != v else str(v) for v in r] for r in part[keys].itertuples(index=False)]
    return heads, rows


# --- 生成模板 -------------------------------------------------------------------------------

def template(form: Form, folder: Path, progress: Progress, conf: Settings):
    """``xltools template --kind … --units … -o 文件夹``: one template per unit, as a zip."""
    from xltools.ops import templates

    try:
        names = [line.strip() for line in form.get("units").splitlines() if line.strip()]
        for f in form.files.get("units_file", []):
            names += templates.read_units(f)
        rows = int(form.get("rows") or 1000)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if not 1 <= rows <= 20000:
        raise UserError("预留的儿童行数应在 1 到 20000 之间。")
    if not names:
        raise UserError("请填写填报单位（每行一个），或上传单位名单。")
    report_date = _date(form.get("report_date"), "填报日期")
    open_password = _open_password(form)
    progress.step("生成模板", files_total=len(names))
    out = folder / "模板"
    try:
        paths = runs.templates(out, form.get("kind"), form.get("profile") or None, names, rows=rows,
                               protect_password=form.get("protect_password") or None, report_date=report_date,
                               open_password=open_password, progress=lambda path: progress.file_done())
    except ValueError as exc:
        raise UserError(str(exc)) from None
    archive = _zip(out, folder / "模板.zip", paths)
    return ({"kind": "template", "files": [p.name for p in paths], "encrypted": bool(open_password)},
            {"模板.zip": archive})


# --- 校验 -----------------------------------------------------------------------------------

def validate(form: Form, folder: Path, progress: Progress, conf: Settings):
    """``xltools validate 文件``: the report, every row's status, and a marked copy of the file."""
    from xltools.workbooks import marking
    from xltools.core.issues import SEVERITY_LABELS

    path = _one(form, "file", "要校验的文件")
    progress.step("读取和校验", files_total=1)
    try:
        checked = runs.validate(path, kind=form.get("kind") or None, profile=_chosen_profile(form, conf),
                                as_of=_chosen_as_of(form, conf), password=form.get("password") or None,
                                sheet=form.get("sheet") or None, settings=conf)
    except (ReadError, KindUnknown) as exc:
        raise _read_error(exc) from None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    report = checked.report
    progress.file_done(report.rows)
    outputs, mark_note = {}, ""
    marked_name = f"{path.stem}_已标记{path.suffix}"
    if report.issues:
        progress.step("标记问题单元格")
        try:
            outputs[marked_name] = marking.mark_copy(path, folder / marked_name, checked.roster.sheet, report.issues,
                                                     password=form.get("password") or None)
        except marking.MarkError as exc:
            mark_note = exc.message
    s = report.summary()
    issues = [[i.row or "", i.column, i.label, SEVERITY_LABELS[i.severity], i.title, i.message]
              for i in report.issues]
    statuses = [[st.row, "" if st.age is None else st.age, st.category, "；".join(st.reasons),
                 "是" if st.key_care else "否", "；".join(st.key_care_reasons), st.errors, st.warnings]
                for st in list(report.statuses or [])[:SHOWN_ROWS]]
    src = report.source
    return ({"kind": "validate", "file": path.name, "source": src, "summary": s,
             "as_of": report.as_of.isoformat(), "as_of_source": report.as_of_source,
             "profile": profiles.load(report.profile).label,
             "columns": [(letter, column_title(report.kind, key)) for key, letter in report.columns.items()],
             "ignored": report.ignored, "issues": issues, "statuses": statuses, "statuses_total": report.rows,
             "marked": marked_name if marked_name in outputs else "", "mark_note": mark_note}, outputs)


# --- 合并 -----------------------------------------------------------------------------------

def merge(form: Form, folder: Path, progress: Progress, conf: Settings):
    """``xltools merge 文件或文件夹 -o 花名册.xlsx [--stats-output] [--mask] [--encrypt]``."""
    from xltools.ops import merge as merging
    from xltools.workbooks import rosterbook
    from xltools.core import stats

    _files(form, "files", "要合并的文件或文件夹")
    root = folder / "files"
    profile, as_of = _chosen_profile(form, conf), _chosen_as_of(form, conf)
    passwords, _ = _passwords(form.get("passwords"))
    open_password = _open_password(form)
    mask = form.flag("mask")
    out_dir = folder / "结果"
    progress.step("读取和校验文件", files_total=len(merging.collect([root])))
    try:
        run = runs.merge([root], out_dir / "花名册.xlsx", kind=form.get("kind") or None, profile=profile, as_of=as_of,
                         passwords=passwords, mask=mask, open_password=open_password,
                         stats_path=out_dir / "上报统计.xlsx" if form.flag("stats_output") else None, settings=conf,
                         progress=lambda path, rows: progress.file_done(rows), names_from=root)
    except (ValueError, privacy.OutputError) as exc:
        raise UserError(str(exc)) from None
    progress.step("写出花名册")
    result, written = run.result, run.written
    outputs = {"花名册.xlsx": run.output}
    if run.stats_output:
        outputs["上报统计.xlsx"] = run.stats_output
    log = isolation.log_path(run.output)
    if log.exists():
        outputs[log.name] = log
    roster = written.roster
    places = (roster.groupby("source_file")[["town", "village"]].first().to_dict("index") if len(roster) else {})
    issues = []
    for fp, sheet, issue in written.issues[:SHOWN_ROWS]:
        place = places.get(fp, {})
        issues.append([place.get("town", ""), place.get("village", ""),
                       *rosterbook.issue_row(fp, sheet, issue)])
    issue_heads = ["镇街", "村社区", *(h for _, h in rosterbook.ISSUE_COLUMNS)]
    dup_cols = [("duplicate_group", "组"), ("kept", "保留"), ("name", "姓名"), ("id_number", "公民身份号码"),
                ("town", "镇街"), ("village", "村社区"), ("source_file", "来源文件"), ("source_row", "行号")]
    dups = written.duplicates.assign(kept=written.duplicates["kept"].map({True: "保留", False: "已合并"})) \
        if len(written.duplicates) and "kept" in written.duplicates else written.duplicates
    tables = [(title, [str(c) for c in df.columns], [[str(v) for v in r] for r in df.itertuples(index=False)])
              for title, df in stats.tables(result.roster, result.kind, profiles.load(result.profile))] if len(result.roster) else []
    return ({"kind": "merge", "summary": merge_text(written, "花名册.xlsx（见下方下载）").splitlines(),
             "totals": result.totals(), "files": len(result.files), "unread": [(f.path, f.reason) for f in written.unread],
             "issues_total": len(written.issues), "issue_heads": issue_heads, "issues": issues,
             "duplicates": _rows(dups, dup_cols), "stats": tables, "masked": mask,
             "encrypted": bool(open_password), "kind_label": KIND_LABELS[result.kind]}, outputs)


# --- 拆分、收回核实、两期比较 -----------------------------------------------------------------

def _roster_book(path: Path, password: str | None, profile: str | None = None):
    from xltools.workbooks import rosterread

    try:
        return rosterread.read(path, password=password or None, profile=profile or None)
    except (ReadError, rosterread.RosterError) as exc:
        raise UserError(f"无法读取花名册：{getattr(exc, 'message', exc)}") from None


def split(form: Form, folder: Path, progress: Progress, conf: Settings):
    """``xltools split 花名册 --by 镇街|部门 [--department …] [--mask] [--encrypt]``, as a zip."""
    path = _one(form, "roster", "花名册")
    progress.step("读取花名册", files_total=1)
    book = _roster_book(path, form.get("password"), form.get("profile"))
    progress.file_done(len(book.roster))
    open_password = _open_password(form)
    mask = form.flag("mask")
    by = form.get("by")
    out = folder / "拆分"
    progress.step("写出文件")
    try:
        written = runs.split(book, by, out, departments=form.getlist("department"), mask=mask,
                             open_password=open_password)
    except (ValueError, privacy.OutputError) as exc:
        raise UserError(str(exc)) from None
    archive = _zip(out, folder / f"拆分_按{by}.zip", [w.path for w in written])
    return ({"kind": "split", "by": by, "written": [(w.name, w.rows, w.issues, w.path.name) for w in written],
             "masked": mask, "encrypted": bool(open_password),
             "unprotected": runs.unprotected([book], open_password, mask)}, {archive.name: archive})


def reconcile(form: Form, folder: Path, progress: Progress, conf: Settings):
    """``xltools reconcile 花名册 交回/ -o 核实后花名册.xlsx [--password [文件=]密码]``."""
    from xltools.ops import merge as merging

    pw, shared = _passwords(form.get("passwords"), bare=True)
    roster_path = _one(form, "roster", "花名册")
    _files(form, "returned", "各部门交回的文件")
    book = _roster_book(roster_path, form.get("password") or runs.password_of(roster_path, pw, shared),
                        form.get("profile"))
    open_password = _open_password(form)
    returned = folder / "returned"
    progress.step("读取交回的文件", files_total=len(merging.collect([returned])))
    try:
        run = runs.reconcile(book, [returned], folder / "结果" / "核实后花名册.xlsx", passwords=pw,
                             shared_password=shared, mask=form.flag("mask"), open_password=open_password,
                             progress=lambda path, rows: progress.file_done(rows))
    except privacy.OutputError as exc:
        raise UserError(str(exc)) from None
    progress.step("核对并写出新花名册")
    result = run.result
    lines = [f"{r.department}（{Path(r.path).name}）：{r.rows} 行，对上 {r.matched}，花名册中没有 {len(r.unmatched)}，"
             f"未答复 {len(r.unanswered)}" for r in run.returned]
    lines += [f"提醒：{Path(r.path).name}：{r.note}" for r in run.returned if r.note]
    if result.not_returned:
        lines.append(f"尚未交回：{'、'.join(result.not_returned)}（见“核实汇总”）")
    lines.append(f"一致 {result.agreed} 项；自动采用更正 {result.applied} 处；待人工核实 {result.pending} 处；"
                 f"未匹配 {result.unmatched} 条（见“核实差异”“未匹配”表）。")
    return ({"kind": "reconcile", "lines": lines, "failed": [(Path(f).name, why) for f, why in run.failed],
             "unprotected": runs.unprotected([book], open_password, form.flag("mask"))},
            {run.output.name: run.output})


def diff(form: Form, folder: Path, progress: Progress, conf: Settings):
    """``xltools diff 上期 本期 -o 季度变化.xlsx [--as-of]``."""
    old_path, new_path = _one(form, "old", "上期花名册"), _one(form, "new", "本期花名册")
    progress.step("读取两期花名册", files_total=2)
    old_book = _roster_book(old_path, form.get("old_password"))
    progress.file_done(len(old_book.roster))
    new_book = _roster_book(new_path, form.get("new_password"))
    progress.file_done(len(new_book.roster))
    open_password = _open_password(form)
    progress.step("比较")
    try:
        changes, out = runs.diff(old_book, new_book, folder / "结果" / "季度变化.xlsx",
                                 as_of=_date(form.get("as_of"), "本期统计日期"), mask=form.flag("mask"),
                                 open_password=open_password)
    except (ValueError, privacy.OutputError) as exc:
        raise UserError(str(exc)) from None
    return ({"kind": "diff", "summary": [(label, str(value)) for label, value in changes.summary()],
             "unprotected": runs.unprotected([old_book, new_book], open_password, form.flag("mask"))},
            {out.name: out})


OPERATIONS = {"template": template, "validate": validate, "merge": merge, "split": split,
              "reconcile": reconcile, "diff": diff}

"""The quarter's steps as the web pages run them: the same library calls as ``xltools.cli``.

Each function takes the uploaded form (:class:`xltools.web.workspace.Form`), the
job's folder and a :class:`xltools.web.jobs.Progress`, calls the library exactly
as the matching CLI command does (same functions, same order, same options), and
returns what the result page shows plus the files to download.  No rule, option
list or label is spelled here: choices come from the schema, the profiles and
:mod:`xltools.departments`; messages from the library.

Uploaded files keep the names the browser gave (a folder upload gives
``报送文件/两路街道/x.xlsx``), so the 花名册's 来源文件 column reads as it does when
``xltools merge 报送文件`` runs in the folder above.
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from pathlib import Path

import pandas as pd

from .. import departments, profiles
from ..check import KindUnknown, check_file
from ..readers import ReadError
from ..schema import KIND_LABELS, parse_kind
from ..textreport import column_title, merge_text
from .jobs import Progress, UserError
from .workspace import Form

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


def _passwords(text: str) -> dict[str, str]:
    """``文件名=密码`` lines (as ``--password`` takes them)."""
    out = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if "=" not in line:
            raise UserError(f"密码应写成 文件名=密码（每行一个），实为“{line.strip()}”。")
        name, pw = line.split("=", 1)
        out[name.strip()] = pw
        out[Path(name.strip()).name] = pw
    return out


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


def _profile(name: str | None):
    try:
        return profiles.load(name or None)
    except profiles.UnknownProfile as exc:
        raise UserError(str(exc)) from None


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

def template(form: Form, folder: Path, progress: Progress):
    """``xltools template --kind … --units … -o 文件夹``: one template per unit, as a zip."""
    from .. import privacy, templates

    try:
        k = parse_kind(form.get("kind"))
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
    prof = _profile(form.get("profile"))
    report_date = _date(form.get("report_date"), "填报日期")
    open_password = _open_password(form)
    progress.step("生成模板", files_total=len(names))
    out = folder / "模板"
    paths = templates.build_templates(out, k, prof, names, rows=rows, password=form.get("protect_password") or None,
                                      report_date=report_date)
    for p in paths:
        if open_password:
            privacy.encrypt_file(p, open_password)
        progress.file_done()
    archive = _zip(out, folder / "模板.zip", paths)
    return ({"kind": "template", "files": [p.name for p in paths], "encrypted": bool(open_password)},
            {"模板.zip": archive})


# --- 校验 -----------------------------------------------------------------------------------

def validate(form: Form, folder: Path, progress: Progress):
    """``xltools validate 文件``: the report, every row's status, and a marked copy of the file."""
    from .. import marking
    from ..issues import SEVERITY_LABELS

    path = _one(form, "file", "要校验的文件")
    progress.step("读取和校验", files_total=1)
    try:
        checked = check_file(path, kind=form.get("kind") or None, profile=_profile(form.get("profile")),
                             as_of=_date(form.get("as_of"), "统计日期"), password=form.get("password") or None,
                             sheet=form.get("sheet") or None)
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

def _relabel(result, root: Path) -> None:
    """Paths of the uploaded files as the user named them (relative to the upload folder)."""
    def rel(p) -> str:
        try:
            return Path(p).relative_to(root).as_posix()
        except ValueError:
            return str(p)

    for f in result.files:
        f.path = rel(f.path)
    result.issues = [(rel(fp), sheet, i) for fp, sheet, i in result.issues]
    for df in (result.roster, result.duplicates, result.rejected):
        if len(df) and "source_file" in df.columns:
            names = {s: rel(s) for s in df["source_file"].unique()}
            df["source_file"] = df["source_file"].map(names)


def merge(form: Form, folder: Path, progress: Progress):
    """``xltools merge 文件或文件夹 -o 花名册.xlsx [--stats-output] [--mask] [--encrypt]``."""
    from .. import merge as merging, privacy, rosterbook, stats

    _files(form, "files", "要合并的文件或文件夹")
    root = folder / "files"
    prof = _profile(form.get("profile"))
    as_of = _date(form.get("as_of"), "统计日期")
    passwords = _passwords(form.get("passwords"))
    open_password = _open_password(form)
    mask = form.flag("mask")
    files = merging.collect([root])
    progress.step("读取和校验文件", files_total=len(files))
    try:
        result = merging.merge([root], kind=form.get("kind") or None, profile=prof, as_of=as_of,
                               passwords=passwords, progress=lambda path, rows: progress.file_done(rows))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    _relabel(result, root)
    progress.step("写出花名册")
    written = privacy.mask_result(result) if mask else result
    out_dir = folder / "结果"
    outputs = {"花名册.xlsx": privacy.save(out_dir / "花名册.xlsx",
                                           lambda tmp: rosterbook.write(written, tmp, [root]), password=open_password)}
    if form.flag("stats_output"):
        outputs["上报统计.xlsx"] = privacy.save(
            out_dir / "上报统计.xlsx",
            lambda tmp: rosterbook.write(result, tmp, [root], sheets=(rosterbook.STATS_SHEET,)), password=open_password)
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
              for title, df in stats.tables(result.roster, result.kind, prof)] if len(result.roster) else []
    return ({"kind": "merge", "summary": merge_text(written, "花名册.xlsx（见下方下载）").splitlines(),
             "totals": result.totals(), "files": len(result.files), "unread": [(f.path, f.reason) for f in written.unread],
             "issues_total": len(written.issues), "issue_heads": issue_heads, "issues": issues,
             "duplicates": _rows(dups, dup_cols), "stats": tables, "masked": mask,
             "encrypted": bool(open_password), "kind_label": KIND_LABELS[result.kind]}, outputs)


# --- 拆分、收回核实、两期比较 -----------------------------------------------------------------

def _roster_book(path: Path, password: str | None, profile: str | None = None):
    from .. import rosterread

    try:
        return rosterread.read(path, password=password or None, profile=profile or None)
    except (ReadError, rosterread.RosterError) as exc:
        raise UserError(f"无法读取花名册：{getattr(exc, 'message', exc)}") from None


def split(form: Form, folder: Path, progress: Progress):
    """``xltools split 花名册 --by 镇街|部门 [--department …] [--mask] [--encrypt]``, as a zip."""
    from .. import privacy, split as splitting

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
        if by == splitting.BY_DEPARTMENT:
            depts = [departments.find(n) for n in form.getlist("department")] or None
            written = splitting.by_department(book, out, depts, mask=mask, password=open_password)
        elif by == splitting.BY_TOWN:
            written = splitting.by_town(book, out, mask=mask, password=open_password)
        else:
            raise UserError("请选择按镇街还是按部门拆分。")
    except (ValueError, privacy.OutputError) as exc:
        raise UserError(str(exc)) from None
    archive = _zip(out, folder / f"拆分_按{by}.zip", [w.path for w in written])
    return ({"kind": "split", "by": by, "written": [(w.name, w.rows, w.issues, w.path.name) for w in written],
             "masked": mask, "encrypted": bool(open_password),
             "unprotected": book.encrypted and not open_password and not mask}, {archive.name: archive})


def reconcile(form: Form, folder: Path, progress: Progress):
    """``xltools reconcile 花名册 交回/ -o 核实后花名册.xlsx``."""
    from .. import merge as merging, privacy, reconcile as rec_mod

    pw = _passwords(form.get("passwords"))
    roster_path = _one(form, "roster", "花名册")
    _files(form, "returned", "各部门交回的文件")
    book = _roster_book(roster_path, form.get("password") or pw.get(roster_path.name), form.get("profile"))
    open_password = _open_password(form)
    files = merging.collect([folder / "returned"])
    progress.step("读取交回的文件", files_total=len(files))
    got, failed = [], []
    for f in files:
        try:
            got.append(rec_mod.read_returned(f, book, password=pw.get(str(f)) or pw.get(f.name)))
            progress.file_done(got[-1].rows)
        except (rec_mod.ReturnedError, ReadError) as exc:
            failed.append((f.name, getattr(exc, "message", str(exc))))
            progress.file_done()
    progress.step("核对并写出新花名册")
    result = rec_mod.reconcile(book, got)
    try:
        out = rec_mod.write(result, folder / "结果" / "核实后花名册.xlsx", mask=form.flag("mask"),
                            password=open_password, inputs=files)
    except privacy.OutputError as exc:
        raise UserError(str(exc)) from None
    lines = [f"{r.department}（{Path(r.path).name}）：{r.rows} 行，对上 {r.matched}，花名册中没有 {len(r.unmatched)}，"
             f"未答复 {len(r.unanswered)}" for r in got]
    lines.append(f"一致 {result.agreed} 项；自动采用更正 {result.applied} 处；待人工核实 {result.pending} 处；"
                 f"未匹配 {result.unmatched} 条（见“核实差异”“未匹配”表）。")
    return ({"kind": "reconcile", "lines": lines, "failed": failed,
             "unprotected": book.encrypted and not open_password and not form.flag("mask")},
            {out.name: out})


def diff(form: Form, folder: Path, progress: Progress):
    """``xltools diff 上期 本期 -o 季度变化.xlsx [--as-of]``."""
    from .. import diff as diffing, privacy

    old_path, new_path = _one(form, "old", "上期花名册"), _one(form, "new", "本期花名册")
    progress.step("读取两期花名册", files_total=2)
    old_book = _roster_book(old_path, form.get("old_password"))
    progress.file_done(len(old_book.roster))
    new_book = _roster_book(new_path, form.get("new_password"))
    progress.file_done(len(new_book.roster))
    if old_book.kind != new_book.kind:
        raise UserError("两期花名册的表格类别不同（一个是流动儿童，一个是留守儿童），无法比较。")
    open_password = _open_password(form)
    progress.step("比较")
    changes = diffing.diff(old_book, new_book, _date(form.get("as_of"), "本期统计日期"))
    try:
        out = diffing.write(changes, folder / "结果" / "季度变化.xlsx", mask=form.flag("mask"), password=open_password)
    except privacy.OutputError as exc:
        raise UserError(str(exc)) from None
    return ({"kind": "diff", "summary": [(label, str(value)) for label, value in changes.summary()],
             "unprotected": (old_book.encrypted or new_book.encrypted) and not open_password
             and not form.flag("mask")}, {out.name: out})


OPERATIONS = {"template": template, "validate": validate, "merge": merge, "split": split,
              "reconcile": reconcile, "diff": diff}

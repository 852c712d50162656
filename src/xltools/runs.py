"""Each quarterly command from its inputs to its written files: the one pipeline both shells run.

``xltools`` (the CLI) and ``xltools serve`` (the web pages) differ only in how they take
their arguments and how they show the result; what is read, in which order, what is
masked, refused, encrypted and written is here, once.  Each function takes plain
arguments (paths, options, the district's :class:`xltools.workbooks.settings.Settings`, an
optional progress callback), writes its files atomically and returns what a shell
shows.  Errors are the library's own (``ValueError`` with a Chinese message,
:class:`xltools.workbooks.privacy.OutputError`, :class:`xltools.workbooks.readers.ReadError`); each shell
turns them into its own words (a usage error, a page message).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xltools.workbooks import atomic, isolation, privacy, rosterbook
from xltools.ops import merge as merging
from xltools.core import profiles
from xltools.workbooks.check import check_file
from xltools.workbooks.settings import Settings

Progress = Callable[[Path, int], None]  # (file just read, its rows)


def password_pairs(items) -> tuple[dict[str, str], str | None]:
    """``文件=密码`` items as {file: password} (by the path as written and by its name), and the
    first bare ``密码`` (no ``文件=``) for every encrypted file, or None."""
    pairs, shared = {}, None
    for item in items:
        if "=" not in item:
            shared = item if shared is None else shared
            continue
        name, pw = item.split("=", 1)
        name = name.strip()
        pairs[name] = pw
        pairs[str(Path(name))] = pw
        pairs[Path(name).name] = pw
    return pairs, shared


def password_of(path, pairs: dict[str, str], shared: str | None = None) -> str | None:
    """The password given for ``path`` (by path, then by name), else the shared one."""
    return pairs.get(str(path)) or pairs.get(Path(path).name) or shared


# --- merge ---------------------------------------------------------------------------------

@dataclass
class MergeRun:
    result: merging.MergeResult   # as read: the statistics come from it
    written: merging.MergeResult  # as written to the 花名册 (masked with ``mask``)
    output: Path
    stats_output: Path | None = None
    json_output: Path | None = None
    settings: Settings = field(default_factory=Settings)


def relabel(result: merging.MergeResult, root: Path) -> None:
    """Source paths relative to ``root``, as the user named them (the web's upload folder)."""
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


def merge(inputs, output, *, kind: str | None = None, profile: str | None = None, as_of: _dt.date | None = None,
          passwords: dict[str, str] | None = None, mask: bool = False, open_password: str | None = None,
          stats_path=None, json_path=None, settings: Settings | None = None, progress: Progress | None = None,
          names_from: Path | None = None) -> MergeRun:
    """``xltools merge``: read and check ``inputs``, write the 花名册 to ``output`` (masked with
    ``mask``, encrypted with ``open_password``), the statistics-only workbook to ``stats_path``
    and the accounts as JSON to ``json_path``.  Options given win over ``settings``;
    ``names_from`` shows source files relative to that folder.  Raises ``ValueError`` for a
    wrong kind, :class:`privacy.OutputError` for an output that would overwrite an input."""
    conf = settings or Settings()
    profiles.load(profile)  # an unknown name is the user's mistake: raised before any file is read
    source = "--profile" if profile else (f"设置文件 {conf.name}" if conf.profile else "")
    inputs = [Path(i) for i in inputs]
    output = Path(output)
    result = merging.merge(merging.collect(inputs), kind=kind or conf.kind, profile=profile or conf.profile,
                           as_of=as_of or conf.as_of, passwords=passwords or {}, progress=progress,
                           profile_source=source, synonyms=conf.synonyms, unit=conf.unit,
                           as_of_source="--as-of" if as_of else f"设置文件 {conf.name}",
                           error_log=isolation.log_path(output))
    read = [Path(f.path) for f in result.files]
    privacy.refuse_input(output, read + inputs)
    if stats_path:
        privacy.refuse_input(Path(stats_path), read + inputs + [output])
    if names_from is not None:
        relabel(result, Path(names_from))
    written = privacy.mask_result(result) if mask else result
    run = MergeRun(result, written, output, settings=conf)
    run.output = privacy.save(output, lambda tmp: rosterbook.write(written, tmp, inputs), password=open_password)
    if stats_path:
        run.stats_output = privacy.save(Path(stats_path), lambda tmp: rosterbook.write(
            result, tmp, inputs, sheets=(rosterbook.STATS_SHEET,)), password=open_password)
    if json_path:
        run.json_output = atomic.write_bytes(
            json_path, json.dumps(written.to_dict(), ensure_ascii=False, indent=1).encode("utf-8"))
    return run


# --- validate, template ----------------------------------------------------------------------

def validate(file, *, kind: str | None = None, profile: str | None = None, as_of: _dt.date | None = None,
             password: str | None = None, sheet: str | None = None, settings: Settings | None = None):
    """``xltools validate``: the :class:`xltools.workbooks.check.Checked` file, defaults from ``settings``
    (and the report saying so).  Raises ``ReadError`` / ``KindUnknown`` for an unreadable file."""
    conf = settings or Settings()
    source = "--profile" if profile else (f"设置文件 {conf.name}" if conf.profile else "")
    checked = check_file(file, kind=kind or conf.kind, profile=profile or conf.profile, as_of=as_of or conf.as_of,
                         password=password, sheet=sheet, profile_source=source, synonyms=conf.synonyms)
    if not as_of and conf.as_of:
        checked.report.as_of_source = f"设置文件 {conf.name}"
    return checked


def templates(output, kind: str, profile: str | None, units: list[str], *, rows: int = 1000,
              protect_password: str | None = None, report_date: _dt.date | None = None,
              open_password: str | None = None, one_file: bool = False,
              progress: Callable[[Path], None] | None = None) -> list[Path]:
    """``xltools template``: one template per unit in the folder ``output`` (or the one file
    ``output`` with ``one_file``); blank templates hold no personal data, so
    ``open_password`` encrypts them in place.  Raises ``ValueError`` for a wrong kind or profile."""
    from xltools.ops import templates as tpl
    from xltools.core.schema import parse_kind

    k, prof = parse_kind(kind), profiles.load(profile)
    if not units:
        raise ValueError("请写出填报单位，或给出单位名单。")
    output = Path(output)
    if one_file:
        output.parent.mkdir(parents=True, exist_ok=True)
        paths = [tpl.build_template(output, k, prof, units[0], rows=rows, password=protect_password,
                                    report_date=report_date)]
    else:
        paths = tpl.build_templates(output, k, prof, units, rows=rows, password=protect_password,
                                    report_date=report_date)
    for p in paths:
        if open_password:
            privacy.encrypt_file(p, open_password)
        if progress:
            progress(p)
    return paths


# --- split, reconcile, diff ----------------------------------------------------------------

BY = ("镇街", "部门")


def split(book, by: str, out_dir, *, departments=None, mask: bool = False, open_password: str | None = None):
    """``xltools split``: one file per township (``by="镇街"``) or one verification workbook per
    department (``by="部门"``; ``departments`` names some, default all).  Returns the
    :class:`xltools.ops.split.Written` files.  Raises ``ValueError`` for an unknown ``by`` or department."""
    from xltools.core import departments as depts_mod
    from xltools.ops import split as splitting

    if by == "部门":
        chosen = [depts_mod.find(n) for n in departments or ()] or None
        return splitting.by_department(book, out_dir, chosen, mask=mask, password=open_password)
    if by == "镇街":
        return splitting.by_town(book, out_dir, mask=mask, password=open_password)
    raise ValueError(f"请选择按{'还是按'.join(BY)}拆分。")


@dataclass
class ReconcileRun:
    result: object                 # :class:`xltools.ops.reconcile.Reconciliation`
    returned: list                 # the :class:`xltools.ops.reconcile.Returned` files read
    failed: list[tuple[Path, str]]  # files that could not be read, and why
    files: list[Path]
    output: Path


def reconcile(book, returned, output, *, passwords: dict[str, str] | None = None, shared_password: str | None = None,
              sent_dir=None, mask: bool = False, open_password: str | None = None,
              progress: Progress | None = None) -> ReconcileRun:
    """``xltools reconcile``: read each returned file (one that cannot be read is listed, the
    rest go on), reconcile with ``book`` (departments sent from ``sent_dir``), write ``output``."""
    from xltools.ops import reconcile as rec_mod
    from xltools.workbooks.readers import ReadError

    files = merging.collect(returned if isinstance(returned, (list, tuple)) else [returned])
    got, failed = [], []
    for f in files:
        try:
            got.append(rec_mod.read_returned(f, book, password=password_of(f, passwords or {}, shared_password)))
            rows = got[-1].rows
        except (rec_mod.ReturnedError, ReadError) as exc:
            failed.append((f, getattr(exc, "message", str(exc))))
            rows = 0
        if progress:
            progress(f, rows)
    sent = rec_mod.sent_departments(merging.collect([sent_dir])) if sent_dir else None
    result = rec_mod.reconcile(book, got, sent)
    out = rec_mod.write(result, output, mask=mask, password=open_password, inputs=files)
    return ReconcileRun(result, got, failed, files, out)


KIND_MISMATCH = "两期花名册的表格类别不同（一个是流动儿童，一个是留守儿童），无法比较。"


def diff(old_book, new_book, output, *, as_of: _dt.date | None = None, mask: bool = False,
         open_password: str | None = None):
    """``xltools diff``: the :class:`xltools.ops.diff.Changes` from ``old_book`` to ``new_book``, written
    to ``output``; returns (changes, path).  Raises ``ValueError`` when the two are of different kinds."""
    from xltools.ops import diff as diffing

    if old_book.kind != new_book.kind:
        raise ValueError(KIND_MISMATCH)
    changes = diffing.diff(old_book, new_book, as_of)
    return changes, diffing.write(changes, output, mask=mask, password=open_password)


def unprotected(books, open_password: str | None, mask: bool) -> bool:
    """An encrypted 花名册 in, plain files out (the user may have forgotten to encrypt)."""
    return open_password is None and not mask and any(b.encrypted for b in books)

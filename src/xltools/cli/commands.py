"""The ``xltools`` command line: a thin shell over the library.

Each command's docstring is its ``--help`` (in Chinese, for the staff who use it).
click's own words (usage, errors, prompts) are made Chinese by :mod:`xltools.cli.clizh`;
option types (dates, profiles, kinds, output names) are in :mod:`xltools.cli.cliparams`.
To add a command, decorate a function with ``@main.command()`` as below: it gets the
Chinese help, errors and crash report without anything else.
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

import click

from xltools.cli import clizh  # first: click's messages are made Chinese before any option is declared
from xltools import __version__
from xltools.core import idcard, profiles
from xltools.cli.cliparams import DATE, KIND, PROFILE, WORKBOOK, OutputFile, OutputFolder, template_output
from xltools.workbooks.check import KindUnknown
from xltools.workbooks.readers import ReadError
from xltools.core.textreport import id_text, merge_text, validation_text

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


@click.group(cls=clizh.Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", message="xltools %(version)s")
def main():
    """xltools：流动儿童、留守儿童监测摸排表格工具。

    生成填报模板（template）、校验登记表（validate）、合并成花名册（merge）、
    分发给镇街或部门核实（split）、收回部门核实结果（reconcile）、比较两期花名册（diff）、
    演示完整流程（demo）、查询公民身份号码（id）、生成和安装 Excel 加载项（addin）。
    每个命令加 --help 查看用法。
    """


def _profile_option(f):
    return click.option("--profile", "profile", type=PROFILE, default=None,
                        help="地区口径：" + "；".join("、".join(n) for n in profiles.names().values())
                        + "（决定选项措辞和主城区规则）；不写时用 xltools.toml 的设置，再没有则用模板记录的口径，"
                          "否则为 national。")(f)


def _settings(inputs):
    """The district's xltools.toml for these inputs (see README“设置文件”)."""
    from xltools.workbooks import settings

    try:
        return settings.for_inputs(inputs)
    except settings.SettingsError as exc:
        raise click.UsageError(str(exc)) from None


def _privacy_options(f=None, *, mask=True):
    """--encrypt / --password-file (and --mask) for a command that writes files."""
    def deco(f):
        f = click.option("--password-file", "password_file", type=click.Path(exists=True, dir_okay=False),
                         help="从文本文件第一行读取加密密码（代替 --encrypt 的交互输入），输出同样加密。")(f)
        f = click.option("--encrypt", is_flag=True,
                         help="加密输出文件（Office 标准加密，Excel、WPS 打开时要输入密码）；运行时输入两次密码。")(f)
        if mask:
            f = click.option("--mask", is_flag=True,
                             help="身份号码和电话号码打码（如 500101********131X、138****8000），用于发往外单位的表。")(f)
        return f
    return deco(f) if f else deco


def _encryption_password(encrypt, password_file):
    """The password to encrypt outputs with, or None."""
    from xltools.workbooks import privacy

    if password_file:
        try:
            return privacy.read_password_file(password_file)
        except privacy.OutputError as exc:
            raise click.UsageError(str(exc)) from None
    if encrypt:
        return clizh.password("输出文件的打开密码")
    return None


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", type=KIND, help="表格类别：流动 或 留守；不写时按表头判断。")
@_profile_option
@click.option("--as-of", "as_of", type=DATE, help="统计日期（计算年龄、外出时长）；不写时取表中填报日期，再没有则取今天。")
@click.option("--sheet", help="要校验的工作表名；不写时自动找花名册所在的表。")
@click.option("--password", help="加密工作簿的打开密码。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出完整报告（全部问题和每行状态）。")
def validate(file, kind, profile, as_of, sheet, password, as_json):
    """校验一个花名册或登记表（.xlsx / .xls / .csv）。

    自动找到表头（可有标题行、两行表头、同义列名），逐行检查必填项、选项、
    公民身份号码、日期、电话和前后矛盾，计算年龄、判断类别和重点关爱对象。

    退出码：0 没有错误；1 发现错误；2 文件无法读取。
    """
    from xltools.workbooks import isolation
    from xltools import runs

    conf = _settings([file])
    try:
        checked = runs.validate(file, kind=kind, profile=profile, as_of=as_of, password=password, sheet=sheet,
                                settings=conf)
    except (ReadError, KindUnknown) as exc:
        if as_json:
            click.echo(json.dumps({"file": file, "error": exc.code, "message": exc.message}, ensure_ascii=False))
        click.echo(f"无法读取：{exc.message}", err=True)
        sys.exit(EXIT_UNREADABLE)
    except Exception as exc:  # noqa: BLE001 - an internal failure: one sentence and the log, no traceback
        failure, log = isolation.report_crash(file, exc, Path.cwd() / isolation.log_path(file).name)
        message = f"{file}：{failure.reason(str(log) if log else None)}"
        if as_json:
            click.echo(json.dumps({"file": file, "error": failure.code, "message": message,
                                   "error_log": str(log) if log else None, "detail": failure.detail},
                                  ensure_ascii=False))
        click.echo(f"无法校验：{message}", err=True)
        sys.exit(EXIT_UNREADABLE)
    report = checked.report
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(validation_text(report))
    sys.exit(EXIT_ERRORS if report.errors else EXIT_OK)


@main.command()
@click.option("--kind", required=True, type=KIND, help="表格类别：流动（附件1）或 留守（附件2）。")
@_profile_option
@click.option("--unit", "units", multiple=True, help="填报单位，如“XX镇XX村”；可写多次，每个单位一个文件。")
@click.option("--units", "units_file", type=click.Path(exists=True, dir_okay=False),
              help="单位名单（一列的 .xlsx/.xls/.csv），每个单位生成一个文件。")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="输出文件（一个单位时，.xlsx）或文件夹（多个单位时）。")
@click.option("--rows", default=1000, show_default=True, type=click.IntRange(1, 20000), help="预留的儿童行数。")
@click.option("--password", help="工作表保护密码（不写则无密码，仍然锁定）。")
@click.option("--report-date", type=DATE, help="预先填好的填报日期。")
@_privacy_options(mask=False)
def template(kind, profile, units, units_file, output, rows, password, report_date, encrypt, password_file):
    """生成锁定的附件1/附件2填报模板，每个村（社区）一个文件。

    模板内有下拉选项、数据有效性和自动检查公式，不需要安装本软件即可使用
    （Excel 2010 以上、WPS、LibreOffice）。

    例：xltools template --kind 流动 --profile chongqing --unit "两路街道XX社区" -o 模板.xlsx
    """
    from xltools import runs
    from xltools.ops import templates
    from xltools.core.schema import parse_kind

    try:
        parse_kind(kind)
        profiles.load(profile)
        names = list(units) + (templates.read_units(units_file) if units_file else [])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not names:
        raise click.UsageError("请用 --unit 写出填报单位，或用 --units 给出单位名单。")
    out, one_file = template_output(output, len(names))
    open_password = _encryption_password(encrypt, password_file)
    paths = runs.templates(out, kind, profile, names, rows=rows, protect_password=password, report_date=report_date,
                           open_password=open_password, one_file=one_file)
    for p in paths:
        click.echo(f"已生成：{p}" + ("（已加密）" if open_password else ""))
    click.echo(f"共 {len(paths)} 个模板。")


def _passwords(pairs) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.UsageError(f"--password 应写成 文件名=密码，实为“{pair}”。")
        name, pw = pair.split("=", 1)
        out[name] = pw
        out[str(Path(name))] = pw
    return out


def _run_merge(inputs, output, kind, profile, as_of, passwords, json_path, quiet=False, mask=False,
               open_password=None, stats_path=None):
    from xltools.ops import merge as merging
    from xltools.workbooks import privacy, rosterbook
    from xltools import runs

    conf = _settings(inputs)
    files = merging.collect(inputs)
    bar = None
    show = not json_path and not quiet and sys.stderr.isatty()
    if show:
        bar = click.progressbar(length=len(files), label="读取文件", file=sys.stderr,
                                item_show_func=lambda rows: None if rows is None else f"已读 {rows} 行")
        bar.__enter__()
    read_rows = 0

    def progress(path, rows):
        nonlocal read_rows
        read_rows += rows
        bar.update(1, read_rows)

    try:
        run = runs.merge(inputs, output, kind=kind, profile=profile, as_of=as_of, passwords=passwords, mask=mask,
                         open_password=open_password, stats_path=stats_path, json_path=json_path, settings=conf,
                         progress=progress if bar else None)
    except (rosterbook.OutputError, privacy.OutputError) as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        if bar:
            bar.__exit__(None, None, None)
    return run.result, run.output


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=WORKBOOK, help="输出的花名册（.xlsx）。")
@click.option("--kind", type=KIND, help="流动 或 留守；不写时按第一个可识别的文件判断，另一类的文件列入“未读取文件”。")
@_profile_option
@click.option("--as-of", "as_of", type=DATE, help="统计日期；不写时每个表按自己的填报日期，再没有则取今天。")
@click.option("--password", "passwords", multiple=True, metavar="文件=密码", help="加密文件的密码，可写多次。")
@click.option("--json", "json_path", type=OutputFile(".json", " JSON 文件"), help="另把对账和问题清单写成 JSON 文件。")
@click.option("--stats-output", "stats_path", type=WORKBOOK,
              help="另写一份只有“统计”表的工作簿（不含姓名、身份号码、电话），用于向上级报送。")
@_privacy_options
def merge(inputs, output, kind, profile, as_of, passwords, json_path, stats_path, mask, encrypt, password_file):
    """把各镇街、村社区报来的表合并成区县花名册。

    INPUTS 可以是文件或文件夹（会查找其中所有 .xlsx/.xlsm/.xls/.csv）。输出的工作簿含：
    花名册、问题清单、重复记录、未读取文件、统计（含图表）、重点关爱台账、对账。
    输入文件不会被修改。

    --mask 把身份号码、电话号码打码；--encrypt 加密输出的工作簿。

    退出码：0 全部读取；1 有文件未读取（花名册照常生成）；2 一个文件也没读到。
    """
    if json_path and (encrypt or password_file) and not mask:
        raise click.UsageError("--json 写出的 JSON 文件不加密，其中的问题说明含身份号码；"
                               "与 --encrypt 同用时请加 --mask，或不写 --json。")
    from xltools.workbooks import isolation
    from xltools.core.schema import parse_kind

    open_password = _encryption_password(encrypt, password_file)
    try:  # the user's words: a mistake here is a usage error
        profiles.load(profile)
        if kind:
            parse_kind(kind)
    except (profiles.UnknownProfile, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    try:
        result, out = _run_merge(inputs, output, kind, profile, as_of, _passwords(passwords), json_path,
                                 mask=mask, open_password=open_password, stats_path=stats_path)
    except click.ClickException:
        raise
    except Exception as exc:  # noqa: BLE001 - failed outside any one file: a sentence and the log, no traceback
        failure, log = isolation.report_crash("（合并）", exc, isolation.log_path(output))
        where = f"错误记录见 {log}" if log else "错误记录无法写出"
        click.echo(f"合并时程序出错，未生成花名册；{where}，请把错误记录发给维护人员。", err=True)
        sys.exit(EXIT_UNREADABLE)
    if not json_path:
        click.echo(merge_text(result, out))
    sys.exit(result.exit_code)


@main.command()
@click.option("-o", "--output", "out_dir", default="xltools_demo", show_default=True, type=OutputFolder(),
              help="演示文件夹。")
def demo(out_dir):
    """演示完整流程：生成村（社区）模板并填入虚构儿童，加入镇街自制的表，合并成花名册。

    所有人员均为虚构，身份号码由程序生成。
    """
    from xltools.cli import demo as demo_mod

    out = Path(out_dir)
    inputs = demo_mod.build(out)
    click.echo(f"已生成演示用的报送文件：{inputs}")
    result, path = _run_merge([inputs], out / "花名册.xlsx", "流动", "chongqing", None, {}, None, quiet=True)
    click.echo(merge_text(result, path))
    click.echo("打开花名册.xlsx 查看各工作表；报送文件夹里是各村（社区）的填报模板，可用 Excel 或 WPS 打开。")
    click.echo(f"接着可以试：xltools split {path} --by 部门 -o {out / '核实表'}（生成各部门的核实表），"
               "之后用 xltools reconcile 收回、xltools diff 比较两期，见 README“季度流程”。")


def _read_roster_book(path, password, profile=None):
    from xltools.workbooks import rosterread
    from xltools.workbooks.readers import ReadError

    try:
        return rosterread.read(path, password=password, profile=profile)
    except (ReadError, rosterread.RosterError) as exc:
        click.echo(f"无法读取花名册：{getattr(exc, 'message', exc)}", err=True)
        sys.exit(EXIT_UNREADABLE)


def _warn_if_unprotected(books, open_password) -> None:
    """An encrypted 花名册 in, plain files out: say so (the user may have forgotten --encrypt)."""
    if open_password is None and any(b.encrypted for b in books):
        click.echo("注意：花名册是加密的，但本次输出没有加密；发往他处前请加 --encrypt（或 --mask 打码）。", err=True)


@main.command()
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@click.option("--by", "by", required=True, type=click.Choice(["镇街", "部门"]), help="按镇街或按部门拆分。")
@click.option("-o", "--output", "out_dir", required=True, type=OutputFolder(), help="输出文件夹。")
@click.option("--department", "department_names", multiple=True,
              help="只为这些部门生成核实表（教育、公安、卫健、医保、残联），可写多次；不写时全部生成。")
@click.option("--password", help="花名册的打开密码（花名册已加密时）。")
@click.option("--profile", type=PROFILE, default=None, help="地区口径；不写时按花名册的选项措辞判断。")
@_privacy_options
def split(roster, by, out_dir, department_names, password, profile, mask, encrypt, password_file):
    """把花名册拆分成每个镇街一个文件，或每个部门一个核实表。

    --by 镇街：每个镇街一个工作簿，含本镇街的儿童、问题清单和（核实后的花名册）核实差异，
    发回镇街更正。

    --by 部门：教育、公安、卫健、医保、残联各一个核实表，只含该部门核实的栏目和找到儿童所需的
    镇街、村社区、姓名、性别、出生日期、公民身份号码；每个栏目有“核实结果”（一致/不一致/查无此人）
    和“更正值”两列可填，其余锁定。部门填好后交回，用 xltools reconcile 收回。

    例：xltools split 花名册.xlsx --by 部门 -o 核实表/ --encrypt
    """
    from xltools.workbooks import privacy
    from xltools import runs

    book = _read_roster_book(roster, password, profile)
    why = "--profile" if profile else ("花名册记录的口径" if book.meta.get("profile") == book.profile else "按选项措辞判断")
    click.echo(f"地区口径：{profiles.load(book.profile).label}（{why}）")
    open_password = _encryption_password(encrypt, password_file)
    _warn_if_unprotected([book], open_password if not mask else "")
    try:
        written = runs.split(book, by, out_dir, departments=department_names, mask=mask, open_password=open_password)
    except (ValueError, privacy.OutputError) as exc:
        raise click.UsageError(str(exc)) from None
    for w in written:
        extra = f"，问题 {w.issues} 条" if by == "镇街" else ""
        click.echo(f"{w.name}：{w.rows} 人{extra} → {w.path}")
    click.echo(f"共 {len(written)} 个文件，{sum(w.rows for w in written)} {'人次' if by == '部门' else '人'}。"
               + ("身份号码、电话已打码。" if mask else "") + ("文件已加密。" if open_password else ""))


@main.command()
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@click.argument("returned", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=WORKBOOK, help="核实后的新花名册（.xlsx）。")
@click.option("--password", "passwords", multiple=True, metavar="[文件=]密码",
              help="加密文件的打开密码，可写多次；只写密码（不写“文件=”）时用于全部加密文件（如 split --encrypt 发出的核实表）。")
@click.option("--profile", type=PROFILE, default=None, help="地区口径；不写时按花名册的选项措辞判断。")
@click.option("--sent", "sent_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="split --by 部门 写出核实表的文件夹：据此知道发给了哪些部门（不写时按全部核实部门）。")
@_privacy_options
def reconcile(roster, returned, output, passwords, profile, sent_dir, mask, encrypt, password_file):
    """收回各部门的核实结果，生成核实后的新花名册。

    RETURNED 是各部门交回的文件或文件夹：本工具的核实表（split --by 部门 生成），或部门自己的表
    （有“身份证号”列，以及“核实意见”、更正后的栏目等列），按公民身份号码对应。

    不会悄悄修改：新花名册的“核实差异”表列出每一处差异（儿童、栏目、花名册值、部门值、部门、处理）。
    自动采用的更正：部门给出的更正值在该栏目的选项内，且各份答复一致；采用的格子标绿，并写入“更正说明”。
    留待人工核实的：查无此人、不一致但未给更正值、更正值不在选项内、各部门答复互相矛盾。
    两边对不上的身份号码列在“未匹配”表。部门写的备注、情况说明等文字写在“核实差异”的“部门说明”列；
    “核实汇总”列出发了核实表却没有交回的部门；核实表是按另一份花名册生成的，屏幕上提醒。

    退出码：0 全部处理完；1 有待人工核实或未匹配的；2 花名册无法读取。
    """
    from xltools.workbooks import privacy
    from xltools import runs

    # a bare password (no 文件名=) opens every returned file: the department files split encrypted with one
    pw, shared = runs.password_pairs(passwords)
    book = _read_roster_book(roster, runs.password_of(roster, pw, shared), profile)
    open_password = _encryption_password(encrypt, password_file)
    _warn_if_unprotected([book], open_password if not mask else "")
    try:
        run = runs.reconcile(book, list(returned), output, passwords=pw, shared_password=shared, sent_dir=sent_dir,
                             mask=mask, open_password=open_password)
    except privacy.OutputError as exc:
        raise click.UsageError(str(exc)) from None
    result, got, failed, out = run.result, run.returned, run.failed, run.output
    for r in got:
        click.echo(f"{r.department}（{Path(r.path).name}）：{r.rows} 行，对上 {r.matched}，花名册中没有 {len(r.unmatched)}，"
                   f"未答复 {len(r.unanswered)}")
        if r.note:
            click.echo(f"提醒：{Path(r.path).name}：{r.note}", err=True)
    if result.not_returned:
        click.echo(f"尚未交回：{'、'.join(result.not_returned)}（见“核实汇总”）")
    for f, why in failed:
        click.echo(f"未读取：{why}", err=True)
    click.echo(f"一致 {result.agreed} 项；自动采用更正 {result.applied} 处；待人工核实 {result.pending} 处；"
               f"未匹配 {result.unmatched} 条（见“核实差异”“未匹配”表）。")
    click.echo(f"结果已写入：{out}")
    sys.exit(EXIT_ERRORS if result.exit_code or failed else EXIT_OK)


@main.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=WORKBOOK, help="输出的变化表（.xlsx）。")
@click.option("--as-of", "as_of", type=DATE, help="本期统计日期（判断是否已满16周岁）；不写时按本期花名册的年龄推算。")
@click.option("--password", "passwords", multiple=True, metavar="文件=密码", help="加密花名册的打开密码，可写多次。")
@_privacy_options
def diff(old, new, output, as_of, passwords, mask, encrypt, password_file):
    """比较上期和本期花名册：新增、减少（及可能的原因）、信息变更。

    减少的原因依次判断：已满16周岁；仍在本期花名册但不再符合条件；本期花名册中没有（可能已迁离）。
    变更列出每名儿童每个改变了的栏目（上期值、本期值），含镇街、村社区、类别和重点关爱。

    例：xltools diff 2026年三季度花名册.xlsx 2026年四季度花名册.xlsx -o 季度变化.xlsx
    """
    from xltools.workbooks import privacy
    from xltools import runs

    pw = _passwords(passwords)
    old_book = _read_roster_book(old, runs.password_of(old, pw))
    new_book = _read_roster_book(new, runs.password_of(new, pw))
    if old_book.kind != new_book.kind:  # before asking for a password
        raise click.UsageError(runs.KIND_MISMATCH)
    open_password = _encryption_password(encrypt, password_file)
    _warn_if_unprotected([old_book, new_book], open_password if not mask else "")
    try:
        changes, out = runs.diff(old_book, new_book, output, as_of=as_of, mask=mask, open_password=open_password)
    except (ValueError, privacy.OutputError) as exc:
        raise click.UsageError(str(exc)) from None
    for label, value in changes.summary():
        click.echo(f"{label}：{value}")
    click.echo(f"结果已写入：{out}")


@main.command("id")
@click.argument("numbers", nargs=-1)
@click.option("--as-of", "as_of", type=DATE, help="计算年龄的日期；不写时为今天。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def id_command(numbers, as_of, as_json):
    """查询公民身份号码：是否有效、出生日期、性别、周岁、地区。

    号码写在命令后面（可多个），或不写、从标准输入每行读一个。
    退出码：0 全部有效；1 有无效号码。
    """
    if not numbers:
        numbers = tuple(line.strip() for line in sys.stdin if line.strip())
    ref = as_of or _dt.date.today()
    infos = [idcard.inspect(n, ref) for n in numbers]
    if as_json:
        click.echo(json.dumps([_id_dict(i) for i in infos], ensure_ascii=False, indent=1))
    else:
        for info in infos:
            click.echo(id_text(info))
    sys.exit(EXIT_OK if all(i.valid for i in infos) else EXIT_ERRORS)


def _id_dict(info: idcard.IDInfo) -> dict:
    r = info.region
    return {
        "input": info.raw, "number": info.number, "valid": info.valid,
        "error": info.error.code if info.error else None,
        "message": info.error.message if info.error else None,
        "birth_date": info.birth_date.isoformat() if info.birth_date else None,
        "sex": info.sex or None, "age": info.age,
        "region": None if r is None else {"code": r.code, "province": r.province, "city": r.city,
                                          "county": r.county, "history": r.history_text()},
        "warnings": [code for code, _ in info.warnings],
    }


@main.group("addin")
def addin_group():
    """Excel 加载项 xltools.xlam（Windows 版 Excel）：生成（build）、安装（install）。"""


@addin_group.command("build")
@click.option("-o", "--output", default="xltools.xlam", show_default=True, type=OutputFile(".xlam", " Excel 加载项"),
              help="生成的加载项文件。")
def addin_build(output):
    """生成 Excel 加载项 xltools.xlam（“民政摸排”选项卡和工作表函数），不需要 Excel。

    退出码：0 成功；2 无法生成（缺少 xlwings、找不到 VBA 源文件等，屏幕上会说明）。
    """
    from xltools.excel import addin

    try:
        result = addin.build(output)
    except addin.AddinError as e:
        click.echo(f"错误：{e}", err=True)
        sys.exit(EXIT_UNREADABLE)
    click.echo(f"已生成 Excel 加载项：{result.path}（VBA 模块：{'、'.join(result.modules)}）")


@addin_group.command("install")
def addin_install():
    """把加载项装进 Excel 的启动文件夹（XLSTART），并写好配置（本机 Python、工作表函数模块）。

    只用于装有 Excel 的 Windows 电脑；重新安装即更新。退出码：0 成功；2 本机没有 Excel 或无法安装。
    """
    from xltools.excel import addin

    if not addin.excel_installed():
        click.echo("错误：本机没有安装 Windows 版 Excel，无法安装加载项。"
                   "请在装有 Excel 的 Windows 电脑上执行本命令；WPS 不支持加载项，请用模板自带的检查和 xltools 命令。",
                   err=True)
        sys.exit(EXIT_UNREADABLE)
    try:
        result = addin.install()
    except addin.AddinError as e:
        click.echo(f"错误：{e}", err=True)
        sys.exit(EXIT_UNREADABLE)
    click.echo(f"已安装加载项：{result.addin}\n已写入配置：{result.config}")
    for key, value in result.settings.items():
        click.echo(f"  {key} = {value}")
    click.echo("请重新启动 Excel，选项卡“民政摸排”会出现；第一次使用前请按 README“Excel 加载项”一节设置信任中心。")


@main.command()
@click.option("--port", default=0, type=click.IntRange(0, 65535), help="端口；不写时自动选一个空闲端口。")
@click.option("--no-browser", "no_browser", is_flag=True, help="不自动打开浏览器（自己复制地址打开）。")
@click.option("--launcher", "launcher_dir", type=click.Path(file_okay=False),
              help="不启动服务，而是在这个文件夹写出双击启动的文件（Windows 的 .cmd、Linux 桌面的 .desktop）。")
def serve(port, no_browser, launcher_dir):
    """在本机浏览器中完成一个季度的工作（网页版）：生成模板、校验、合并、拆分、收回核实、两期比较、设置。

    只在本机地址 127.0.0.1 上服务，别的电脑无法访问；打开的地址带一次性的登录凭据（token）。
    上传的文件和结果放在只有本用户能读的临时文件夹，停止服务（Ctrl+C）时删除。
    默认设置保存在当前文件夹的 xltools.toml。

    例：xltools serve　　　　　xltools serve --launcher 桌面文件夹
    """
    from xltools.web import server

    if launcher_dir:
        for p in server.write_launchers(Path(launcher_dir)):
            click.echo(f"已写出：{p}")
        click.echo("Windows：双击 .cmd 文件启动；Linux 桌面：把 .desktop 文件放到桌面，右键“允许运行”后双击。"
                   "启动文件所在的文件夹就是默认设置（xltools.toml）所在的文件夹。")
        return
    try:
        server.serve(Path.cwd(), port=port, open_browser=not no_browser, echo=click.echo)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise click.UsageError(f"无法启动服务：{exc}（端口 {port} 可能已被占用，请换一个或不写 --port）。") from None


@main.command("form")
@click.argument("roster", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(),
              help="输出文件夹（由花名册生成时）或输出文件（--blank 时，如 登记表.xlsx）。")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "docx", "pdf"]), default=None,
              help="xlsx：每名儿童一个工作表；docx：Word，每名儿童一页；pdf：由 LibreOffice 转换（须已安装）。"
                   "不写时按 -o 文件名的后缀，再没有则为 xlsx。")
@click.option("--by", "by", type=click.Choice(["村社区", "儿童"]), default="村社区", show_default=True,
              help="每个村（社区）一个文件，或每名儿童一个文件。")
@click.option("--mask", is_flag=True, help="公民身份号码、电话只显示前后几位（上门核实用表不必印全号）。")
@click.option("--as-of", "as_of", type=DATE, help="统计日期（页脚的年龄、类别按此计算）；不写时取花名册记录的统计日期，再没有则取今天。")
@click.option("--blank", is_flag=True, help="生成空白登记表（不读花名册；须写 --kind）。")
@click.option("--kind", help="流动 或 留守：--blank 时必写；读普通花名册且无法从表头判断时写。")
@click.option("--profile", default=None, help="地区口径（" + "、".join(profiles.available()) + "）；不写时按花名册判断，空白表默认全国口径。")
@click.option("--password", help="花名册的打开密码（花名册已加密时）。")
def form_command(roster, out, fmt, by, mask, as_of, blank, kind, profile, password):
    """打印《流动儿童基本情况登记表》《留守儿童基本情况登记表》（附件1、附件2）：每名儿童一页。

    由花名册（merge 生成的花名册，或村里的花名册）生成上季度信息已填好的登记表，供入户核实时
    手工更正；页脚印有按统计日期计算的年龄和类别。例：

      xltools form 花名册.xlsx -o 登记表/ --format docx --mask

      xltools form --blank --kind 流动 --profile chongqing -o 空白登记表.xlsx

    填好的登记表（Excel 每名儿童一个工作表，或 Word 文档）可以直接交给 validate、merge，
    和花名册放在同一文件夹里合并。退出码：0 成功；2 文件无法读取或无法生成 PDF。
    """
    from xltools.ops.forms import prefill as pf
    from xltools.workbooks.rosterread import RosterError
    from xltools.core.schema import parse_kind

    try:
        if blank:
            if not kind:
                raise click.UsageError("生成空白登记表须写 --kind 流动 或 --kind 留守。")
            target = Path(out)
            named = target.suffix.lower().lstrip(".") if not target.is_dir() else ""
            if named in ("xlsx", "docx", "pdf") and fmt and fmt != named:
                raise click.UsageError(f"输出文件名 {target.name} 的后缀是 .{named}，与 --format {fmt} 不符；"
                                       f"请把文件名改为 .{fmt}，或改用 --format {named}。")
            fmt = fmt or (named if named in ("xlsx", "docx", "pdf") else "xlsx")  # -o 空白登记表.docx: Word
            if target.is_dir() or not target.suffix:
                k = parse_kind(kind)
                from xltools.core.schema import FORM_TITLES
                target = target / f"空白{FORM_TITLES[k]}.{fmt}"
                target.parent.mkdir(parents=True, exist_ok=True)
            path = pf.blank(target, kind=kind, profile=profile, fmt=fmt)
            click.echo(f"已生成空白登记表：{path}")
            return
        if not roster:
            raise click.UsageError("请给出花名册文件，或写 --blank 生成空白登记表。")
        result = pf.prefill(roster, out, fmt=fmt or "xlsx", by={"村社区": "village", "儿童": "child"}[by], mask=mask,
                            as_of=as_of, kind=kind, profile=profile, password=password)
    except (ReadError, RosterError, pf.FormsError, ValueError) as e:
        click.echo(f"错误：{getattr(e, 'message', None) or e}", err=True)
        sys.exit(EXIT_UNREADABLE)
    click.echo(f"已生成 {result.children} 名儿童的登记表，共 {len(result.files)} 个文件，在 {out}"
               f"（统计日期 {result.as_of}{'，身份号码和电话已遮蔽' if mask else ''}）。")

if __name__ == "__main__":  # pragma: no cover
    main()

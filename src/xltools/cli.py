"""The ``xltools`` command line: a thin shell over the library.

Each command's docstring is its ``--help`` (in Chinese, for the staff who use it).
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

import click

from . import __version__, idcard, profiles
from .check import KindUnknown, check_file
from .readers import ReadError
from .textreport import id_text, merge_text, validation_text

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, _dt.date):
            return value
        try:
            return _dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"“{value}”不是日期，请写成 2024-09-30 的格式。", param, ctx)


DATE = _Date()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", message="xltools %(version)s")
def main():
    """xltools：流动儿童、留守儿童监测摸排表格工具。

    生成填报模板（template）、校验登记表（validate）、合并成花名册（merge）、
    演示完整流程（demo）、查询公民身份号码（id）。每个命令加 --help 查看用法。
    """


def _profile_option(f):
    return click.option("--profile", "profile", default=profiles.DEFAULT_PROFILE, show_default=True,
                        help="地区口径：" + "、".join(profiles.available()) + "（决定选项措辞和主城区规则）。")(f)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", help="表格类别：流动 或 留守；不写时按表头判断。")
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
    try:
        prof = profiles.load(profile)
        checked = check_file(file, kind=kind, profile=prof, as_of=as_of, password=password, sheet=sheet)
    except (ReadError, KindUnknown) as exc:
        if as_json:
            click.echo(json.dumps({"file": file, "error": exc.code, "message": exc.message}, ensure_ascii=False))
        click.echo(f"无法读取：{exc.message}", err=True)
        sys.exit(EXIT_UNREADABLE)
    except (profiles.UnknownProfile, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    report = checked.report
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(validation_text(report))
    sys.exit(EXIT_ERRORS if report.errors else EXIT_OK)


@main.command()
@click.option("--kind", required=True, help="表格类别：流动（附件1）或 留守（附件2）。")
@_profile_option
@click.option("--unit", "units", multiple=True, help="填报单位，如“XX镇XX村”；可写多次，每个单位一个文件。")
@click.option("--units", "units_file", type=click.Path(exists=True, dir_okay=False),
              help="单位名单（一列的 .xlsx/.xls/.csv），每个单位生成一个文件。")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="输出文件（一个单位时）或文件夹（多个单位时）。")
@click.option("--rows", default=1000, show_default=True, type=click.IntRange(1, 20000), help="预留的儿童行数。")
@click.option("--password", help="工作表保护密码（不写则无密码，仍然锁定）。")
@click.option("--report-date", type=DATE, help="预先填好的填报日期。")
def template(kind, profile, units, units_file, output, rows, password, report_date):
    """生成锁定的附件1/附件2填报模板，每个村（社区）一个文件。

    模板内有下拉选项、数据有效性和自动检查公式，不需要安装本软件即可使用
    （Excel 2010 以上、WPS、LibreOffice）。

    例：xltools template --kind 流动 --profile chongqing --unit "两路街道XX社区" -o 模板.xlsx
    """
    from . import templates
    from .schema import parse_kind

    try:
        k = parse_kind(kind)
        prof = profiles.load(profile)
        names = list(units) + (templates.read_units(units_file) if units_file else [])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not names:
        raise click.UsageError("请用 --unit 写出填报单位，或用 --units 给出单位名单。")
    out = Path(output)
    if len(names) == 1 and out.suffix.lower() == ".xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        paths = [templates.build_template(out, k, prof, names[0], rows=rows, password=password,
                                          report_date=report_date)]
    else:
        paths = templates.build_templates(out, k, prof, names, rows=rows, password=password,
                                          report_date=report_date)
    for p in paths:
        click.echo(f"已生成：{p}")
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


def _run_merge(inputs, output, kind, profile, as_of, passwords, json_path, quiet=False):
    from . import merge as merging, rosterbook

    prof = profiles.load(profile)
    files = merging.collect(inputs)
    bar = None
    show = not json_path and not quiet and sys.stderr.isatty()
    if show:
        bar = click.progressbar(length=len(files), label="读取文件", file=sys.stderr)
        bar.__enter__()
    try:
        result = merging.merge(files, kind=kind, profile=prof, as_of=as_of, passwords=passwords,
                               progress=(lambda path, rows: bar.update(1)) if bar else None)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    try:
        out = rosterbook.write(result, Path(output), [Path(i) for i in inputs])
    except rosterbook.OutputError as exc:
        raise click.UsageError(str(exc)) from None
    if json_path:
        Path(json_path).write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return result, out


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="输出的花名册（.xlsx）。")
@click.option("--kind", help="流动 或 留守；不写时按第一个可识别的文件判断，另一类的文件列入“未读取文件”。")
@_profile_option
@click.option("--as-of", "as_of", type=DATE, help="统计日期；不写时每个表按自己的填报日期，再没有则取今天。")
@click.option("--password", "passwords", multiple=True, metavar="文件=密码", help="加密文件的密码，可写多次。")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="另把对账和问题清单写成 JSON 文件。")
def merge(inputs, output, kind, profile, as_of, passwords, json_path):
    """把各镇街、村社区报来的表合并成区县花名册。

    INPUTS 可以是文件或文件夹（会查找其中所有 .xlsx/.xlsm/.xls/.csv）。输出的工作簿含：
    花名册、问题清单、重复记录、未读取文件、统计（含图表）、重点关爱台账、对账。
    输入文件不会被修改。

    退出码：0 全部读取；1 有文件未读取（花名册照常生成）；2 一个文件也没读到。
    """
    try:
        result, out = _run_merge(inputs, output, kind, profile, as_of, _passwords(passwords), json_path)
    except (profiles.UnknownProfile, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    if not json_path:
        click.echo(merge_text(result, out))
    sys.exit(result.exit_code)


@main.command()
@click.option("-o", "--output", "out_dir", default="xltools_demo", show_default=True, type=click.Path(file_okay=False),
              help="演示文件夹。")
def demo(out_dir):
    """演示完整流程：生成村（社区）模板并填入虚构儿童，加入镇街自制的表，合并成花名册。

    所有人员均为虚构，身份号码由程序生成。
    """
    from . import demo as demo_mod

    out = Path(out_dir)
    inputs = demo_mod.build(out)
    click.echo(f"已生成演示用的报送文件：{inputs}")
    result, path = _run_merge([inputs], out / "花名册.xlsx", "流动", "chongqing", None, {}, None, quiet=True)
    click.echo(merge_text(result, path))
    click.echo("打开花名册.xlsx 查看各工作表；报送文件夹里是各村（社区）的填报模板，可用 Excel 或 WPS 打开。")


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


if __name__ == "__main__":  # pragma: no cover
    main()

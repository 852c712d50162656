"""The ``xltools`` command line: a thin shell over the library.

Each command's docstring is its ``--help`` (in Chinese, for the staff who use it).
"""

from __future__ import annotations

import datetime as _dt
import json
import sys

import click

from . import __version__, idcard, profiles
from .check import KindUnknown, check_file
from .readers import ReadError
from .textreport import id_text, validation_text

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

    校验登记表（validate）、查询公民身份号码（id）。每个命令加 --help 查看用法。
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

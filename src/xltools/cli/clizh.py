"""The command line's own words in Chinese: click's messages, help layout, errors, crashes.

click prints its framework text (``Usage:``, ``Options:``, ``Missing option``,
``No such option``, ``Aborted!`` …) through ``gettext``; each click module
imports ``gettext as _`` at its top, so :func:`install` replaces that name in
those modules with a lookup in :data:`MESSAGES` (every message of click 8.1 to
8.5; a test checks the installed click has none we lack).  The rest is layout:
:class:`Formatter` writes ``用法：`` and ``选项：`` headings and Chinese metavars,
:class:`Group` shows usage errors in Chinese, and turns any unexpected exception
into one Chinese sentence with the path of an error log (exit 2) instead of a
traceback.

Commands added with ``@main.command()`` (or ``@group.command()``) get all of
this: :class:`Group` makes its subcommands :class:`Command` and its subgroups
:class:`Group`.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import sys
import tempfile
import traceback
import unicodedata
from pathlib import Path

import click

EXIT_CRASH = 2

# click's msgid → our text.  Keys are click's own strings (both spellings where
# 8.1 and 8.4 differ); values may use any subset of the msgid's placeholders.
MESSAGES = {
    # help layout
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",  # click 8.5
    "Show this message and exit.": "显示本说明并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "(dynamic)": "（随情况而定）",
    "env var: {var}": "环境变量：{var}",
    "deprecated": "已停用",
    "(Deprecated) {text}": "（已停用）{text}",
    "Confirm the action without prompting.": "不再询问，直接执行。",
    "Do you want to continue?": "要继续吗？",
    # usage errors
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "可用“{command} {option}”查看用法。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "No such option: {name}": "没有选项 {name}。",
    "No such option {name!r}.": "没有选项 {name}。",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Did you mean {possibility}?": "是不是要写 {possibility}？",
    "(Possible options: {possibilities})": "（可能是：{possibilities}）",
    "(Did you mean one of: {possibilities}?)": "（是不是要写其中之一：{possibilities}？）",
    "Got unexpected extra argument ({args})": "多写了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多写了参数（{args}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "Option {name!r} does not take a value.": "选项 {name} 后面不用写值。",
    "Option {name!r} requires an argument.": "选项 {name} 后面要写一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name} 后面要写 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name} 要写 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项的开头字符不对（{option}）",
    "Takes {nargs} values but 1 was given.": "要写 {nargs} 个值，只写了 1 个。",
    "Takes {nargs} values but {len} were given.": "要写 {nargs} 个值，写了 {len} 个。",
    "Value must be an iterable.": "值应为一组值。",
    "Aborted!": "已取消。",
    # values
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在，请检查路径。",
    "{name} {filename!r} is a file.": "“{filename}”是文件，这里要写文件夹。",
    "{name} {filename!r} is a directory.": "“{filename}”是文件夹，这里要写文件。",
    "{name} '{filename}' is a directory.": "“{filename}”是文件夹，这里要写文件。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”没有读取权限。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”没有写入权限。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不能执行。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Choice({choices})": "可选（{choices}）",
    "{value!r} is not {choice}.": "“{value}”不是可选的值，应为 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是可选的值，可选：{choices}。",
    "{value!r} does not match the format {format}.": "“{value}”不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "“{value}”不符合格式 {formats}。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 的范围内。",
    "{value!r} is not a valid boolean.": "“{value}”不是“是”或“否”。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是“是”或“否”，可写：{states}",
    "{value!r} is not a valid {number_type}.": "“{value}”不是数字。",
    "{value!r} is not a valid UUID.": "“{value}”不是 UUID。",
    "{len_type} values are required, but {len_value} was given.": "要写 {len_type} 个值，写了 {len_value} 个。",
    "{len_type} values are required, but {len_value} were given.": "要写 {len_type} 个值，写了 {len_value} 个。",
    # prompts
    "Repeat for confirmation": "请再输入一次",
    "Error: The two entered values do not match.": "错误：两次输入的不一样，请重新输入。",
    "Error: The value you entered was invalid.": "错误：输入的值不对。",
    "Error: invalid input": "错误：输入不对，请回答“是”或“否”。",
    "Error: {e.message}": "错误：{e.message}",
    "Press any key to continue...": "按任意键继续……",
    "d": "天",  # days in a progress bar's time left
    # rarely seen by users
    "{editor}: Editing failed": "{editor}：编辑失败",
    "{editor}: Editing failed: {e}": "{editor}：编辑失败：{e}",
    "Windows error: {error}": "Windows 错误：{error}",
    "Unknown color {colour!r}": "未知颜色 {colour}",
    "Unknown standard stream '{name}'": "未知的标准流“{name}”",
    "Couldn't detect Bash version, shell completion is not supported.": "无法判断 Bash 版本，不支持命令补全。",
    "Shell completion is not supported for Bash versions older than 4.4.": "Bash 4.4 以前的版本不支持命令补全。",
    "DeprecationWarning: The command {name!r} is deprecated.": "注意：命令“{name}”已停用。",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": "注意：命令“{name}”已停用。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "注意：{name} 已停用。{extra_message}",
    # mistakes in our own declarations (raised while cli.py is imported)
    "Could not determine name for option with declarations {decls!r}": "无法确定选项名：{decls}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?": "只写了名称（{name}），没有写选项",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.": "参数只能有一个名称，写了 {length} 个：{decls}。",
    "Name '{name}' defined twice": "名称“{name}”重复定义",
    "Boolean option {decl!r} cannot use the same flag for true/false.": "开关选项 {decl} 的开和关不能用同一个写法。",
}

# Type names click prints as metavars (``--rows INTEGER RANGE``): the ones not routed through gettext.
METAVARS = {"INTEGER RANGE": "整数", "FLOAT RANGE": "数字", "INTEGER": "整数", "FLOAT": "数字",
            "TEXT": "文本", "BOOLEAN": "是/否", "FILENAME": "文件", "FILE": "文件", "UUID": "UUID"}
_METAVAR = re.compile(r"(?<![\w-])(" + "|".join(METAVARS) + r")(?![\w-])")

_CLICK_MODULES = ("core", "exceptions", "formatting", "parser", "types", "termui", "decorators", "utils",
                  "shell_completion", "_termui_impl")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Make click speak Chinese in this process (idempotent)."""
    import importlib

    for name in _CLICK_MODULES:
        try:
            mod = importlib.import_module(f"click.{name}")
        except ImportError:  # _termui_impl may need a terminal library on some platforms
            continue
        if hasattr(mod, "_"):
            mod._ = gettext
        if hasattr(mod, "ngettext"):
            mod.ngettext = ngettext


install()  # before any option is declared: click names Path types at declaration time


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _join(lines: list[str]) -> str:
    """A paragraph's source lines as one line: no space where a Chinese character meets the break."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if out and line and not (_cjk(out[-1]) or _cjk(line[0])):
            out += " "
        out += line
    return out


_NO_START = frozenset("，。、；：）」』”’！？》】…")
_NO_END = "（「『“‘《【"


def wrap(text: str, columns: int) -> list[str]:
    """``text`` broken into lines of at most ``columns`` display columns; breaks anywhere between
    Chinese characters, between words elsewhere."""
    tokens = re.findall(r"[^\s\u2e80-\uffef]+|\s+|.", text)
    lines, line = [], ""
    for tok in tokens:
        # Chinese line-breaking: no line starts with a closing mark or ends with an opening one.
        if line and width(line) + width(tok) > columns and not tok.isspace():
            keep = len(line.rstrip(_NO_END))
            if tok in _NO_START:  # the word or character before the mark (and its marks) go down with it
                start = keep
                while start and (start == keep or line[start] in _NO_START):
                    start = re.search(r"(?:[^\s\u2e80-\uffef]+|.)$", line[:start]).start()
                start = len(line[:start].rstrip(_NO_END))
                if line[:start].strip():
                    keep = start
            lines.append(line[:keep].rstrip())
            line = line[keep:]
        if not (tok.isspace() and not line):
            line += tok
    return lines + [line.rstrip()] if line.strip() or not lines else lines


class Formatter(click.HelpFormatter):
    """Help text in Chinese: ``用法：`` and ``选项：`` headings, Chinese metavars, and layout that
    counts a Chinese character as two columns (click counts one, and misaligns the columns)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _METAVAR.sub(lambda m: METAVARS[m.group(1)], args),
                            "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for i, para in enumerate(re.split(r"\n\s*\n", text.strip("\n"))):
            if i:
                self.write("\n")
            raw = para.startswith("\b")  # click's mark for a paragraph not to rewrap
            lines = para.splitlines()[1:] if raw else wrap(_join(para.splitlines()), self.width - len(indent))
            self.write("".join(f"{indent}{line}\n" for line in lines))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(_METAVAR.sub(lambda m: METAVARS[m.group(1)], first), second) for first, second in rows]
        first_col = min(max((width(f) for f, _ in rows), default=0), col_max) + col_spacing
        pad = " " * (self.current_indent + first_col)
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + pad)
            lines = wrap(_join(second.splitlines()), max(self.width - first_col - self.current_indent, 20))
            self.write(lines[0] + "\n" + "".join(f"{pad}{line}\n" for line in lines[1:]))


class Context(click.Context):
    formatter_class = Formatter


class Command(click.Command):
    context_class = Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class Group(click.Group):
    """A group whose commands, subgroups, help and errors are all Chinese."""

    context_class = Context
    command_class = Command
    group_class = type  # subgroups are of this same class

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            show_error(exc)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(gettext("Aborted!"), err=True)
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 — the one place every unexpected failure is reported
            if os.environ.get("XLTOOLS_DEBUG"):
                raise
            report_crash(exc, args)
            sys.exit(EXIT_CRASH)
        sys.exit(rv if isinstance(rv, int) else 0)


def show_error(exc: click.ClickException) -> None:
    """A usage error as click shows it (usage line, help hint, message), in Chinese."""
    if type(exc).show is not click.UsageError.show and type(exc).show is not click.ClickException.show:
        exc.show()  # click's own display (a group run without a command prints its help)
        return
    message = _tidy(exc.format_message())
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = gettext("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]) + "\n"
        click.echo(f"{ctx.get_usage()}\n{hint}", err=True, color=ctx.color)
    click.echo(gettext("Error: {message}").format(message=message), err=True)


def _tidy(message: str) -> str:
    """click appends English full stops to our Chinese sentences ("缺少选项 '--kind'.")."""
    message = re.sub(r"(?<=[\u4e00-\u9fff”’）'])\.(?=\s|$)", "。", message)
    return re.sub(r"。\s*\.\s*", "。", message).replace("。。", "。")


def write_error_log(exc: BaseException, directory=None, argv=None) -> Path:
    """Write the traceback of ``exc`` (with the command line and versions) to a new file
    ``xltools_错误记录_<time>.txt`` in ``directory`` (the current folder, else the temporary
    folder); return its path."""
    from xltools import __version__
    from xltools.workbooks import atomic

    stamp = _dt.datetime.now().strftime("%Y%m%d_%H%M%S")
    text = (f"xltools {__version__}  Python {platform.python_version()}  {platform.platform()}\n"
            f"时间：{_dt.datetime.now().isoformat(timespec='seconds')}\n"
            f"命令：xltools {' '.join(map(str, argv if argv is not None else sys.argv[1:]))}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    last = None
    for folder in ([Path(directory)] if directory else []) + [Path.cwd(), Path(tempfile.gettempdir())]:
        path = atomic.numbered(folder / f"xltools_错误记录_{stamp}.txt", Path.exists)
        try:
            return atomic.write_bytes(path, text.encode("utf-8"))
        except OSError as err:
            last = err
    raise last


def report_crash(exc: BaseException, argv=None) -> None:
    """Tell the user, in one Chinese sentence, that the program failed, where the log is and what to do."""
    try:
        where = f"出错经过已记入 {write_error_log(exc, argv=argv)}"
    except OSError:
        where = "出错经过无法写入文件（当前文件夹和临时文件夹都不可写）"
    click.echo(f"xltools 程序内部出错，本次命令没有完成；输入文件没有被修改，"
               f"没有写出不完整的结果。{where}。请把这个记录文件连同所用的表格发给维护人员。", err=True)


def password(text: str) -> str:
    """Ask for a new password twice (hidden), in Chinese."""
    return click.prompt(text, hide_input=True, confirmation_prompt="请再输入一次密码", prompt_suffix="：")


def confirm(text: str, default: bool = False) -> bool:
    """A yes/no question answered 是/否 (y/n also accepted); ``default`` when the answer is empty."""
    while True:
        answer = click.prompt(f"{text}（是/否）", default="是" if default else "否", show_default=False,
                              prompt_suffix="：").strip().lower()
        if answer in ("是", "y", "yes", "好", "对"):
            return True
        if answer in ("否", "n", "no", "不", "不是"):
            return False
        click.echo("请回答“是”或“否”。", err=True)

"""The district's defaults (地区口径, 表格类别, 统计日期) in ``xltools.toml``, read and written.

The file sits in the folder ``xltools serve`` starts in (the district's working
folder, beside the inbox), as plain ``key = "value"`` lines a person can edit::

    profile = "chongqing"
    kind = "流动"
    as_of = 2026-09-30

The pages use them as the preselected choices; saving replaces these three
keys and keeps everything else in the file (comments, other keys, tables such
as the CLI's ``[synonyms]``).  This is a small local reader; the CLI has its
own reader of the same file (``xltools.settings``) and the two should become one.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .. import atomic, profiles
from ..schema import KIND_LABELS

FILE_NAME = "xltools.toml"
KEYS = ("profile", "kind", "as_of")
_OURS = re.compile(r"\s*(profile|kind|as_of)\s*=")
_TABLE = re.compile(r"\s*\[")


class SettingsError(ValueError):
    """A value that cannot be saved; the message says which and what to do."""


def read(folder: Path) -> dict[str, str]:
    """The saved defaults (missing keys: empty); a damaged file reads as no defaults."""
    path = Path(folder) / FILE_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    return {k: str(data.get(k, "") or "") for k in KEYS}


def write(folder: Path, values: dict[str, str]) -> Path:
    """Check and save the defaults; raises :class:`SettingsError`."""
    clean = {k: (values.get(k) or "").strip() for k in KEYS}
    if clean["profile"] and clean["profile"] not in profiles.available():
        raise SettingsError(f"地区口径“{clean['profile']}”不存在，可选：{'、'.join(profiles.available())}。")
    if clean["kind"] and clean["kind"] not in KIND_LABELS.values():
        raise SettingsError(f"表格类别应为{'或'.join(KIND_LABELS.values())}。")
    if clean["as_of"]:
        try:
            _dt.date.fromisoformat(clean["as_of"])
        except ValueError:
            raise SettingsError(f"统计日期“{clean['as_of']}”不是日期，请写成 2024-09-30 的格式。") from None
    return atomic.write_bytes(Path(folder) / FILE_NAME, _merged(Path(folder) / FILE_NAME, clean).encode("utf-8"))


def _merged(path: Path, clean: dict[str, str]) -> str:
    """The file's text with our three keys replaced and everything else (comments, 填报单位,
    a [synonyms] table the CLI reads) kept as the user wrote it."""
    try:
        old = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        old = []
    first_table = next((i for i, line in enumerate(old) if _TABLE.match(line)), len(old))
    top = [line for line in old[:first_table] if not _OURS.match(line)]
    ours = [f'{k} = {v}' if k == "as_of" else f'{k} = "{v}"' for k, v in clean.items() if v]  # a TOML date
    head = [] if old else ["# xltools 的默认设置（由 xltools serve 的“设置”页写入，也可以手工修改）"]
    lines = head + top + ours + ([""] if first_table < len(old) else []) + old[first_table:]
    return "\n".join(lines).strip("\n") + "\n"

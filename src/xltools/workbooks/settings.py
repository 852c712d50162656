"""A district's defaults, in one small file beside its inbox: ``xltools.toml``.

So that the quarterly commands need no repeated flags, a district may write::

    profile = "chongqing"      # 地区口径
    kind = "流动"               # 表格类别
    as_of = 2026-09-30         # 统计日期
    unit = "渝北区民政局"        # 填报单位（写在统计表上）

    [synonyms]                 # 本地表头 = 登记表栏目
    "参保" = "纳入医保情况"
    "村组" = "村社区"

The file is looked for next to the inputs (in a folder given, in the folder of a
file given, and in the folder above an inbox folder), then in the current
directory; the first found is used.  Options on the command line win over it.
``xltools serve``'s 设置 page reads it with :func:`page_values` and saves profile, kind and
as_of with :func:`save`, keeping everything else the user wrote (comments, other keys, tables).
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from xltools.workbooks import atomic
from xltools.core import profiles
from xltools.core.dates import DateError, parse_date
from xltools.core.schema import KIND_LABELS, parse_kind

FILE_NAME = "xltools.toml"
KEYS = ("profile", "kind", "as_of", "unit", "synonyms")


class SettingsError(ValueError):
    """A settings file that cannot be used; the message (Chinese) says which and why."""


@dataclass(frozen=True)
class Settings:
    path: Path | None = None
    profile: str | None = None
    kind: str | None = None
    as_of: _dt.date | None = None
    unit: str = ""
    synonyms: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """How the screen names where a default came from."""
        return str(self.path) if self.path else ""


def find(inputs=(), cwd: Path | None = None) -> Path | None:
    """The settings file for these inputs (see the module docstring), or None."""
    places: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            places += [p, p.parent]
        else:
            places.append(p.parent)
    places.append(Path(cwd) if cwd else Path.cwd())
    for folder in dict.fromkeys(q.resolve() for q in places):
        if (folder / FILE_NAME).is_file():
            return folder / FILE_NAME
    return None


def load(path) -> Settings:
    """Read a settings file; raises :class:`SettingsError` with a message saying what to fix."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}：无法读取设置文件（{exc}）。") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}：设置文件格式有误（{exc}）；文字要加英文双引号，如 profile = \"chongqing\"。") from None
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise SettingsError(f"{path}：不认识的设置“{'、'.join(unknown)}”；可写：{'、'.join(KEYS)}。")
    try:
        profile = data.get("profile")
        if profile is not None:
            profile = profiles.load(str(profile)).name
        kind = parse_kind(str(data["kind"])) if data.get("kind") else None
        as_of = data.get("as_of")
        if as_of is not None and not isinstance(as_of, _dt.date):
            try:
                as_of = parse_date(str(as_of))
            except DateError:
                raise ValueError(f"as_of“{as_of}”不是日期，请写成 2026-09-30。") from None
        table = data.get("synonyms", {})
        if not isinstance(table, dict):
            raise ValueError("synonyms 应写成一个表：[synonyms] 下每行 \"本地表头\" = \"登记表栏目\"。")
        synonyms = profiles.check_synonyms(profiles.synonym_pairs(table), "[synonyms]")
    except ValueError as exc:  # UnknownProfile is one
        raise SettingsError(f"{path}：{exc}") from None
    return Settings(path=path, profile=profile, kind=kind, as_of=as_of, unit=str(data.get("unit", "")),
                    synonyms=synonyms)


def for_inputs(inputs=(), cwd: Path | None = None) -> Settings:
    """The settings that apply to these inputs; empty settings when there is no file."""
    path = find(inputs, cwd)
    return load(path) if path else Settings()


# --- the web's 设置 page: the three defaults it shows and saves ------------------------------

PAGE_KEYS = ("profile", "kind", "as_of")
_PAGE_KEY = re.compile(r"\s*(profile|kind|as_of)\s*=")
_TABLE = re.compile(r"\s*\[")


def page_values(folder) -> dict[str, str]:
    """The saved profile, kind and as_of as text (missing: empty); a damaged file shows as no defaults
    (the commands that use it say what is wrong)."""
    path = Path(folder) / FILE_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    return {k: str(data.get(k, "") or "") for k in PAGE_KEYS}


def save(folder, values: dict[str, str]) -> Path:
    """Check and save profile, kind and as_of into ``folder``'s settings file, keeping every other
    line as the user wrote it; an empty value removes the key.  Raises :class:`SettingsError`."""
    clean = {k: (values.get(k) or "").strip() for k in PAGE_KEYS}
    if clean["profile"] and clean["profile"] not in profiles.available():
        raise SettingsError(f"地区口径“{clean['profile']}”不存在，可选：{'、'.join(profiles.available())}。")
    if clean["kind"] and clean["kind"] not in KIND_LABELS.values():
        raise SettingsError(f"表格类别应为{'或'.join(KIND_LABELS.values())}。")
    if clean["as_of"]:
        try:
            _dt.date.fromisoformat(clean["as_of"])
        except ValueError:
            raise SettingsError(f"统计日期“{clean['as_of']}”不是日期，请写成 2024-09-30 的格式。") from None
    path = Path(folder) / FILE_NAME
    return atomic.write_bytes(path, _with_values(path, clean).encode("utf-8"))


def _with_values(path: Path, clean: dict[str, str]) -> str:
    """The file's text with the page's keys replaced (before any table: TOML puts later keys in
    the table) and everything else (comments, unit, [synonyms]) kept."""
    try:
        old = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        old = []
    first_table = next((i for i, line in enumerate(old) if _TABLE.match(line)), len(old))
    top = [line for line in old[:first_table] if not _PAGE_KEY.match(line)]
    ours = [f"{k} = {v}" if k == "as_of" else f'{k} = "{v}"' for k, v in clean.items() if v]  # as_of: a TOML date
    head = [] if old else ["# xltools 的默认设置（由 xltools serve 的“设置”页写入，也可以手工修改）"]
    lines = head + top + ours + ([""] if first_table < len(old) else []) + old[first_table:]
    return "\n".join(lines).strip("\n") + "\n"

"""Locality profiles: what a locality's forms word differently, and its main-city rule.

A profile is a TOML file in this folder (``national.toml``, ``chongqing.toml``);
adding a locality is adding a file, no code.  :func:`load` returns a
:class:`Profile`, whose :meth:`Profile.form` gives the form of one kind with the
profile's option wording applied.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from xltools.core.schema import KINDS, PLACE_LABELS, Form, base_form

DEFAULT_PROFILE = "national"


@dataclass(frozen=True)
class District:
    name: str
    codes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    source: str
    default_province: str
    address_labels: tuple[str, ...]
    option_overrides: dict  # kind -> {field key -> tuple of options}
    main_city_label: str
    main_city: tuple[District, ...]
    # (header, field) pairs: the profile's [synonyms] table, then a district's own
    # (``xltools.toml``, :mod:`xltools.workbooks.settings`) — ``user_synonyms`` keeps the latter apart
    # so that a profile recorded in a file can be given the district's words too
    synonyms: tuple[tuple[str, str], ...] = ()
    user_synonyms: tuple[tuple[str, str], ...] = ()

    def form(self, kind: str) -> Form:
        return _form(self, kind)

    def with_synonyms(self, pairs) -> "Profile":
        """This profile with a district's own header synonyms added (they win over the built-in ones)."""
        pairs = tuple((str(h), str(t)) for h, t in pairs)
        if not pairs:
            return self
        check_synonyms(pairs, f"地区口径“{self.label}”")
        return replace(self, user_synonyms=self.user_synonyms + pairs)

    def main_city_codes(self) -> frozenset[str]:
        return frozenset(c for d in self.main_city for c in d.codes)

    def main_city_names(self) -> frozenset[str]:
        return frozenset(n for d in self.main_city for n in (d.name, *d.aliases))

    def __hash__(self) -> int:
        return hash(self.name)


class UnknownProfile(ValueError):
    pass


def available() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__package__).iterdir()
                  if p.name.endswith(".toml"))


def names() -> dict[str, list[str]]:
    """Each profile's name and what else it may be called: its label and the ``aliases`` of its file."""
    return {n: [n, _read(n)["label"], *_read(n).get("aliases", ())] for n in available()}


def resolve(name: str | None) -> str:
    """The profile file name for what a user wrote: a name, a label or an alias, any case
    (``Chongqing``, ``重庆``, ``全国``).

    >>> resolve(" 重庆 "), resolve("NATIONAL")
    ('chongqing', 'national')
    """
    wanted = (name or DEFAULT_PROFILE).strip().casefold()
    for n, called in names().items():
        if wanted in (c.casefold() for c in called):
            return n
    listed = "；".join(f"{called[0]}（也可写 {'、'.join(called[1:])}）" for called in names().values())
    raise UnknownProfile(f"未知的地区口径“{name}”，可写：{listed}。")


@lru_cache(maxsize=None)
def load(name: str | None = None) -> Profile:
    """Load a profile by name (``national``, ``chongqing``), Chinese label or alias (see :func:`resolve`)."""
    name = resolve(name)
    data = _read(name)
    overrides = {kind: {k: tuple(v) for k, v in data.get("options", {}).get(kind, {}).items()}
                 for kind in KINDS}
    for kind, opts in overrides.items():
        form = base_form(kind)
        for key in opts:
            if key not in form or not form[key].is_choice:
                raise ValueError(f"profile {name}: {key} is not a choice field of {kind}")
    mc = data.get("main_city", {})
    return Profile(
        name=data["name"], label=data["label"], source=data.get("source", ""),
        default_province=data.get("default_province", ""),
        address_labels=tuple(data.get("address", {}).get("labels", ("省", "市", "县(区)", "详细地址"))),
        option_overrides=overrides,
        main_city_label=mc.get("label", ""),
        main_city=tuple(District(d["name"], tuple(d.get("codes", ())), tuple(d.get("aliases", ())))
                        for d in mc.get("districts", ())),
        synonyms=check_synonyms(synonym_pairs(data.get("synonyms", {})), f"{name}.toml"),
    )


def synonym_pairs(table: dict) -> tuple[tuple[str, str], ...]:
    """A TOML ``[synonyms]`` table as (header, field) pairs: ``"医保" = "纳入医保情况"`` or
    ``"纳入医保情况" = ["医保", "参保"]`` (a field and the headers that mean it)."""
    out = []
    for k, v in table.items():
        if isinstance(v, str):
            out.append((k, v))
        else:
            out += [(str(h), k) for h in v]
    return tuple(out)


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def resolve_field(target: str, form: Form) -> str | None:
    """The column key a synonym points to in ``form``: a field key or part key, a field's label
    or title, or 镇街/村社区 (provenance); None if the form has no such field."""
    t = _norm(target)
    if t in form.column_keys or t in PLACE_LABELS:
        return t
    for key, label in PLACE_LABELS.items():
        if t == label:
            return key
    for f in form:
        if t in (_norm(f.title), _norm(f.label)) and (not f.parent_label or t == _norm(f.title)):
            return f.key
    return None


def check_synonyms(pairs, where: str) -> tuple[tuple[str, str], ...]:
    """``pairs`` if every one names a field of some form; else ValueError in Chinese."""
    for header, target in pairs:
        if not any(resolve_field(target, base_form(k)) for k in KINDS):
            raise ValueError(f"{where}：同义词“{header}”对应的“{target}”不是登记表的栏目；"
                             "请写栏目名称（如 纳入医保情况、居住登记、村社区）。")
    return tuple(pairs)


@cache
def _read(name: str) -> dict:
    with resources.files(__package__).joinpath(f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=None)
def _form(profile: Profile, kind: str) -> Form:
    form = base_form(kind)
    opts = profile.option_overrides.get(kind, {})
    headers = tuple((h, key) for h, t in profile.synonyms + profile.user_synonyms
                    if (key := resolve_field(t, form)) is not None)
    return Form(kind, tuple(replace(f, options=opts[f.key]) if f.key in opts else f for f in form), headers)


# Why the default profile was used, as the screen says it: a township's own sheet records none,
# and a newcomer in another region must learn there how to choose hers.
DEFAULT_SOURCE = "默认；文件没有记录地区口径，不是全国通用口径时请加 --profile 或写入 xltools.toml"

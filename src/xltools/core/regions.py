"""Administrative region codes (GB/T 2260) with their history, and address parsing.

The code table is python-stdnum's ``cn/loc.dat`` (from the zh.wikipedia lists
of region codes), read once.  Each six-digit code keeps every name it has had
with the years it was in use, e.g. 500112 = 渝北区 1997–2025.

Two uses:
- the region of an ID number's first six digits (:func:`lookup`), where a code
  that ever existed is a real place: ID numbers keep the code they were issued
  with, so a code that is no longer in use is never an error by itself;
- decoding an address written as text (:func:`parse_address`) into
  province/city/county, resolving county names that repeat across provinces
  (江北区 is in 重庆 and in 宁波) with the province or city when the text
  has one, and with the profile's default province otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_ENTRY = re.compile(r"^(?:\[(\d*)-(\d*)\])?(.+)$")
GROUP_NAMES = _GROUP_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位",
                "省直辖县级行政单位", "自治区直辖县级行政单位"}


@dataclass(frozen=True)
class Name:
    name: str
    start: int | None  # first year in use, None if unknown (in use since before the list)
    end: int | None    # last year in use, None if still in use


@dataclass(frozen=True)
class Region:
    """One six-digit code: a province, a prefecture-level city or a county."""

    code: str
    province: str
    city: str           # '' for a province; the province's name for a municipality
    county: str         # '' above county level
    history: tuple[Name, ...]

    @property
    def level(self) -> str:
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "county"

    @property
    def name(self) -> str:
        return self.history[-1].name

    @property
    def first_year(self) -> int | None:
        return self.history[0].start

    @property
    def last_year(self) -> int | None:
        return self.history[-1].end

    def in_use(self, year: int) -> bool:
        return any((n.start is None or n.start <= year) and (n.end is None or year <= n.end)
                   for n in self.history)

    def name_in(self, year: int) -> str:
        for n in self.history:
            if (n.start is None or n.start <= year) and (n.end is None or year <= n.end):
                return n.name
        return self.name

    @property
    def full_name(self) -> str:
        parts = [self.province]
        if self.city and self.city != self.province:
            parts.append(self.city)
        if self.county:
            parts.append(self.county)
        return "".join(parts)

    def history_text(self) -> str:
        def span(n: Name) -> str:
            if n.start is None and n.end is None:
                return n.name
            return f"{n.name}（{n.start or ''}–{n.end or '今'}）"
        return "，".join(span(n) for n in self.history)


def _parse_names(text: str) -> tuple[Name, ...]:
    out = []
    for part in text.split(","):
        m = _ENTRY.match(part.strip())
        start, end, name = m.group(1), m.group(2), m.group(3)
        out.append(Name(name, int(start) if start else None, int(end) if end else None))
    return tuple(out)


@lru_cache(maxsize=1)
def _table() -> dict[str, Region]:
    data = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    raw: dict[str, tuple[Name, ...]] = {}
    provinces: dict[str, str] = {}
    prov = ""
    for line in data.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            code, rest = line.split(" ", 1)
            prov = code
            provinces[code] = rest.split("=", 1)[1].strip('"')
            continue
        code, rest = line.strip().split(" ", 1)
        raw[prov + code] = _parse_names(rest.split("=", 1)[1].strip('"'))
    table: dict[str, Region] = {}
    for code, names in raw.items():
        pname = provinces[code[:2]]
        latest = names[-1].name
        if code.endswith("0000"):
            table[code] = Region(code, pname, "", "", names)
            continue
        city_names = raw.get(code[:4] + "00")
        city = city_names[-1].name if city_names else ""
        if city in _GROUP_NAMES or not city:
            city = pname  # municipality (北京市, 重庆市) or a province-administered county
        if code.endswith("00"):
            if latest in _GROUP_NAMES:
                latest = pname
            table[code] = Region(code, pname, latest if latest != pname else pname, "", names)
        else:
            table[code] = Region(code, pname, city, latest, names)
    return table


def lookup(code: str) -> Region | None:
    """The region of a six-digit code, or None if the code never existed.

    >>> lookup('500112').history_text()
    '渝北区（1997–2025）'
    >>> lookup('500112').full_name
    '重庆市渝北区'
    """
    return _table().get(str(code)[:6])


def province_of(code: str) -> str | None:
    r = _table().get(str(code)[:2] + "0000")
    return r.province if r else None


def all_regions() -> list[Region]:
    """Every code that ever existed (provinces, cities, counties), in code order."""
    return [r for _, r in sorted(_table().items())]


def current_regions() -> list[Region]:
    """County-level regions still in use, in code order (for address dropdowns)."""
    return [r for c, r in sorted(_table().items())
            if r.level == "county" and r.last_year is None and r.county not in _GROUP_NAMES]


def all_counties() -> list[Region]:
    """Every county-level code that ever existed (ID numbers keep retired codes), in code order."""
    return [r for c, r in sorted(_table().items()) if r.level == "county" and r.county not in _GROUP_NAMES]


def province_codes() -> list[str]:
    """The two-digit codes of the provinces (11 北京 … 82 澳门), of every year."""
    return sorted({c[:2] for c in _table() if c.endswith("0000")})


# --- address text ---------------------------------------------------------

@dataclass(frozen=True)
class Address:
    province: str = ""
    city: str = ""
    county: str = ""
    code: str = ""        # county code when the county was identified
    township: str = ""    # 镇/乡/街道 when the text names one
    detail: str = ""

    @property
    def county_key(self) -> str:
        """What decides 'the same county': the code when known, else the names."""
        if self.code:
            return self.code
        if self.county:
            return f"{self.province}|{self.city}|{self.county}"
        return ""


@lru_cache(maxsize=1)
def _name_index():
    counties: dict[str, list[Region]] = {}
    cities: dict[str, set[str]] = {}
    provinces: dict[str, str] = {}
    for r in _table().values():
        if r.level == "province":
            for n in r.history:
                provinces[n.name] = r.province
                short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|特別行政區)$", "", n.name)
                if len(short) >= 2:
                    provinces.setdefault(short, r.province)
        elif r.level == "city":
            for n in r.history:
                if n.name not in _GROUP_NAMES:
                    cities.setdefault(n.name, set()).add(r.code[:4])
        else:
            for n in r.history:
                if n.name not in _GROUP_NAMES:
                    counties.setdefault(n.name, []).append(r)
    # Longest names first, so 西部科学城重庆高新区 is not taken for 高新区.
    pat = lambda names: re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    return counties, cities, provinces, pat(counties), pat(cities), pat(provinces)


_TOWNSHIP = re.compile(r"([\u4e00-\u9fff]{1,10}?(?:街道办事处|街道|镇|乡))")


@lru_cache(maxsize=65536)
def parse_address(text: str, default_province: str = "", extra_counties: tuple[str, ...] = ()) -> Address:
    """Find province, city and county in an address written as text.

    >>> parse_address('重庆市江北区观音桥街道建新北路1号').code
    '500105'
    >>> parse_address('浙江省宁波市江北区庄桥街道').code
    '330205'
    >>> parse_address('江北区观音桥', '重庆市').code
    '500105'

    ``extra_counties`` are county-level areas of the default province that have
    no code of their own (e.g. 西部科学城重庆高新区); they are returned with an
    empty code.
    """
    text = (text or "").strip()
    if not text:
        return Address()
    counties, cities, provinces, cpat, ctpat, ppat = _name_index()
    rest = text
    province = city = ""
    m = ppat.match(rest)
    cm = ctpat.match(rest)
    if m and cm and len(cm.group(0)) > len(m.group(0)):
        m = None  # 吉林市…, 海南藏族自治州… (in 青海): a city whose name starts like a province
    if m:
        province = provinces[m.group(0)]
        rest = rest[m.end():]
    if province and rest.startswith(province):  # 重庆市重庆市渝北区 (municipality twice)
        rest = rest[len(province):]
    m = ctpat.match(rest)
    city_prefixes: set[str] = set()
    if m:
        prefixes = {p for p in cities[m.group(0)]
                    if not province or _table()[p[:2] + "0000"].province == province}
        if prefixes:
            city = m.group(0)
            city_prefixes = prefixes
            rest = rest[m.end():]
    for name in sorted(extra_counties, key=len, reverse=True):
        at = rest.find(name, 0, 24)
        if at >= 0 and province in ("", default_province):
            after = rest[at + len(name):]
            tm = _TOWNSHIP.match(after)
            return Address(default_province, default_province, name, "", tm.group(1) if tm else "", after)
    m = cpat.search(rest[:20])
    region = None
    if m:
        candidates = counties[m.group(0)]
        pick = [r for r in candidates if r.code[:4] in city_prefixes] if city_prefixes else []
        if not pick and province:
            pick = [r for r in candidates if r.province == province]
        if not pick and not province and not city_prefixes and default_province:
            pick = [r for r in candidates if r.province == default_province]
        if not pick and len({r.code for r in candidates}) == 1 and not city_prefixes \
                and province in ("", candidates[0].province):
            pick = candidates
        if not pick and len(candidates) > 1:
            # The same name reused for several codes (renumbering): prefer one still in use.
            live = [r for r in candidates if r.last_year is None]
            if len({r.province for r in candidates}) == 1 and live:
                pick = live
        if pick:
            live = [r for r in pick if r.last_year is None] or pick
            region = live[0]
            rest = rest[m.end():]
    if region:
        tm = _TOWNSHIP.match(rest)
        return Address(region.province, region.city, region.county, region.code,
                       tm.group(1) if tm else "", rest)
    if city and not province:
        r = _table().get(sorted(city_prefixes)[0] + "00") if len(city_prefixes) == 1 else None
        province = r.province if r else ""
    # After an ambiguous county name, so '渝北区两路街道' gives 两路街道, not the whole text.
    tm = _TOWNSHIP.search(rest[m.end():] if m else rest)
    return Address(province, city, "", "", tm.group(1) if tm else "", rest)


def resolve_parts(province: str, city: str, county: str, default_province: str = "",
                  extra_counties: tuple[str, ...] = ()) -> Address:
    """A structured address (three dropdown cells) as an :class:`Address` with its code."""
    text = "".join(p for p in (province, city, county) if p)
    addr = parse_address(text, default_province, extra_counties)
    if addr.county or not county:
        return addr
    return Address(province or addr.province, city or addr.city, county, "", "", "")

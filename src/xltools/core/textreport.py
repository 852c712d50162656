"""Plain-text (Chinese) renderings of reports for the terminal."""

from __future__ import annotations

from xltools.core.idcard import IDInfo
from xltools.core.profiles import load as load_profile
from xltools.core.issues import SEVERITY_LABELS, TITLES
from xltools.core.schema import ADDRESS_PARTS, CATEGORIES, PLACE_LABELS, base_form
from xltools.core.validate import Report

MAX_LISTED = 50


def validation_text(report: Report, *, columns_detail: bool = True, max_listed: int = MAX_LISTED) -> str:
    src = report.source
    s = report.summary()
    out = []
    if src:
        rows = src.get("header_rows") or []
        hdr = f"第{rows[0]}–{rows[-1]}行" if len(rows) > 1 else (f"第{rows[0]}行" if rows else "—")
        if src.get("shape") == "form":
            hdr = "登记表（一人一表，按栏目读取）"
        out.append(f"文件：{src.get('file', '')}　工作表：{src.get('sheet') or '—'}　表头：{hdr}")
        out.append(f"表格类别：{src.get('kind_label', '')}儿童（{src.get('kind_source', '')}）"
                   + (f"　填报单位：{src['unit']}" if src.get("unit") else ""))
    why = f"（{src['profile_source']}）" if src.get("profile_source") else ""
    out.append(f"地区口径：{load_profile(report.profile).label}{why}　统计日期：{report.as_of.isoformat()}（{report.as_of_source}）")
    if columns_detail and report.columns and src.get("shape") == "form":
        # a form's fields are not columns: the letter of a roster column would point elsewhere
        out.append("已读取的栏目：" + "　".join(dict.fromkeys(column_title(report.kind, k) for k in report.columns)))
    elif columns_detail and report.columns:
        out.append("已识别的列：" + "　".join(f"{v}列{column_title(report.kind, k)}"
                                         for k, v in report.columns.items()))
    if report.ignored:
        out.append("未使用的列：" + "　".join(f"{letter}列“{text}”" for letter, text in report.ignored))
    for row, reason in (src.get("skipped_rows") or [])[:10]:
        out.append(f"跳过第{row}行：{reason}")
    for note in src.get("notes") or ():
        out.append(f"注意：{note}")
    out.append("")
    out.append(f"共 {s['rows']} 行：错误 {s['errors']} 处（涉及 {s['rows_with_errors']} 行），提醒 {s['warnings']} 处。")
    if s["issues_by_code"]:
        out.append("问题类型：")
        sev = {i.code: i.severity for i in report.issues}
        for code, n in s["issues_by_code"].items():
            out.append(f"  {SEVERITY_LABELS[sev[code]]}　{TITLES[code]}：{n}")
    out.append("儿童类别：")
    for cat in CATEGORIES:
        if s["categories"].get(cat):
            out.append(f"  {cat}：{s['categories'][cat]}")
    out.append(f"重点关爱服务对象：{s['key_care']} 人")
    if report.issues:
        out.append("")
        shown = report.issues[:max_listed]
        out.append(f"问题明细（{len(shown)}/{len(report.issues)} 条{'，全部明细请用 --json' if len(report.issues) > len(shown) else ''}）：")
        for i in shown:
            where = f"第{i.row}行" if i.row else "整表"
            col = f" {i.column}列" if i.column else ""
            out.append(f"  {where}{col}［{SEVERITY_LABELS[i.severity]}］{i.message}")
    return "\n".join(out)


def column_title(kind: str, key: str) -> str:
    """The printed title of a column key (address parts as 户籍地址·县(区))."""
    form = base_form(kind)
    if key in form:
        return form[key].title
    if key in PLACE_LABELS:
        return PLACE_LABELS[key]
    for f in form:
        for (part, label), k in zip(ADDRESS_PARTS, f.part_keys):
            if k == key:
                return f"{f.title}·{label}"
    return key


def id_text(info: IDInfo) -> str:
    """One line for ``xltools id``."""
    if info.error is not None and not info.number:
        return f"{info.raw}\t无效：{info.error.message}"
    parts = [info.raw]
    if info.valid:
        parts.append("有效")
    else:
        parts.append(f"无效：{info.error.message}")
    if info.birth_date:
        parts += [f"出生 {info.birth_date.isoformat()}", info.sex, f"{info.age}周岁"]
    if info.region:
        parts.append(f"{info.region.full_name}（{info.region.history_text()}）")
    elif info.number:
        parts.append("地区码未知")
    for code, params in info.warnings:
        parts.append(f"提醒：{TITLES[code]}")
    return "\t".join(parts)


def merge_text(result, out) -> str:
    """The terminal summary of ``xltools merge``: files, the accounting, categories, where the result is."""
    from xltools.core.schema import KIND_LABELS

    t = result.totals()
    merged = [f for f in result.files if f.status == "merged"]
    lines = [f"合并{KIND_LABELS[result.kind]}儿童：读取 {len(merged)} 个文件，未读取 {len(result.unread)} 个。",
             f"地区口径：{load_profile(result.profile).label}（{result.profile_source or '默认'}）",
             f"读入 {t['read']} 行 = 进入花名册 {t['kept']} 人 + 重复已合并 {t['folded']} 行 + 未采用 {t['rejected']} 行。"]
    cats = result.roster["category"].value_counts().to_dict() if len(result.roster) else {}
    lines += [f"  {c}：{cats[c]}" for c in CATEGORIES if cats.get(c)]
    if len(result.roster):
        lines.append(f"重点关爱服务对象：{int(result.roster['key_care'].sum())} 人；问题 {len(result.issues)} 条（见“问题清单”）。")
    lines += date_lines(merged)
    lines += column_lines(merged)
    for f in result.unread:
        lines.append(f"未读取：{f.path}：{f.reason}")
    for fp, _, i in result.issues:
        if i.code in SCREEN_CODES:
            lines.append(f"注意：{fp}：{i.message}")
    lines.append(f"结果已写入：{out}")
    return "\n".join(lines)


MAX_FILES_LISTED = 30
SCREEN_CODES = ("column.looks_like_field", "sheet.no_report_date", "file.profile_mismatch")


def date_lines(files) -> list[str]:
    """The 统计日期 the files were checked at: the usual one, and each file that got another
    (or got its date from elsewhere than its own 填报日期)."""
    if not files:
        return []
    dated = [(f.as_of, f.as_of_source) for f in files]
    usual = max(sorted(set(dated)), key=lambda d: (dated.count(d), d[1] not in ("今天", "其他文件的填报日期")))
    odd = [f for f, d in zip(files, dated) if d != usual]
    out = [f"统计日期：{usual[0]}（{usual[1]}）" + ("；以下文件不同：" if odd else "")]
    out += [f"  {f.path}：{f.as_of}（{f.as_of_source}）" for f in odd[:MAX_FILES_LISTED]]
    return out


def column_lines(files) -> list[str]:
    """How many header columns each file used and which it did not (all of them in 列对应);
    files read alike (one village template after another) share one line."""
    groups: dict[tuple, list[str]] = {}
    forms = [f.path for f in files if not f.columns]  # a merged file without a header row: 登记表
    for f in files:
        if not f.columns:
            continue
        used = sum(1 for c in f.columns if c["key"])
        unused = tuple(f"{c['column']}列“{c['header']}”" for c in f.columns if not c["key"] and not c["field"])
        groups.setdefault((used, unused), []).append(f.path)
    out = ["列对应（全部见“列对应”工作表）："]
    for (used, unused), paths in list(groups.items())[:MAX_FILES_LISTED]:
        who = paths[0] if len(paths) == 1 else f"{paths[0]} 等 {len(paths)} 个文件"
        out.append(f"  {who}：使用 {used} 列" + (f"；未使用 {len(unused)} 列：" + "、".join(unused)
                                                if unused else "；没有未使用的列"))
    if len(groups) > MAX_FILES_LISTED:
        out.append(f"  ……另有 {len(groups) - MAX_FILES_LISTED} 种")
    if forms:
        who = forms[0] if len(forms) == 1 else f"{forms[0]} 等 {len(forms)} 个文件"
        out.append(f"  {who}：登记表，按栏目读取（没有表头列）")
    return out

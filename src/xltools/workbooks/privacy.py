"""How personal data leaves xltools: masked numbers, encrypted workbooks, safe writes.

The work plans require personal information to be handled "依法依规，采取必要措施
保障信息安全".  This module owns the three measures every writing command offers:

- ``--mask`` (:func:`mask_id`, :func:`mask_phone`, :func:`mask_text`, :func:`mask_frame`,
  :func:`mask_result`).  The rule, decided once here:

  * a 公民身份号码 keeps its first 6 characters (the region code: which county)
    and its last 4 (sex digit and check digit); everything between becomes ``*``,
    one per character (``500101********131X``, an old 15-digit number
    ``500101*****1123``).  The birth date and the sequence number are hidden;
  * a phone number keeps a mobile's first 3 digits, a landline's area code, and
    the last 4 digits (``138****8000``, ``023-****1234``);
  * an ID number Excel turned into a number (``5.00101201012311e+17``) keeps 6
    significant digits (``5.00101*********e+17``);
  * free text (messages in 问题清单, duplicate groups, file names) is scanned for
    runs of 15 or more digits (an ID, right or wrong, also with single spaces inside),
    mobile numbers, landlines with an area code and any other number of 7 or more
    digits quoted in “…” (a wrongly written phone in a message), and those are
    masked by the same rules.  Names and addresses are not masked: the lists must still find
    the child.

- ``--encrypt`` (:func:`encrypt_bytes`, :func:`save`, :func:`encrypt_file`): Office's
  standard ("agile", AES) encryption through msoffcrypto-tool, which Excel 2010+
  and WPS open after asking for the password.  The plain workbook is written to a
  temporary file, encrypted into the temporary output and renamed: neither a
  crash nor an error leaves an unencrypted copy under the output's name.

- :func:`save` also refuses to write over an input file.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from xltools.workbooks import atomic

_DIGIT = "0-9０-９"
_ID_RUN = re.compile(rf"(?<![{_DIGIT}])(?:[{_DIGIT}] ?){{14,}}[{_DIGIT}XxＸｘ](?![{_DIGIT}])")
_SCI_RUN = re.compile(r"(?<![0-9])([0-9])\.([0-9]+)([eE]\+?[0-9]{2})")
_MOBILE_RUN = re.compile(rf"(?<![{_DIGIT}])1[3-9][{_DIGIT}]{{9}}(?![{_DIGIT}])")
_LANDLINE_RUN = re.compile(rf"(?<![{_DIGIT}])0[{_DIGIT}]{{2,3}}[-－ ][{_DIGIT}]{{7,8}}(?![{_DIGIT}])")
_QUOTED_NUMBER = re.compile(rf"(?<=“)[{_DIGIT}][{_DIGIT}\-－ ]{{5,}}[{_DIGIT}](?=”)")  # a wrong phone quoted in a message
_FOUR_DIGITS = re.compile(rf"(?:[{_DIGIT}][^{_DIGIT}]*){{4}}")
SCI_KEEP = 6  # significant digits kept of an ID stored as a number


class OutputError(Exception):
    """An output that cannot be written as asked (it is an input, no password …)."""


# --- masking ----------------------------------------------------------------------

def mask_id(value: str) -> str:
    """An ID number with only its first 6 and last 4 characters shown.

    >>> mask_id("50010120100101131X"), mask_id("500101100101123")
    ('500101********131X', '500101*****1123')
    >>> mask_id(""), mask_id("无")
    ('', '无')
    """
    text = str(value or "").strip()
    if _SCI_RUN.fullmatch(text):
        return _mask_sci(_SCI_RUN.fullmatch(text))
    if not re.search(rf"[{_DIGIT}]", text):
        return text
    compact = re.sub(r"\s+", "", text)
    if len(compact) <= 10:  # too short to be an ID: hide all but the last 4
        return "*" * max(len(compact) - 4, 0) + compact[-4:] if len(compact) > 4 else "*" * len(compact)
    return compact[:6] + "*" * (len(compact) - 10) + compact[-4:]


def mask_phone(value: str) -> str:
    """A phone number with only a mobile's first 3 (or a landline's area code) and the last 4 digits.

    >>> mask_phone("13800138000"), mask_phone("023-67891234"), mask_phone("67891234")
    ('138****8000', '023-****1234', '****1234')
    """
    text = str(value or "").strip()
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if not digits:
        return text
    keep = set(digits[-4:])
    area = re.match(rf"0[{_DIGIT}]{{2,3}}(?=[-－ ）)])", text)
    if area:
        keep |= set(range(area.end()))
    elif len(digits) >= 11:
        keep |= set(digits[:3])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(text))


def _mask_sci(m: re.Match) -> str:
    lead, frac, exp = m.group(1), m.group(2), m.group(3)
    shown = SCI_KEEP - 1
    return f"{lead}.{frac[:shown]}{'*' * max(len(frac) - shown, 0)}{exp}"


def mask_text(text) -> str:
    """Free text with every ID-like and phone-like number in it masked.

    >>> mask_text("公民身份号码 50010120100101131X 在第5行也出现；电话 13800138000")
    '公民身份号码 500101********131X 在第5行也出现；电话 138****8000'
    """
    if not isinstance(text, str) or not _FOUR_DIGITS.search(text):  # every pattern needs 4 digits
        return text
    out = _ID_RUN.sub(lambda m: mask_id(m.group(0)), text)
    out = _SCI_RUN.sub(_mask_sci, out)
    out = _MOBILE_RUN.sub(lambda m: mask_phone(m.group(0)), out)
    out = _LANDLINE_RUN.sub(lambda m: mask_phone(m.group(0)), out)
    return _QUOTED_NUMBER.sub(lambda m: mask_phone(m.group(0)), out)


def id_keys(kind: str) -> set[str]:
    """Column keys that hold ID numbers (child, parents, guardian, caregiver)."""
    from xltools.core.schema import base_form
    return {f.key for f in base_form(kind).by_type("id_number")} | {"duplicate_group"}


def phone_keys(kind: str) -> set[str]:
    from xltools.core.schema import base_form
    return {f.key for f in base_form(kind).by_type("phone")}


def mask_frame(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """A copy of a table (columns named by key or by Chinese header) with every number masked:
    ID and phone columns by their rule, every other text cell through :func:`mask_text`."""
    if df is None or not len(df.columns):
        return df
    ids, phones = id_keys(kind), phone_keys(kind)
    out = df.copy()
    for col in out.columns:
        rule = mask_id if col in ids else mask_phone if col in phones else mask_text
        done: dict[str, str] = {}  # each distinct value masked once
        out[col] = [(done[v] if v in done else done.setdefault(v, rule(v))) if isinstance(v, str) else v
                    for v in out[col].tolist()]
    return out


def mask_result(result):
    """A copy of a :class:`xltools.workbooks.roster.MergeResult` fit for ``--mask``: the roster, the
    duplicates, the rejected rows and every issue's quoted value masked."""
    ids, phones = id_keys(result.kind), phone_keys(result.kind)

    def issue(i):
        rule = mask_id if i.field in ids else mask_phone if i.field in phones else mask_text
        params = {k: mask_text(v) if isinstance(v, str) else v for k, v in i.params.items()}
        return dataclasses.replace(i, value=rule(i.value), params=params)

    return dataclasses.replace(
        result, roster=mask_frame(result.roster, result.kind),
        duplicates=mask_frame(result.duplicates, result.kind), rejected=mask_frame(result.rejected, result.kind),
        issues=[(mask_text(f), mask_text(s), issue(i)) for f, s, i in result.issues])


# --- encryption and safe writes ---------------------------------------------------------

def encrypt_bytes(data: bytes, password: str) -> bytes:
    """An .xlsx (as bytes) encrypted with Office's agile encryption."""
    from msoffcrypto.format.ooxml import OOXMLFile

    if not password:
        raise OutputError("加密需要密码，密码不能为空。")
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def decrypt_bytes(data: bytes, password: str) -> bytes:
    """The plain .xlsx of an encrypted one; raises msoffcrypto's InvalidKeyError on a wrong password."""
    import msoffcrypto

    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def refuse_input(out: Path, inputs: Iterable) -> None:
    resolved = Path(out).resolve()
    if resolved in {Path(i).resolve() for i in inputs}:
        raise OutputError(f"输出文件 {out} 是输入文件之一；为免覆盖原始数据，请换一个输出文件名。")


def save(out, build: Callable[[Path], object], *, password: str | None = None, inputs: Iterable = ()) -> Path:
    """Write a workbook to ``out`` atomically: ``build(path)`` writes a plain .xlsx to the path
    it is given; with ``password`` the result is encrypted before it takes ``out``'s name."""
    out = Path(out)
    refuse_input(out, inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic.atomic_path(out) as tmp:
        if not password:
            build(tmp)
        else:
            fd, plain = tempfile.mkstemp(prefix=".xltools-plain-", suffix=".xlsx", dir=out.parent)
            os.close(fd)
            try:
                build(Path(plain))
                tmp.write_bytes(encrypt_bytes(Path(plain).read_bytes(), password))
            finally:
                if os.path.exists(plain):
                    os.unlink(plain)
    return out


def encrypt_file(path, password: str) -> Path:
    """Encrypt a finished workbook in place (atomically), e.g. a template with no personal data."""
    path = Path(path)
    return atomic.write_bytes(path, encrypt_bytes(path.read_bytes(), password))


def read_password_file(path) -> str:
    """The password on the first line of a text file (UTF-8), without the line break."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OutputError(f"无法读取密码文件 {path}：{exc}") from None
    line = text.splitlines()[0].strip() if text.strip() else ""
    if not line:
        raise OutputError(f"密码文件 {path} 的第一行是空的；请把密码写在第一行。")
    return line

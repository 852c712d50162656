"""The VBA project inside an add-in (``xl/vbaProject.bin``, [MS-OVBA] 2.3): read and rebuild it.

We rebuild the project of a template (xlwings' ``quickstart_addin_ribbon.xlam``)
with our own module list, storing every module as source only: no compiled
cache, ``MODULEOFFSET`` 0 and the 7-byte ``_VBA_PROJECT`` header, so Excel compiles
the source when it loads the add-in (which is how xlwings' own release files are
built without Excel).  Kept from the template: the references, code page, the
document modules' records (ThisWorkbook, the sheets) and every other stream.
Rewritten: ``PROJECTNAME``, the module records of the ``dir`` stream, the module
streams, ``PROJECT`` and ``PROJECTwm``.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

import olefile

from xltools.excel import cfb, ovba

PROCEDURAL, DOCUMENT, CLASS = "procedural", "document", "class"

# _VBA_PROJECT with Version 0xFFFF and no performance cache: "compile on load".
SOURCE_ONLY_HEADER = bytes.fromhex("cc61ffff000100")

_PROJECTNAME, _PROJECTCODEPAGE, _PROJECTVERSION = 0x0004, 0x0003, 0x0009
_PROJECTMODULES, _PROJECTCOOKIE, _TERMINATOR = 0x000F, 0x0013, 0x0010
_MODULENAME, _MODULENAMEUNICODE = 0x0019, 0x0047
_MODULESTREAMNAME, _MODULESTREAMNAMEUNICODE = 0x001A, 0x0032
_MODULEDOCSTRING, _MODULEDOCSTRINGUNICODE = 0x001C, 0x0048
_MODULEOFFSET, _MODULEHELPCONTEXT, _MODULECOOKIE = 0x0031, 0x001E, 0x002C
_MODULETYPE_PROCEDURAL, _MODULETYPE_OTHER, _MODULE_END = 0x0021, 0x0022, 0x002B


class ProjectError(ValueError):
    """The VBA project cannot be read or rebuilt as asked (message in Chinese: it reaches the CLI)."""


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, kind and source text (as the VBA editor would export it)."""

    name: str
    kind: str
    source: str


Record = tuple[int, bytes]


def _records(data: bytes) -> list[Record]:
    out, pos = [], 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        pos += 6
        if rid == _PROJECTVERSION:  # its size field is a reserved 4, followed by 6 bytes
            size = 6
        out.append((rid, data[pos:pos + size]))
        pos += size
    if pos != len(data):
        raise ProjectError("VBA 工程的 dir 流已损坏：最后一条记录不完整。")
    return out


def _serialize(records: list[Record]) -> bytes:
    out = bytearray()
    for rid, payload in records:
        size = 4 if rid == _PROJECTVERSION else len(payload)
        out += struct.pack("<HI", rid, size) + payload
    return bytes(out)


@dataclass
class _Dir:
    head: list[Record]
    modules: dict[str, list[Record]]
    tail: list[Record]
    codepage: str


def _parse_dir(data: bytes) -> _Dir:
    records = _records(data)
    try:
        start = next(i for i, (rid, _) in enumerate(records) if rid == _PROJECTMODULES)
    except StopIteration:
        raise ProjectError("VBA 工程的 dir 流已损坏：没有模块列表（PROJECTMODULES）。") from None
    head = records[:start]
    cp = next((p for rid, p in head if rid == _PROJECTCODEPAGE), None)
    codepage = f"cp{struct.unpack('<H', cp)[0]}" if cp else "cp1252"
    modules: dict[str, list[Record]] = {}
    current: list[Record] = []
    tail: list[Record] = []
    for rid, payload in records[start + 2:]:  # after PROJECTMODULES and PROJECTCOOKIE
        if rid == _TERMINATOR:
            tail.append((rid, payload))
            continue
        current.append((rid, payload))
        if rid == _MODULE_END:
            name = next(p for r, p in current if r == _MODULENAME).decode(codepage)
            modules[name] = current
            current = []
    return _Dir(head, modules, tail or [(_TERMINATOR, b"\0\0\0\0")], codepage)


def _field(records: list[Record], rid: int) -> bytes:
    return next(p for r, p in records if r == rid)


def _module_kind(records: list[Record]) -> str:
    return PROCEDURAL if any(r == _MODULETYPE_PROCEDURAL for r, _ in records) else CLASS


def read(vba_bin: bytes) -> dict[str, Module]:
    """The modules of a ``vbaProject.bin``, by name, with their decompressed source.

    Document modules (ThisWorkbook, sheets) are told apart from class modules by the
    PROJECT stream's ``Document=`` lines."""
    ole = olefile.OleFileIO(io.BytesIO(vba_bin))
    try:
        d = _parse_dir(ovba.decompress(ole.openstream("VBA/dir").read()))
        project = ole.openstream("PROJECT").read().decode(d.codepage)
        documents = set(re.findall(r"^Document=([^/\r\n]+)/", project, re.M))
        out = {}
        for name, recs in d.modules.items():
            stream = _field(recs, _MODULESTREAMNAME).decode(d.codepage)
            offset = struct.unpack("<I", _field(recs, _MODULEOFFSET))[0]
            raw = ole.openstream(f"VBA/{stream}").read()
            kind = DOCUMENT if name in documents else _module_kind(recs)
            out[name] = Module(name, kind, ovba.decompress(raw[offset:]).decode(d.codepage))
        return out
    finally:
        ole.close()


def _new_module_records(name: bytes, uname: bytes, kind: str) -> list[Record]:
    return [
        (_MODULENAME, name), (_MODULENAMEUNICODE, uname),
        (_MODULESTREAMNAME, name), (_MODULESTREAMNAMEUNICODE, uname),
        (_MODULEDOCSTRING, b""), (_MODULEDOCSTRINGUNICODE, b""),
        (_MODULEOFFSET, b"\0\0\0\0"), (_MODULEHELPCONTEXT, b"\0\0\0\0"),
        (_MODULECOOKIE, b"\xff\xff"),
        (_MODULETYPE_PROCEDURAL if kind == PROCEDURAL else _MODULETYPE_OTHER, b""),
        (_MODULE_END, b""),
    ]


def _project_text(template: str, project_name: str, modules: list[Module]) -> str:
    """The PROJECT stream ([MS-OVBA] 2.3.1): module declarations and workspace follow ``modules``."""
    declare = {DOCUMENT: "Document={}/&H00000000", CLASS: "Class={}", PROCEDURAL: "Module={}"}
    lines = template.replace("\r\n", "\n").split("\n")
    workspace_old = {}
    out: list[str] = []
    section = ""
    for line in lines:
        if line.startswith("["):
            section = line
        if section == "" and re.match(r"(Document|Class|Module|BaseClass|Package)=", line):
            continue
        if section == "[Workspace]" and "=" in line:
            key, _, value = line.partition("=")
            workspace_old[key] = value
            continue
        if section == "" and line.startswith("Name="):
            line = f'Name="{project_name}"'
        out.append(line)
        if line.startswith("ID="):
            out += [declare[m.kind].format(m.name) for m in modules]
    while out and out[-1] == "":
        out.pop()
    if "[Workspace]" not in out:
        out += ["", "[Workspace]"]
    at = out.index("[Workspace]") + 1
    out[at:at] = [f"{m.name}={workspace_old.get(m.name, '0, 0, 0, 0, C')}" for m in modules]
    return "\r\n".join(out) + "\r\n"


def build(template_bin: bytes, project_name: str, modules: list[Module]) -> bytes:
    """A ``vbaProject.bin``: the template's project renamed to ``project_name``, holding
    exactly ``modules`` (source only).  Document modules must exist in the template:
    they belong to the workbook's own sheets."""
    ole = olefile.OleFileIO(io.BytesIO(template_bin))
    try:
        d = _parse_dir(ovba.decompress(ole.openstream("VBA/dir").read()))
        cp = d.codepage
        old_streams = {"/".join(path): ole.openstream(path).read()
                       for path in ole.listdir(streams=True, storages=False)}
        project_template = old_streams["PROJECT"].decode(cp)
    finally:
        ole.close()

    def encode(text: str, what: str) -> bytes:
        try:
            return text.encode(cp)
        except UnicodeEncodeError as e:
            raise ProjectError(f"{what}含有 VBA 工程代码页 {cp} 无法表示的字符 {text[e.start:e.end]!r}："
                               "VBA 源代码只用英文字符，中文提示写在 Python 或功能区 XML 中。") from None

    names = [m.name for m in modules]
    if len(set(n.lower() for n in names)) != len(names):
        raise ProjectError(f"VBA 模块名重复（不分大小写）：{names}")
    if project_name.lower() in {n.lower() for n in names}:
        raise ProjectError(f"VBA 工程名 {project_name} 与模块名相同，VBA 不允许。")

    module_records: list[Record] = []
    # Outside VBA/ (forms, PROJECT*) is kept; inside, only what we write: any other
    # stream there (__SRP_*) is a compiled cache that must not outlive its source.
    streams = {k: v for k, v in old_streams.items() if not k.startswith("VBA/")}
    streams["VBA/_VBA_PROJECT"] = SOURCE_ONLY_HEADER
    for m in modules:
        bname = encode(m.name, f"模块名 {m.name} ")
        if m.name in d.modules:
            # Source only: the text starts at offset 0; cookies "MUST be 0xFFFF on write".
            fresh = {_MODULEOFFSET: b"\0\0\0\0", _MODULECOOKIE: b"\xff\xff"}
            recs = [(r, fresh.get(r, p)) for r, p in d.modules[m.name]]
        elif m.kind == DOCUMENT:
            raise ProjectError(f"文档模块 {m.name} 不在模板中：工作表和 ThisWorkbook 的模块只能来自模板。")
        else:
            recs = _new_module_records(bname, m.name.encode("utf-16-le"), m.kind)
        module_records += recs
        source = m.source.replace("\r\n", "\n").replace("\n", "\r\n")
        streams["VBA/" + _field(recs, _MODULESTREAMNAME).decode(cp)] = ovba.compress(
            encode(source, f"模块 {m.name} 的源代码"))

    head = [(r, encode(project_name, "工程名") if r == _PROJECTNAME else p) for r, p in d.head]
    dir_records = head + [(_PROJECTMODULES, struct.pack("<H", len(modules))),
                          (_PROJECTCOOKIE, b"\xff\xff")] + module_records + d.tail
    streams["VBA/dir"] = ovba.compress(_serialize(dir_records))
    streams["PROJECT"] = encode(_project_text(project_template, project_name, modules), "PROJECT 流")
    streams["PROJECTwm"] = b"".join(
        encode(m.name, "模块名") + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules) + b"\0\0"
    return cfb.build(streams)

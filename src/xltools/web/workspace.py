"""The server's private folder, and uploads streamed into it with size limits.

Everything a user sends (rosters, passwords in form fields excepted) and every
file the server writes lives under one folder made by :func:`tempfile.mkdtemp`
(mode 700: only this user can read it) and removed when the server stops.  An
upload is parsed as it arrives (python-multipart's streaming parser) and written
straight into that folder, never into the system's shared temp folder, and
refused as soon as it passes :data:`MAX_FILE_BYTES`, :data:`MAX_TOTAL_BYTES` or
:data:`MAX_FILES`.  File names from the browser (a folder upload sends
``报送文件/两路街道/x.xlsx``) are kept as relative paths, with ``..``, absolute
parts and characters a file system refuses taken out.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FILE_BYTES = 200 * 1024 * 1024      # one workbook; a 100,000-row roster is ~30 MB
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # one request (a district's inbox)
MAX_FILES = 5000
MAX_FIELD_BYTES = 64 * 1024             # a text field (the unit list is the longest)
_BAD_CHARS = re.compile(r'[\x00-\x1f<>:"|?*]')


class UploadError(Exception):
    """An upload refused; ``message`` says why in Chinese, ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


PREFIX = "xltools-web-"
OWNER = ".pid"


def remove_abandoned(parent: str | None = None) -> list[Path]:
    """Remove the private folders of servers that were killed before they could clean up
    (their process is gone).  POSIX only: Windows has no harmless "is it alive" signal."""
    if os.name != "posix":
        return []
    removed = []
    for folder in Path(parent or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            if folder.stat().st_uid != os.getuid():
                continue
            pid = int((folder / OWNER).read_text(encoding="ascii"))
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except PermissionError:  # alive, someone else's
            continue
    return removed


class Workspace:
    """A private folder (mode 700) for one server run; :meth:`close` removes it."""

    def __init__(self, parent: str | None = None):
        remove_abandoned(parent)
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
        os.chmod(self.root, 0o700)  # mkdtemp already does; said again because it is the point
        (self.root / OWNER).write_text(str(os.getpid()), encoding="ascii")
        self._n = 0

    def new_folder(self, prefix: str) -> Path:
        self._n += 1
        p = self.root / f"{prefix}{self._n}"
        p.mkdir(mode=0o700)
        return p

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def safe_relative(name: str) -> Path | None:
    """A browser's file name as a safe relative path, or None when nothing is left of it."""
    parts = []
    for part in re.split(r"[\\/]+", name or ""):
        part = _BAD_CHARS.sub("_", part).strip().rstrip(".")
        if part and part not in (".", ".."):
            parts.append(part[:200])
    return Path(*parts) if parts else None


@dataclass
class Form:
    """A parsed upload: text fields (each name may repeat) and saved files by field name."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, list[Path]] = field(default_factory=dict)
    folder: Path | None = None

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))

    def flag(self, name: str) -> bool:
        return self.get(name) in ("1", "on", "true", "yes")


class _Receiver:
    """The callbacks of python-multipart's parser: one part at a time, files to disk."""

    def __init__(self, folder: Path):
        self.folder, self.form = folder, Form(folder=folder)
        self.total = self.files = 0
        self._headers: dict[str, bytes] = {}
        self._hname = b""
        self._hvalue = b""
        self._name = ""
        self._out = None
        self._path: Path | None = None
        self._size = 0
        self._text = bytearray()

    # headers of a part
    def on_part_begin(self):
        self._headers, self._hname, self._hvalue = {}, b"", b""

    def on_header_field(self, data, start, end):
        self._hname += data[start:end]

    def on_header_value(self, data, start, end):
        self._hvalue += data[start:end]

    def on_header_end(self):
        self._headers[self._hname.decode("latin-1").lower()] = self._hvalue
        self._hname, self._hvalue = b"", b""

    def on_headers_finished(self):
        _, opts = parse_options_header(self._headers.get("content-disposition", b""))
        self._name = opts.get(b"name", b"").decode("utf-8", "replace")
        filename = opts.get(b"filename")
        self._size, self._text = 0, bytearray()
        self._out = self._path = None
        if filename is not None:
            rel = safe_relative(filename.decode("utf-8", "replace"))
            if rel is None:  # an empty file input sends a part with filename=""
                return
            self.files += 1
            if self.files > MAX_FILES:
                raise UploadError(f"一次最多上传 {MAX_FILES} 个文件；请分批处理。", 413)
            path = self.folder / (safe_relative(self._name) or Path("_")) / rel  # the field name is not trusted either
            while path.exists():  # the same name twice (two folders chosen): keep both
                path = path.with_name(f"{path.stem}（{self.files}）{path.suffix}")
            path.parent.mkdir(parents=True, exist_ok=True)
            self._path, self._out = path, open(path, "wb")

    def on_part_data(self, data, start, end):
        n = end - start
        self._size += n
        self.total += n
        if self.total > MAX_TOTAL_BYTES:
            raise UploadError(f"上传的文件合计超过 {MAX_TOTAL_BYTES // 1024 ** 3} GB；请分批处理。", 413)
        if self._out is not None:
            if self._size > MAX_FILE_BYTES:
                raise UploadError(f"文件“{self._path.name}”超过 {MAX_FILE_BYTES // 1024 ** 2} MB，"
                                  "不像是一个花名册；请检查是否选错了文件。", 413)
            self._out.write(data[start:end])
        elif self._path is None:
            if self._size > MAX_FIELD_BYTES:
                raise UploadError(f"表单中“{self._name}”一栏太长（超过 {MAX_FIELD_BYTES // 1024} KB）。", 413)
            self._text += data[start:end]

    def on_part_end(self):
        if self._out is not None:
            self._out.close()
            self.form.files.setdefault(self._name, []).append(self._path)
        elif self._path is None and self._name and b"filename" not in self._headers.get("content-disposition", b""):
            self.form.fields.setdefault(self._name, []).append(self._text.decode("utf-8", "replace"))
        self._out = None

    def close(self):
        if self._out is not None:
            self._out.close()


async def receive_form(request, folder: Path) -> Form:
    """Stream a multipart/form-data request into ``folder``; raises :class:`UploadError`."""
    ctype, opts = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in opts:
        raise UploadError("请求格式不对（应为上传表单）。", 415)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_TOTAL_BYTES + 1024 * 1024:
        raise UploadError(f"上传的文件合计超过 {MAX_TOTAL_BYTES // 1024 ** 3} GB；请分批处理。", 413)
    rec = _Receiver(folder)
    callbacks = {name: getattr(rec, name) for name in (
        "on_part_begin", "on_header_field", "on_header_value", "on_header_end", "on_headers_finished",
        "on_part_data", "on_part_end")}
    parser = MultipartParser(opts[b"boundary"], callbacks)
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except UploadError:
        rec.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    except Exception as exc:  # python-multipart's parse errors on a malformed body
        rec.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise UploadError(f"上传的表单不完整或已损坏，请重试（{type(exc).__name__}）。") from None
    return rec.form

"""Atomic output: write next to the target under a temporary name, rename when complete.

A crash or an error never leaves a half-written workbook where the user expects
a finished one, and never replaces a good file with a broken one.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path, suffix: str = ".xlsx"):
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds,
    delete it if the block raises."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".xltools-", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def numbered(path, taken) -> Path:
    """``path``, else ``名称（2）.xlsx``, ``名称（3）.xlsx`` …: the first for which ``taken(p)`` is false."""
    path = Path(path)
    n, out = 1, path
    while taken(out):
        n += 1
        out = path.with_name(f"{path.stem}（{n}）{path.suffix}")
    return out


def write_bytes(path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)

"""Atomic output: write next to the target under a temporary name, rename when complete.

A crash or an error never leaves a half-written workbook where the user expects
a finished one, and never replaces a good file with a broken one.  Stopping the
program (Ctrl-C, or SIGTERM from a service manager or ``kill``) deletes the
temporary file too: :func:`stop_on_sigterm` makes SIGTERM unwind like Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path


EXIT_TERMINATED = 128 + 15  # the shell's convention for a process ended by SIGTERM


@contextmanager
def stop_on_sigterm():
    """While the block runs, SIGTERM raises ``SystemExit(143)`` in the main thread, so
    ``finally`` blocks (temporary files, worker processes) run as they do for Ctrl-C.

    The default action of SIGTERM ends the process at once and leaves temporary files.
    Elsewhere than in the main thread (or without SIGTERM) the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def stop(signum, frame):
        raise SystemExit(EXIT_TERMINATED)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def atomic_path(path, suffix: str = ".xlsx"):
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds,
    delete it if the block raises or the program is stopped (Ctrl-C, SIGTERM)."""
    path = Path(path)
    with stop_on_sigterm():
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

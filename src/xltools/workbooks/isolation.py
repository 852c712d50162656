"""Fault isolation: one file's failure never stops a run over many files.

Owns three things the merge (and any operation over many files) needs:

- :class:`Failure` — what went wrong with one file, as a stable code, a Chinese
  reason that says what to do, and the technical detail (a traceback) for the
  maintainers;
- :func:`write_log` — the error log (``花名册_错误记录.txt``) beside the output,
  written atomically, where those tracebacks go instead of the user's screen;
- :func:`run_isolated` — ``fn(*args)`` for each job, in order, in worker processes
  (or in this process), where *any* exception, a worker process that dies
  (SIGKILL by the out-of-memory killer, SIGABRT from a native library,
  ``BrokenProcessPool``), a job that keeps the run waiting longer than a time
  limit, or one that needs more memory than the limit, becomes a :class:`Failure`
  for that job alone.  A broken pool is replaced; the other jobs that were in it
  are run again, not lost; a job whose pool broke is run again alone, so the
  file that kills its worker is the one reported, whichever process died first.

Limits.  Each worker process runs under a memory limit (``RLIMIT_AS`` through
:mod:`resource`, on Linux and macOS): an allocation past it raises
``MemoryError`` in Python, or kills the worker in native code — either way the
file is reported as 文件过大或已损坏.  Windows has no ``resource`` module: its
workers run without a memory limit, and only the readers' own checks of a
file's claimed size (and the time limit) protect the run.  The time limit
counts from the moment the run starts waiting for a file (files are taken in
order), so a file gets at least that long; it needs worker processes — in this
process (``workers=0``) exceptions and ``MemoryError`` are isolated, but a file
that hangs or kills the process cannot be.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import traceback
from collections import deque
from concurrent.futures import ProcessPoolExecutor, TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from xltools.workbooks.atomic import stop_on_sigterm

READ_AHEAD = 2          # jobs per worker submitted ahead of the one being taken
TIME_LIMIT = 600.0      # seconds the run waits for one file before giving it up
MIN_MEMORY_LIMIT = 2 << 30  # bytes of address space a worker always gets (pandas alone reserves ~1 GB)

CRASHED = "file.crashed"
TOO_LARGE = "file.too_large"
TIMEOUT = "file.timeout"
WORKER_DIED = "file.worker_died"
_ASK = "请把该文件和{log}发给维护人员"
REASONS = {
    CRASHED: "读取或检查时程序出错，已跳过；" + _ASK,
    TOO_LARGE: "文件过大或已损坏（读取它需要的内存超过了限制），已跳过；请检查文件能否用 Excel 打开，"
               "另存为 .xlsx 后重新合并；仍不行时" + _ASK,
    TIMEOUT: "读取或检查超过 {limit} 秒仍未完成（文件过大或已损坏），已跳过；请检查文件能否用 Excel 打开，"
             "另存为 .xlsx 后重新合并；仍不行时" + _ASK,
    WORKER_DIED: "文件过大或已损坏：读取它的进程异常退出，已跳过；请检查文件能否用 Excel 打开，"
                 "另存为 .xlsx 后重新合并；仍不行时" + _ASK,
}


@dataclass
class Failure:
    """Why one job gave no result: ``code`` (stable, English), ``detail`` (traceback or the
    way the process ended, for the maintainers)."""

    code: str
    detail: str
    limit: float = 0.0

    def reason(self, log_name: str | None = None) -> str:
        """The Chinese sentence for the user, naming the error log when there is one."""
        log = f"错误记录（{log_name}）" if log_name else "错误记录（--json 报告中的 detail）"
        return REASONS[self.code].format(log=log, limit=f"{self.limit:g}")


def failure_of(exc: BaseException) -> Failure:
    """The :class:`Failure` for an exception raised while one job ran."""
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Failure(TOO_LARGE if isinstance(exc, MemoryError) else CRASHED, detail)


def log_path(output) -> Path:
    """The error log beside an output: ``花名册.xlsx`` → ``花名册_错误记录.txt``."""
    output = Path(output)
    return output.with_name(f"{output.stem}_错误记录.txt")


def write_log(path, entries) -> Path:
    """Write ``(file, Failure)`` pairs to the error log at ``path`` (atomically), with what a
    maintainer needs to reproduce them (versions, platform)."""
    from xltools import __version__
    from xltools.workbooks import atomic

    try:
        import pandas, numpy
        versions = f"pandas {pandas.__version__}, numpy {numpy.__version__}"
    except ImportError:  # pragma: no cover - the package depends on both
        versions = ""
    lines = [f"xltools {__version__} 错误记录  {_dt.datetime.now().isoformat(timespec='seconds')}",
             f"Python {platform.python_version()} ({sys.platform}), {versions}",
             "以下文件在读取或检查时出错，已跳过；请把本记录和这些文件发给维护人员。", ""]
    for file, failure in entries:
        lines += [f"=== {file}", f"类型：{failure.code}", failure.detail.rstrip(), ""]
    return atomic.write_bytes(path, "\n".join(lines).encode("utf-8"))


# --- running jobs ------------------------------------------------------------------

def memory_limit(workers: int) -> int:
    """Address space per worker: an equal share of the physical memory (the parent keeps a
    share), and at least :data:`MIN_MEMORY_LIMIT`."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # Windows: no sysconf, and no limit anyway
        return 0
    return max(MIN_MEMORY_LIMIT, total // (max(workers, 1) + 1))


def _limit_memory(limit: int, stderr: str = os.devnull) -> None:
    """Worker initializer: send what native code prints (a Rust panic's backtrace) to
    ``stderr`` rather than the user's screen, die with the parent (Linux), cap the address
    space (where the platform can)."""
    try:
        fd = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass
    if sys.platform.startswith("linux"):
        try:  # PR_SET_PDEATHSIG: a parent killed outright leaves no worker running on
            import ctypes
            import signal
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass
    try:
        import resource
    except ImportError:  # Windows
        return
    if limit:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _guarded(fn, args, passthrough):
    """In the worker: ``fn(*args)``, or the :class:`Failure` of an unexpected exception.

    Exceptions of the ``passthrough`` classes are the job's ordinary answers (a file that
    cannot be read) and are raised as they are."""
    try:
        return fn(*args)
    except passthrough:
        raise
    except Exception as exc:  # noqa: BLE001 - isolation is the point: any failure is this job's alone
        return failure_of(exc)
    except MemoryError as exc:  # pragma: no cover - MemoryError is an Exception; kept explicit
        return failure_of(exc)


def _in_process(fn, args, passthrough):
    try:
        return _guarded(fn, args, passthrough)
    except passthrough as exc:
        return exc


class _Pool:
    """A process pool that can be thrown away and replaced."""

    def __init__(self, workers: int, limit: int):
        self.workers, self.limit = workers, limit
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, initializer=_limit_memory, initargs=(self.limit,))

    def submit(self, fn, args, passthrough):
        try:
            return self.pool.submit(_guarded, fn, args, passthrough)
        except BrokenProcessPool:  # broke since the last look: a fresh one takes the job
            self.replace()
            return self.pool.submit(_guarded, fn, args, passthrough)

    def replace(self) -> None:
        kill(self.pool)
        self.pool = self._new()

    def close(self) -> None:
        kill(self.pool)


def kill(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: its workers are killed (a hung or runaway job cannot be cancelled)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
    else:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            if proc.is_alive():
                proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _died_detail(exc: BaseException) -> str:
    return ("读取该文件的工作进程异常退出（可能因内存不足被系统终止，或读取库中止了进程）。\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


def _alone(fn, args, passthrough, limit: int, time_limit: float | None):
    """One job in a pool of its own: the answer, or the :class:`Failure` that it alone caused
    (with what the worker printed before it died)."""
    import tempfile

    fd, said = tempfile.mkstemp(prefix="xltools-worker-", suffix=".txt")
    os.close(fd)
    pool = ProcessPoolExecutor(1, initializer=_limit_memory, initargs=(limit, said))
    try:
        future = pool.submit(_guarded, fn, args, passthrough)
        try:
            return future.result(timeout=time_limit)
        except passthrough as exc:
            return exc
        except FutureTimeout:
            return Failure(TIMEOUT, f"超过 {time_limit:g} 秒未完成，工作进程已终止。", time_limit or 0)
        except BrokenProcessPool as exc:
            kill(pool)
            with open(said, encoding="utf-8", errors="replace") as fh:
                printed = fh.read(20_000)
            return Failure(WORKER_DIED, _died_detail(exc) + ("\n工作进程的输出：\n" + printed if printed else ""))
        except Exception as exc:  # noqa: BLE001 - e.g. an answer that could not be sent back
            return failure_of(exc)
    finally:
        kill(pool)
        os.unlink(said)


def run_isolated(jobs, fn, workers: int, *, passthrough: tuple = (), time_limit: float | None = TIME_LIMIT,
                 memory: int | None = None):
    """``(key, outcome)`` for each ``(key, args)`` of ``jobs``, in order.

    ``outcome`` is ``fn(*args)``, an exception of a ``passthrough`` class the job raised,
    or a :class:`Failure`.  With ``workers`` processes, up to :data:`READ_AHEAD` jobs per
    worker run ahead of the one being taken (so only that many results wait in memory),
    each worker under the memory limit ``memory`` (default :func:`memory_limit`), and the
    run waits at most ``time_limit`` seconds for each.  With 0, each job runs here when
    its turn comes.
    """
    passthrough = tuple(passthrough)
    if not workers:
        for key, args in jobs:
            yield key, _in_process(fn, args, passthrough)
        return
    limit = memory_limit(workers) if memory is None else memory
    with stop_on_sigterm():  # stopped by SIGTERM: the workers are killed, not left behind
        yield from _pooled(jobs, fn, workers, passthrough, time_limit, limit)


def _pooled(jobs, fn, workers, passthrough, time_limit, limit):
    pool = _Pool(workers, limit)
    queue: deque = deque()  # [key, args, future or None]; None: run alone when its turn comes
    pending = iter(jobs)
    try:
        for key, args in _take(pending, READ_AHEAD * workers):
            queue.append([key, args, pool.submit(fn, args, passthrough)])
        while queue:
            key, args, future = queue.popleft()
            outcome = None
            if future is None:
                outcome = _alone(fn, args, passthrough, limit, time_limit)
            else:
                try:
                    outcome = future.result(timeout=time_limit)
                except passthrough as exc:
                    outcome = exc
                except FutureTimeout:
                    outcome = Failure(TIMEOUT, f"超过 {time_limit:g} 秒未完成，工作进程已终止。", time_limit or 0)
                    pool.replace()  # the only way to stop it; the others in the pool start again
                    for item in queue:
                        if item[2] is not None and _broken(item[2]):
                            item[2] = pool.submit(fn, item[1], passthrough)
                except BrokenProcessPool:
                    # Some worker died; which job killed it is unknown.  This job and every
                    # other one that was in the broken pool run again, each alone.
                    pool.replace()
                    outcome = _alone(fn, args, passthrough, limit, time_limit)
                    for item in queue:
                        if item[2] is not None and _broken(item[2]):
                            item[2] = None
                except Exception as exc:  # noqa: BLE001 - e.g. an answer that could not be sent back
                    outcome = failure_of(exc)
            nxt = next(pending, None)
            if nxt is not None:
                queue.append([nxt[0], nxt[1], pool.submit(fn, nxt[1], passthrough)])
            yield key, outcome
    finally:
        pool.close()


def _broken(future) -> bool:
    """Whether a future of a pool that is gone has to run again (it has no answer)."""
    if not future.done() or future.cancelled():
        return True
    return isinstance(future.exception(), BrokenProcessPool)


def _take(it, n):
    for _ in range(n):
        item = next(it, None)
        if item is None:
            return
        yield item


def report_crash(file, exc: BaseException, log) -> tuple[Failure, Path | None]:
    """For a shell whose one job failed outright: the :class:`Failure` of ``exc`` and the
    error log written to ``log`` (else to the temporary folder; None if neither can be written)."""
    import tempfile

    failure = failure_of(exc)
    for path in (Path(log), Path(tempfile.gettempdir()) / Path(log).name):
        try:
            return failure, write_log(path, [(str(file), failure)])
        except OSError:
            continue
    return failure, None

"""Long work off the request thread, and its progress as Server-Sent Events.

A :class:`Job` runs one operation (a merge of 300 files takes a minute) in the
runner's worker thread — one at a time, since each already uses every core —
while the page listens to ``/jobs/<id>/events``: a ``progress`` event whenever
the operation reports (files read, rows read, the step it is on), then one
``done`` or ``failed`` event.  The operation gets a :class:`Progress` to call;
its result (a dict the result page renders, and the files written) stays on the
job until the server stops.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


class UserError(Exception):
    """A failure to show as it is (Chinese, says what to do), not as an internal error."""


@dataclass
class Job:
    id: str
    op: str
    folder: Path
    state: str = "queued"        # queued / running / done / failed
    step: str = "排队等候"
    files_total: int = 0
    files_done: int = 0
    rows: int = 0
    error: str = ""
    result: dict = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)  # download name -> file
    version: int = 0

    def snapshot(self) -> dict:
        pct = 100 if self.state == "done" else (
            int(100 * self.files_done / self.files_total) if self.files_total else 0)
        return {"state": self.state, "step": self.step, "files_total": self.files_total,
                "files_done": self.files_done, "rows": self.rows, "percent": pct, "error": self.error}


class Progress:
    """What an operation calls to report; each call wakes the listening pages."""

    def __init__(self, job: Job, changed: Callable[[], None]):
        self.job, self._changed = job, changed

    def step(self, text: str, files_total: int | None = None) -> None:
        self.job.step = text
        if files_total is not None:
            self.job.files_total, self.job.files_done = files_total, 0
        self._bump()

    def file_done(self, rows: int = 0) -> None:
        self.job.files_done += 1
        self.job.rows += rows
        self._bump()

    def _bump(self) -> None:
        self.job.version += 1
        self._changed()


class Runner:
    """The jobs of one server run, executed one at a time in a worker thread."""

    def __init__(self):
        self.jobs: dict[str, Job] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xltools-job")
        self._cond = threading.Condition()

    def submit(self, op: str, folder: Path, work: Callable[[Progress], tuple[dict, dict[str, Path]]]) -> Job:
        job = Job(id=secrets.token_hex(8), op=op, folder=folder)
        self.jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job

    def _changed(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _run(self, job: Job, work) -> None:
        job.state, job.step = "running", "开始处理"
        self._changed()
        try:
            job.result, job.outputs = work(Progress(job, self._changed))
            job.state, job.step = "done", "完成"
        except UserError as exc:
            job.state, job.error = "failed", str(exc)
        except Exception as exc:  # shown on the page with what to do; the details go to the terminal
            traceback.print_exc()
            job.state, job.error = "failed", f"处理时出错：{type(exc).__name__}: {exc}。请把终端上的错误信息发给技术支持。"
        job.version += 1
        self._changed()

    def wait_change(self, job: Job, seen: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: job.version != seen, timeout=timeout)
        return job.version

    async def events(self, job: Job):
        """SSE lines: a ``progress`` event per change, then ``done`` or ``failed``."""
        seen = -1
        loop = asyncio.get_running_loop()
        while True:
            version = job.version
            if version != seen:
                seen = version
                data = json.dumps(job.snapshot(), ensure_ascii=False)
                if job.state in ("done", "failed"):
                    yield f"event: {job.state}\ndata: {data}\n\n"
                    return
                yield f"event: progress\ndata: {data}\n\n"
            else:  # wait in a thread so the event loop keeps serving other requests
                await loop.run_in_executor(None, self.wait_change, job, seen, 0.5)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

"""The web application: pages for the quarter's steps, uploads, jobs, downloads.

A page is a form (server-rendered HTML); :file:`static/app.js` sends it to
``POST /run/<step>``, which streams the upload into the private folder and
starts a job (:mod:`xltools.web.jobs`); the page follows ``/jobs/<id>/events``
(Server-Sent Events) with a progress bar, then loads ``/jobs/<id>`` — the
result, rendered here — with its filters, charts and download links.  What
each step does is :mod:`xltools.web.operations`; who may ask is
:mod:`xltools.web.security`.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from xltools import __version__
from xltools.workbooks import settings
from xltools.web import operations
from xltools.web.jobs import Runner, UserError
from xltools.web.security import Guard, Secrets
from xltools.web.workspace import UploadError, Workspace, receive_form

HERE = Path(__file__).resolve().parent
PAGES = [("template", "生成模板"), ("validate", "校验"), ("merge", "合并"), ("split", "拆分"),
         ("reconcile", "收回核实"), ("diff", "两期比较"), ("settings", "设置")]


class Server:
    """One run of ``xltools serve``: its secrets, private folder, jobs and settings folder."""

    def __init__(self, port: int, settings_dir: Path, workspace: Workspace | None = None):
        self.port = port
        self.keys = Secrets()
        self.workspace = workspace or Workspace()
        self.runner = Runner()
        self.settings_dir = Path(settings_dir)
        self.env = Environment(loader=PackageLoader("xltools.web", "templates"),
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        routes = [Route("/", self.index), Route("/page/{name}", self.page),
                  Route("/settings", self.save_settings, methods=["POST"]),
                  Route("/run/{op}", self.run, methods=["POST"]),
                  Route("/jobs/{job}/events", self.events), Route("/jobs/{job}", self.result),
                  Route("/jobs/{job}/files/{name}", self.download),
                  Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]
        self.app = Guard(Starlette(routes=routes), port=port, keys=self.keys)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.keys.token}"

    def close(self) -> None:
        self.runner.close()
        self.workspace.close()

    # --- pages ---------------------------------------------------------------------------

    def _render(self, name: str, status: int = 200, **context) -> HTMLResponse:
        html = self.env.get_template(name).render(pages=PAGES, csrf=self.keys.csrf, version=__version__,
                                                  settings=settings.page_values(self.settings_dir),
                                                  kinds=operations.kinds(), profiles=operations.profile_choices(),
                                                  departments=operations.department_names(), **context)
        return HTMLResponse(html, status_code=status)

    async def index(self, request):
        return self._render("index.html", current="")

    async def page(self, request):
        name = request.path_params["name"]
        if name not in dict(PAGES):
            return self._render("message.html", 404, current="", message="没有这个页面。")
        return self._render(f"{name}.html", current=name,
                            settings_path=str(self.settings_dir / settings.FILE_NAME))

    def district_settings(self) -> settings.Settings:
        """The xltools.toml of the folder serve runs in, as the CLI reads it (checked when a step starts)."""
        path = self.settings_dir / settings.FILE_NAME
        try:
            return settings.load(path) if path.is_file() else settings.Settings()
        except settings.SettingsError as exc:
            raise UserError(str(exc)) from None

    async def save_settings(self, request):
        folder = self.workspace.new_folder("settings")
        try:
            form = await receive_form(request, folder)
            path = settings.save(self.settings_dir, {k: form.get(k) for k in settings.PAGE_KEYS})
        except UploadError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except settings.SettingsError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"message": f"已保存到 {path}"})

    # --- jobs ----------------------------------------------------------------------------

    async def run(self, request):
        op = request.path_params["op"]
        work = operations.OPERATIONS.get(op)
        if work is None:
            return JSONResponse({"error": "没有这个操作。"}, status_code=404)
        folder = self.workspace.new_folder(op)
        try:
            form = await receive_form(request, folder)
        except UploadError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        job = self.runner.submit(op, folder, lambda progress: work(form, folder, progress, self.district_settings()))
        return JSONResponse({"job": job.id, "events": f"/jobs/{job.id}/events", "result": f"/jobs/{job.id}"})

    def _job(self, request):
        return self.runner.jobs.get(request.path_params["job"])

    async def events(self, request):
        job = self._job(request)
        if job is None:
            return Response("没有这个任务。", status_code=404, media_type="text/plain; charset=utf-8")
        return StreamingResponse(self.runner.events(job), media_type="text/event-stream",
                                 headers={"X-Accel-Buffering": "no"})

    async def result(self, request):
        job = self._job(request)
        if job is None:
            return self._render("message.html", 404, current="", message="没有这个任务（服务重新启动过？）。")
        if job.state != "done":
            return self._render("message.html", 409 if job.state != "failed" else 200, current="",
                                message=job.error or "任务还没有完成。", failed=job.state == "failed")
        r = job.result
        chart_data = json.dumps(r.get("stats", []), ensure_ascii=False) if r.get("stats") else ""
        return self._render(f"result_{r['kind']}.html", current="", job=job, r=r, chart_data=chart_data,
                            downloads=list(job.outputs))

    async def download(self, request):
        job = self._job(request)
        name = request.path_params["name"]
        if job is None or name not in job.outputs:
            return Response("没有这个文件。", status_code=404, media_type="text/plain; charset=utf-8")
        return FileResponse(job.outputs[name], headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})

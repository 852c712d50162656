"""Start and stop the local server: a free port on 127.0.0.1, the browser, Ctrl+C; the launchers.

uvicorn serves :class:`xltools.web.app.Server` on a socket bound here to the
loopback address only (never 0.0.0.0), so the port is known before the first
request and nothing on the network can connect.  On exit — Ctrl+C, the window
closed, an error — the private folder with every upload and result is removed.
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import sys
import threading
import webbrowser
from pathlib import Path

HOST = "127.0.0.1"


def bind(port: int = 0) -> socket.socket:
    """A listening socket on the loopback address (``port`` 0: a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.name != "nt":  # on Windows SO_REUSEADDR would let another program take the same port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class Running:
    """A server running in a background thread (tests, the benchmark); :meth:`stop` ends it."""

    def __init__(self, settings_dir: Path, port: int = 0):
        import uvicorn

        from xltools.web.app import Server

        self.sock = bind(port)
        self.port = self.sock.getsockname()[1]
        self.server = Server(self.port, settings_dir)
        config = uvicorn.Config(self.server.app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=2)
        self.uvicorn = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.uvicorn.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "Running":
        self.thread.start()
        while not self.uvicorn.started and self.thread.is_alive():
            threading.Event().wait(0.02)
        return self

    def stop(self) -> None:
        self.uvicorn.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        self.server.close()


def serve(settings_dir: Path, port: int = 0, open_browser: bool = True, echo=print) -> None:
    """Run until Ctrl+C: print the address, open the browser, clean up on the way out."""
    import uvicorn

    from xltools.web.app import Server

    sock = bind(port)
    server = Server(sock.getsockname()[1], settings_dir)
    config = uvicorn.Config(server.app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    # uvicorn stops on SIGINT/SIGTERM and then raises the signal again under the handlers that were
    # there before it: make those end Python normally, so the folder below is removed (a default
    # SIGTERM would kill the process on the spot, and a shell may have set SIGINT to be ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _exit_on_signal)
    if hasattr(signal, "SIGBREAK"):  # Windows: Ctrl+Break, closing the console window
        signal.signal(signal.SIGBREAK, _exit_on_signal)
    try:
        echo(f"xltools 已在本机启动：{server.url}")
        echo("请在浏览器中打开上面的地址（只有本机能访问；地址中的 token 是本次的登录凭据，不要发给别人）。")
        echo(f"上传的文件和结果暂存在 {server.workspace.root}（只有本用户能读）。")
        echo("用完后按 Ctrl+C（或关闭本窗口）停止；暂存的文件随之删除，请先下载需要的文件。")
        if open_browser:
            threading.Timer(0.5, webbrowser.open, args=(server.url,)).start()
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        if any(job.state == "running" for job in server.runner.jobs.values()):
            echo("正在等待当前任务结束后删除临时文件……")
        server.close()
        echo("xltools 已停止，临时文件已删除。")


def _exit_on_signal(signum, frame):
    raise SystemExit(0)


# --- launchers -----------------------------------------------------------------------------

def write_launchers(folder: Path) -> list[Path]:
    """A Windows ``.cmd`` and a Linux ``.desktop`` file that start ``xltools serve`` in ``folder``
    (the district's working folder, where ``xltools.toml`` lives), with this Python."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    python = Path(sys.executable)
    cmd = folder / "xltools网页版.cmd"
    cmd.write_bytes(("@echo off\r\nchcp 65001 >nul\r\n"
                     f"cd /d \"{folder}\"\r\n"
                     f"\"{python}\" -m xltools.cli serve\r\n"
                     "pause\r\n").encode("utf-8"))
    desktop = folder / "xltools网页版.desktop"
    desktop.write_text("[Desktop Entry]\nType=Application\nName=xltools 网页版\n"
                       "Comment=流动儿童、留守儿童监测摸排（本机网页）\n"
                       f"Path={folder}\nExec=\"{python}\" -m xltools.cli serve\nTerminal=true\n"
                       "Categories=Office;\n", encoding="utf-8")
    desktop.chmod(desktop.stat().st_mode | stat.S_IXUSR)
    return [cmd, desktop]

"""`xltools serve` as a user runs it: prints its address, stops on Ctrl+C or a terminate signal, and
removes its private folder on the way out."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_on_a_signal_and_removes_its_private_folder(tmp_path, sig):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": SRC}
    proc = subprocess.Popen([sys.executable, "-m", "xltools.cli", "serve", "--no-browser"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "暂存在" in line:
                break
        text = "".join(lines)
        url = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", text).group(0)
        folder = Path(re.search(r"暂存在 (\S+)（", text).group(1))
        assert folder.is_dir() and oct(folder.stat().st_mode & 0o777) == "0o700"
        with httpx.Client() as c:
            assert c.get(url, follow_redirects=True).status_code == 200
        proc.send_signal(sig)
        rest = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "已停止" in rest
    assert not folder.exists()


def test_a_killed_servers_folder_is_removed_by_the_next_start(tmp_path):
    from xltools.web.workspace import Workspace

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / "xltools-web-old"
    left.mkdir()
    (left / ".pid").write_text(dead.stdout.strip(), encoding="ascii")
    (left / "花名册.xlsx").write_bytes(b"personal data")
    alive = Workspace(str(tmp_path))  # a server still running keeps its folder
    fresh = Workspace(str(tmp_path))
    try:
        assert not left.exists()
        assert alive.root.exists() and fresh.root.exists()
    finally:
        alive.close()
        fresh.close()

"""`xltools serve` lets only this browser session in: loopback only, token → cookie, Host and CSRF checks,
private folder removed on exit, upload limits, everything served from itself."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import httpx
import pytest

from xltools.web import workspace
from xltools.web.security import CSP
from xltools.web.server import Running


@pytest.fixture()
def server(tmp_path):
    running = Running(tmp_path).start()
    yield running
    running.stop()


def client(server, host=None, session=True) -> httpx.Client:
    c = httpx.Client(base_url=f"http://127.0.0.1:{server.port}",
                     headers={"Host": host} if host else None, follow_redirects=False)
    if session:
        c.cookies.set("xltools_session", server.server.keys.session)
    return c


def post_headers(server, **extra):
    return {"X-CSRF-Token": server.server.keys.csrf, "Origin": f"http://127.0.0.1:{server.port}", **extra}


def test_request_without_session_is_refused_with_403(server):
    for path in ("/", "/page/merge", "/static/app.js", "/jobs/x"):
        resp = client(server, session=False).get(path)
        assert resp.status_code == 403
        assert "拒绝访问" in resp.text


def test_wrong_token_is_refused(server):
    resp = client(server, session=False).get("/?token=not-the-token")
    assert resp.status_code == 403 and "set-cookie" not in resp.headers


def test_token_is_exchanged_for_an_httponly_samesite_strict_cookie_and_leaves_the_address(server):
    c = client(server, session=False)
    resp = c.get(f"/?token={server.server.keys.token}")
    assert resp.status_code == 303 and resp.headers["location"] == "/"
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert server.server.keys.token not in cookie
    assert c.get("/").status_code == 200  # the cookie now opens every page


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1", "localhost:1", "192.168.1.5:{port}", "127.0.0.1:{port}.evil.example"])
def test_foreign_host_header_is_refused_even_with_a_valid_session(server, host):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example."""
    resp = client(server, host=host.format(port=server.port)).get("/")
    assert resp.status_code == 403


def test_localhost_name_is_accepted(server):
    assert client(server, host=f"localhost:{server.port}").get("/").status_code == 200


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"X-CSRF-Token": "wrong"},
    {"X-CSRF-Token": ""},
])
def test_cross_site_post_is_refused(server, headers):
    resp = client(server).post("/run/merge", headers=post_headers(server, **headers),
                               files={"files": ("a.csv", b"x")})
    assert resp.status_code == 403
    assert not server.server.runner.jobs  # nothing was started


def test_post_without_csrf_token_is_refused(server):
    resp = client(server).post("/settings", headers={"Origin": f"http://127.0.0.1:{server.port}"},
                               files={"profile": (None, "national")})
    assert resp.status_code == 403


def test_every_response_carries_a_strict_content_security_policy(server):
    c = client(server)
    for path in ("/", "/page/merge", "/static/app.js"):
        resp = c.get(path)
        assert resp.headers["content-security-policy"] == CSP
        assert resp.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in CSP and "script-src 'self'" in CSP and "unsafe" not in CSP
    assert client(server, session=False).get("/").headers["content-security-policy"] == CSP


def non_loopback_address() -> str:
    """This machine's address on its network (what another computer would connect to)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.254.254.254", 1))  # no packet is sent: only picks the outgoing interface
        return s.getsockname()[0]


def test_server_listens_on_loopback_only(server):
    assert server.sock.getsockname()[0] == "127.0.0.1"
    address = non_loopback_address()
    assert not address.startswith("127."), "the test machine needs a network address to try"
    with pytest.raises(OSError):
        socket.create_connection((address, server.port), timeout=2).close()


def test_uploads_live_in_a_private_folder_removed_on_stop(tmp_path):
    running = Running(tmp_path).start()
    root = running.server.workspace.root
    try:
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
        resp = client(running).post("/run/validate", headers=post_headers(running),
                                    files={"file": ("报送/花名册.csv", "姓名,性别\n".encode())})
        assert resp.status_code == 200
        saved = list(root.rglob("*.csv"))
        assert [p.relative_to(root).parts[-2:] for p in saved] == [("报送", "花名册.csv")]
    finally:
        running.stop()
    assert not root.exists()


def test_upload_over_the_size_limit_is_refused_and_nothing_is_kept(server, monkeypatch):
    monkeypatch.setattr(workspace, "MAX_FILE_BYTES", 1000)
    resp = client(server).post("/run/validate", headers=post_headers(server),
                               files={"file": ("big.xlsx", b"0" * 5000)})
    assert resp.status_code == 413 and "超过" in resp.json()["error"]
    assert not list(server.server.workspace.root.rglob("big.xlsx"))


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "etc/passwd"), ("报送文件/两路街道/a.xlsx", "报送文件/两路街道/a.xlsx"),
    ("C:\\Users\\x\\b.xlsx", "C_/Users/x/b.xlsx"), ("/abs/c.csv", "abs/c.csv"), ("..", None), ("", None),
])
def test_browser_file_names_cannot_leave_the_upload_folder(name, expected):
    got = workspace.safe_relative(name)
    assert (got.as_posix() if got else None) == expected


def test_static_files_are_all_in_the_package():
    """Scripts, styles and the chart library ship with xltools; no page names another host."""
    web = Path(__file__).resolve().parents[1] / "src" / "xltools" / "web"
    assert (web / "static" / "echarts.simple.min.js").stat().st_size > 100_000
    assert (web / "static" / "echarts-LICENSE.txt").exists()
    for page in (web / "templates").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, page.name


def test_a_field_name_cannot_lead_an_upload_out_of_the_private_folder(server):
    resp = client(server).post("/run/validate", headers=post_headers(server),
                               files={"../../escape": ("../x.csv", b"a,b\n")})
    assert resp.status_code == 200
    root = server.server.workspace.root
    assert [p.relative_to(root).parts[1:] for p in root.rglob("x.csv")] == [("escape", "x.csv")]

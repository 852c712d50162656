"""Who may talk to the server: the checks every request goes through, before any page.

Personal data of children passes through the server, and any web page open in
the same browser can send requests to 127.0.0.1.  So, as ASGI middleware:

1. **Host** must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (a DNS-rebinding
   page reaches us under its own host name) — else 403.
2. **Session**: the address printed and opened at start carries a random token
   (``/?token=…``); it is exchanged for a session cookie (HttpOnly,
   SameSite=Strict) and the browser is sent on to ``/`` so the token leaves the
   address bar.  Every other request needs the cookie — else 403.
3. **Cross-site writes**: a POST needs the CSRF token (``X-CSRF-Token`` header,
   from the page) and is refused when the browser says it comes from another
   site (``Origin`` not ours, ``Sec-Fetch-Site`` not ``same-origin``).

Every response carries a strict Content-Security-Policy (scripts, styles and
data only from this server; nothing from any other host), no-store caching and
no referrer.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "xltools_session"
CSRF_HEADER = "x-csrf-token"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
           (b"cache-control", b"no-store"), (b"cross-origin-opener-policy", b"same-origin"),
           (b"cross-origin-resource-policy", b"same-origin")]
SAFE_METHODS = ("GET", "HEAD")

FORBIDDEN = {
    "host": "拒绝访问：请求的地址不是本机（{host}）。请用启动时终端上显示的地址打开。",
    "session": "拒绝访问：没有登录凭据。请用启动 xltools serve 时终端上显示的完整地址（含 token=…）打开，"
               "或重新运行 xltools serve。",
    "cross_site": "拒绝访问：这个请求来自别的网页，已拒绝。请在 xltools 自己的页面上操作。",
    "csrf": "拒绝访问：页面已过期或不是本次启动打开的。请刷新页面后重试。",
}


class Secrets:
    """The random values of one server run."""

    def __init__(self):
        self.token = secrets.token_urlsafe(24)    # in the opening address
        self.session = secrets.token_urlsafe(32)  # in the cookie
        self.csrf = secrets.token_urlsafe(24)     # in every page, sent back with every POST


def _same(a: str | None, b: str) -> bool:
    return a is not None and secrets.compare_digest(a.encode(), b.encode())


class Guard:
    """ASGI middleware applying the checks of the module docstring to every HTTP request."""

    def __init__(self, app, *, port: int, keys: Secrets):
        self.app, self.port, self.keys = app, port, keys
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{h}" for h in self.hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # no websockets here
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if host not in self.hosts:
            return await _deny(send, FORBIDDEN["host"].format(host=host[:80] or "无"))
        method = scope["method"]
        if scope["path"] == "/" and method in SAFE_METHODS:
            token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
            if token is not None:
                if not _same(token, self.keys.token):
                    return await _deny(send, FORBIDDEN["session"])
                return await _enter(send, self.keys.session)
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is just no cookie
            cookie = SimpleCookie()
        morsel = cookie.get(COOKIE)
        if not _same(morsel.value if morsel else None, self.keys.session):
            return await _deny(send, FORBIDDEN["session"])
        if method not in SAFE_METHODS:
            origin = headers.get("origin")
            site = headers.get("sec-fetch-site")
            if (origin is not None and origin not in self.origins) or (site is not None and site != "same-origin"):
                return await _deny(send, FORBIDDEN["cross_site"])
            if not _same(headers.get(CSRF_HEADER), self.keys.csrf):
                return await _deny(send, FORBIDDEN["csrf"])

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _enter(send, session: str) -> None:
    cookie = f"{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/".encode()
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", b"/"), (b"set-cookie", cookie), (b"content-length", b"0"), *HEADERS]})
    await send({"type": "http.response.body", "body": b""})


async def _deny(send, message: str) -> None:
    body = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>拒绝访问 - xltools</title>"
            f"<body><h1>403 拒绝访问</h1><p>{_escape(message)}</p></body></html>").encode("utf-8")
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""The web client (the static files of ``web/``) on its own port.

A small threaded server on loopback: every answer is ``Cache-Control:
no-store`` (no stale module while the client is edited), there are no
directory listings, and a path outside the folder, a hidden file or an
unknown path is 404.

It answers only for its own names (``localhost``, ``127.0.0.1``, ``[::1]``
with its port; another ``Host`` is 421), so a DNS-rebinding page cannot read
it, and every answer carries a Content-Security-Policy (scripts and styles
only from here, no inline ones; connections to here, the API and the
identity provider; images from here and the photo bucket; no framing), ``Referrer-Policy: no-referrer`` and
``nosniff``. ``/config.json`` is also refused (403) to a request whose
``Origin`` is another. In local mode it also answers ``GET /config.json`` with
what the client needs to sign in: the API's URL, the identity provider (the
local cognito-local: its endpoint and app client), the demo firm, and its
members with their addresses and the demo password (the sign-in page's demo
members sign in through the provider, as anyone does) and, for scripts,
access tokens of the provider, fresh on each request (the web client does not
use them)::

    {"api_base": "http://localhost:8000", "mode": "local",
     "identity": {"provider": "cognito", "endpoint", "client_id", "region"},
     "firm": {"id": ..., "name": ...}, "demo_password": ...,
     "members": [{"member_id", "name", "email", "role", "rights", "token"}, ...]}
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import unquote, urlsplit

from devtools.dynamodb_local import free_port

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}
CONFIG_PATH = "/config.json"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
# Cross-site and cross-origin fetches a browser labels as such (no-cors ones carry no Origin).
FOREIGN_FETCH_SITES = ("cross-site", "same-site")

Members = Callable[[], list[dict[str, Any]]]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: WebServer) -> None:
        super().__init__(address, _Handler)
        self.owner = owner


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a page loads many modules
    server_version = "DossierWeb"

    @property
    def owner(self) -> WebServer:
        return cast(_Server, self.server).owner

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        given = self.headers.get_all("Host") or []
        host = given[0].strip().lower() if len(given) == 1 else ""
        if host not in self.owner.hosts:  # a rebound DNS name; none, or two, is 400
            status = HTTPStatus.MISDIRECTED_REQUEST if host else HTTPStatus.BAD_REQUEST
            self._send(status, "text/plain; charset=utf-8", f"{status.phrase}\n".encode(), body)
            return
        path = unquote(urlsplit(self.path).path)
        if path == CONFIG_PATH and self.owner.members is not None:
            if not self._same_origin(host):
                self._send(HTTPStatus.FORBIDDEN, "text/plain; charset=utf-8", b"Forbidden\n", body)
                return
            self._send(HTTPStatus.OK, "application/json", json.dumps(self.owner.config()).encode(), body)
            return
        file = self.owner.file_for(path)
        if file is None:
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n", body)
            return
        content_type = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
        self._send(HTTPStatus.OK, content_type, file.read_bytes(), body)

    def _same_origin(self, host: str) -> bool:
        """No Origin (a same-origin GET), or this page's own; and no fetch the browser calls cross-site."""
        origin = self.headers.get("Origin")
        if origin is not None and origin.strip().lower() != f"http://{host}":
            return False
        return self.headers.get("Sec-Fetch-Site", "").lower() not in FOREIGN_FETCH_SITES

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own refusals (501 for POST, 400 for a malformed request): small, plain, and with
        # the headers of every other answer
        self.log_error("code %d, message %s", code, message)
        status = HTTPStatus(code)
        self._send(
            status, "text/plain; charset=utf-8", f"{status.phrase}\n".encode(), self.command != "HEAD", close=True
        )

    def _send(self, status: HTTPStatus, content_type: str, data: bytes, body: bool, *, close: bool = False) -> None:
        self.send_response(status)
        if close:
            self.send_header("Connection", "close")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", self.owner.content_security_policy)
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        self.owner.write_log(f"{self.log_date_time_string()} {self.address_string()} {format % args}\n")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class WebServer:
    """Serves ``root`` on ``http://127.0.0.1:{port}`` from a background thread;
    ``members`` (local mode) enables ``/config.json``; ``photos_base`` is where
    the API's photo URLs point (the page may show images from there). A
    context manager."""

    def __init__(
        self,
        root: Path,
        *,
        api_base: str,
        photos_base: str | None = None,
        firm: dict[str, str] | None = None,
        members: Members | None = None,
        identity: dict[str, str] | None = None,
        demo_password: str | None = None,
        port: int | None = None,
        host: str = "127.0.0.1",
        log: IO[str] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.api_base = api_base
        self.identity = identity or {}
        self.demo_password = demo_password
        self.firm = firm or {}
        self.members = members
        self.host = host
        self.port = port or free_port()
        names = {*LOOPBACK_NAMES, f"[{host}]" if ":" in host else host}
        self.hosts = frozenset(f"{name}:{self.port}".lower() for name in names)
        photos = f" {_origin(photos_base)}" if photos_base else ""
        api = f" {_origin(api_base)}" if "://" in api_base else ""
        if self.identity.get("endpoint"):  # the sign-in page calls the identity provider
            api += f" {_origin(self.identity['endpoint'])}"
        self.content_security_policy = (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data:{photos}; connect-src 'self'{api}; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
        self.log = log
        self._log_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def config(self) -> dict[str, Any]:
        try:
            members = self.members() if self.members is not None else []
        except Exception as exc:  # e.g. a member who cannot sign in with the demo password: the form still works
            self.write_log(f"config.json: no demo members ({type(exc).__name__}: {exc})\n")
            members = []
        return {
            "api_base": self.api_base,
            "mode": "local",
            "firm": self.firm,
            "members": members,
            "identity": self.identity,
            "demo_password": self.demo_password,
        }

    def file_for(self, url_path: str) -> Path | None:
        """The file a URL path names inside ``root``, or None (404)."""
        if not url_path.startswith("/") or "\x00" in url_path or "\\" in url_path:
            return None
        relative = url_path.lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        parts = relative.split("/")
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            return None  # traversal, hidden files, doubled slashes
        try:
            file = (self.root / relative).resolve()
        except (OSError, ValueError):
            return None
        if not file.is_relative_to(self.root) or not file.is_file():
            return None  # outside the folder (a symlink out), a folder (no listings), or nothing
        return file

    def write_log(self, line: str) -> None:
        if self.log is not None:
            with self._log_lock:
                self.log.write(line)
                self.log.flush()

    def start(self) -> WebServer:
        self._server = _Server((self.host, self.port), self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="web-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

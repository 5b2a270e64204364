"""The web client (the static files of ``web/``) on its own port.

A small threaded server on loopback: every answer is ``Cache-Control:
no-store`` (no stale module while the client is edited), there are no
directory listings, and a path outside the folder, a hidden file or an
unknown path is 404. In local mode it also answers ``GET /config.json`` with
what the client needs to start without a sign-in: the API's URL, the demo
firm, and its members with tokens minted afresh on each request (the demo
member picker)::

    {"api_base": "http://localhost:8000", "mode": "local",
     "firm": {"id": ..., "name": ...},
     "members": [{"member_id", "name", "role", "rights", "token"}, ...]}
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
        path = unquote(urlsplit(self.path).path)
        if path == CONFIG_PATH and self.owner.members is not None:
            self._send(HTTPStatus.OK, "application/json", json.dumps(self.owner.config()).encode(), body)
            return
        file = self.owner.file_for(path)
        if file is None:
            self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"Not found\n", body)
            return
        content_type = CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream")
        self._send(HTTPStatus.OK, content_type, file.read_bytes(), body)

    def _send(self, status: HTTPStatus, content_type: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        self.owner.write_log(f"{self.log_date_time_string()} {self.address_string()} {format % args}\n")


class WebServer:
    """Serves ``root`` on ``http://127.0.0.1:{port}`` from a background thread;
    ``members`` (local mode) enables ``/config.json``. A context manager."""

    def __init__(
        self,
        root: Path,
        *,
        api_base: str,
        firm: dict[str, str] | None = None,
        members: Members | None = None,
        port: int | None = None,
        host: str = "127.0.0.1",
        log: IO[str] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.api_base = api_base
        self.firm = firm or {}
        self.members = members
        self.host = host
        self.port = port or free_port()
        self.log = log
        self._log_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def config(self) -> dict[str, Any]:
        members = self.members() if self.members is not None else []
        return {"api_base": self.api_base, "mode": "local", "firm": self.firm, "members": members}

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

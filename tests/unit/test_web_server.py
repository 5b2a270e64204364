"""devtools/web_server.py: the web client's static files and, in local mode,
/config.json with the identity provider and the demo members."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.web_server import WebServer

MEMBERS_CALLS: list[int] = []
IDENTITY = {"provider": "cognito", "endpoint": "http://127.0.0.1:9229", "client_id": "c1", "region": "us-east-1"}


def demo_members() -> list[dict[str, Any]]:
    MEMBERS_CALLS.append(1)
    return [
        {
            "member_id": "m1",
            "name": "Olivia Owner",
            "email": "olivia@ledgerly.example",
            "role": "owner",
            "rights": {"view_all_accounts": True, "manage_accounts": True},
            "token": f"token-{len(MEMBERS_CALLS)}",
        }
    ]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    (root / "js").mkdir(parents=True)
    (root / "css").mkdir()
    (root / "img").mkdir()
    (root / "index.html").write_text("<!doctype html><title>Dossier</title>")
    (root / "js" / "app.js").write_text("export const x = 1;\n")
    (root / "js" / "util.mjs").write_text("export const y = 2;\n")
    (root / "css" / "site.css").write_text("body { margin: 0 }\n")
    (root / "data.json").write_text("{}")
    (root / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "img" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "img" / "b.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBP")
    (root / ".env").write_text("SECRET=1")
    (tmp_path / "secret.txt").write_text("outside")
    (root / "outside").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[WebServer]:
    with WebServer(
        site,
        api_base="http://localhost:8000",
        firm={"id": "f1", "name": "Demo"},
        members=demo_members,
        identity=IDENTITY,
        demo_password="Dossier-local-1",
    ) as web:
        yield web


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def raw_get(server: WebServer, target: str) -> int:
    """The status for a request target sent as is (urllib would normalise ``..``)."""
    with socket.create_connection((server.host, server.port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nConnection: close\r\n\r\n".encode())
        head = s.recv(4096).decode("latin-1")
    return int(head.split(" ", 2)[1])


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/js/app.js", "text/javascript; charset=utf-8"),
        ("/js/util.mjs", "text/javascript; charset=utf-8"),
        ("/css/site.css", "text/css; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/img/logo.svg", "image/svg+xml"),
        ("/img/a.png", "image/png"),
        ("/img/b.webp", "image/webp"),
        ("/js/app.js?v=3#x", "text/javascript; charset=utf-8"),
    ],
)
def test_files_are_served_with_their_content_type_and_never_cached(
    server: WebServer, site: Path, path: str, content_type: str
) -> None:
    status, headers, body = get(server.endpoint + path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert headers["Cache-Control"] == "no-store"
    name = path.split("?")[0].lstrip("/") or "index.html"
    assert body == (site / name).read_bytes()
    assert headers["Content-Length"] == str(len(body))


@pytest.mark.parametrize(
    "target",
    [
        "/missing.js",
        "/js/",  # a folder without index.html: no listing
        "/js",
        "/img",
        "/../secret.txt",
        "/js/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/js/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "//etc/passwd",
        "/.env",
        "/outside",  # a symlink out of the folder
        "/js%00.js",
        "/js%5c..%5c..%5csecret.txt",
    ],
)
def test_unknown_paths_folders_hidden_files_and_traversal_are_404(server: WebServer, target: str) -> None:
    assert raw_get(server, target) == 404


def test_head_answers_without_a_body_and_other_methods_are_refused(server: WebServer) -> None:
    request = urllib.request.Request(server.endpoint + "/js/app.js", method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and response.read() == b""
        assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    post = urllib.request.Request(server.endpoint + "/index.html", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(post, timeout=10)
    refused.value.close()
    assert refused.value.code == 501


def test_config_json_gives_the_api_the_firm_and_members_with_fresh_tokens(server: WebServer) -> None:
    status, headers, body = get(server.endpoint + "/config.json")
    again = json.loads(get(server.endpoint + "/config.json")[2])

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "no-store"
    config = json.loads(body)
    assert config.keys() == {"api_base", "mode", "identity", "firm", "demo_password", "members"}
    assert config["api_base"] == "http://localhost:8000" and config["mode"] == "local"
    assert config["identity"] == IDENTITY  # where the sign-in page signs in
    assert config["firm"] == {"id": "f1", "name": "Demo"}
    assert config["demo_password"] == "Dossier-local-1"
    assert config["members"][0].keys() == {"member_id", "name", "email", "role", "rights", "token"}
    assert config["members"][0]["token"] != again["members"][0]["token"]  # minted per request


def connect_src(web: WebServer) -> list[str]:
    policy = dict(p.strip().split(" ", 1) for p in web.content_security_policy.split(";") if p.strip())
    return policy["connect-src"].split()


def test_the_page_may_connect_to_itself_the_api_and_the_identity_provider(server: WebServer, site: Path) -> None:
    assert get(server.endpoint + "/")[1]["Content-Security-Policy"] == server.content_security_policy
    assert connect_src(server) == ["'self'", "http://localhost:8000", "http://127.0.0.1:9229"]
    # without a provider (or an API address that is not a URL), only what is given
    with WebServer(site, api_base="http://localhost:8000") as web:
        assert connect_src(web) == ["'self'", "http://localhost:8000"]
    with WebServer(site, api_base="/api", identity={"region": "eu-west-1", "client_id": "c"}) as web:
        assert connect_src(web) == ["'self'"]


def test_when_the_members_cannot_be_listed_the_config_still_says_where_to_sign_in(site: Path, tmp_path: Path) -> None:
    def broken() -> list[dict[str, Any]]:
        raise RuntimeError("a member cannot sign in with the demo password")

    with (
        (tmp_path / "web.log").open("a") as log,
        WebServer(site, api_base="http://localhost:8000", members=broken, identity=IDENTITY, log=log) as web,
    ):
        status, _, body = get(web.endpoint + "/config.json")
    config = json.loads(body)
    assert status == 200 and config["members"] == [] and config["identity"] == IDENTITY
    assert "cannot sign in with the demo password" in (tmp_path / "web.log").read_text()


def test_without_members_there_is_no_config(site: Path) -> None:
    with WebServer(site, api_base="http://localhost:8000") as web:
        assert get(web.endpoint + "/config.json")[0] == 404


def test_requests_are_logged_to_the_given_file_only(site: Path, tmp_path: Path) -> None:
    with (tmp_path / "web.log").open("a") as log, WebServer(site, api_base="x", log=log) as web:
        get(web.endpoint + "/index.html")
        get(web.endpoint + "/nothing")
    lines = (tmp_path / "web.log").read_text().splitlines()
    assert len(lines) == 2 and '"GET /index.html HTTP/1.1" 200' in lines[0] and "404" in lines[1]

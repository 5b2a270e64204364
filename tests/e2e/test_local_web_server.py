"""The local web server (devtools/web_server.py) of the running stack: it
answers only for its own host names (a DNS-rebinding page cannot read the
members' tokens of ``/config.json``), refuses ``/config.json`` to another
origin, and sends a Content-Security-Policy and the other security headers,
under which the web client still works in Chromium, its sign-in at the
identity provider included."""

from __future__ import annotations

import io
import json
import re
import socket
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Browser, FilePayload, expect

from devtools.stack import StackInfo
from tests.e2e.helpers import api_get, demo_sign_in


def raw_get(stack: StackInfo, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """A GET sent as is (the Host header too); status, headers (lower-case names), body."""
    web = urlsplit(stack.web_base)
    assert web.hostname and web.port
    lines = [f"GET {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "Connection: close", "", ""]
    with socket.create_connection((web.hostname, web.port), timeout=30) as s:
        s.sendall("\r\n".join(lines).encode())
        raw = b"".join(iter(lambda: s.recv(65536), b""))
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split(" ")[1]), {k.lower(): v for k, v in fields.items()}, body


def own_host(stack: StackInfo) -> str:
    return urlsplit(stack.web_base).netloc


def directives(csp: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in csp.split(";") if part.strip())}


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "localhost:1", "127.0.0.1.evil.example:{port}"]
)
@pytest.mark.parametrize("path", ["/config.json", "/", "/js/app.js"])
def test_a_foreign_host_is_refused(stack: StackInfo, host: str, path: str) -> None:
    port = urlsplit(stack.web_base).port
    status, _, body = raw_get(stack, path, {"Host": host.format(port=port)})

    assert status == 421
    assert len(body) < 100 and b"token" not in body


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "LOCALHOST"])
def test_its_own_host_names_are_served(stack: StackInfo, name: str) -> None:
    port = urlsplit(stack.web_base).port
    status, headers, body = raw_get(stack, "/config.json", {"Host": f"{name}:{port}"})

    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body)["members"]


def test_a_request_without_host_is_refused(stack: StackInfo) -> None:
    assert raw_get(stack, "/config.json", {})[0] == 400


@pytest.mark.parametrize("path", ["/", "/index.html", "/js/app.js", "/styles.css", "/config.json", "/missing"])
def test_every_answer_carries_the_security_headers(stack: StackInfo, path: str) -> None:
    _, headers, _ = raw_get(stack, path, {"Host": own_host(stack)})

    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    policy = directives(headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]  # nothing inline
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    api, identity = urlsplit(stack.api_base), urlsplit(stack.identity["endpoint"])
    # the API, and the identity provider the sign-in page calls
    assert policy["connect-src"] == ["'self'", f"{api.scheme}://{api.netloc}", f"{identity.scheme}://{identity.netloc}"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost:1"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_config_json_is_refused_to_another_origin(stack: StackInfo, headers: dict[str, str]) -> None:
    status, _, body = raw_get(stack, "/config.json", {"Host": own_host(stack), **headers})

    assert status == 403
    assert b"token" not in body


def test_config_json_is_given_to_its_own_origin(stack: StackInfo) -> None:
    headers = {"Host": own_host(stack), "Origin": stack.web_base, "Sec-Fetch-Site": "same-origin"}
    status, _, body = raw_get(stack, "/config.json", headers)

    assert status == 200 and json.loads(body)["members"]


def a_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def test_the_client_works_under_its_policy(browser: Browser, stack: StackInfo) -> None:
    """Photos (the bucket's presigned URLs), the API, and styles set by script all pass the policy:
    Chromium reports no violation, the uploaded photo shows, and the tag colours apply."""
    account = api_get(stack, "/accounts?limit=100")["items"][-1]  # not one the other tests change
    context = browser.new_context(base_url=stack.web_base, locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: refused.append(str(e)))

    demo_sign_in(page, "Olivia Owner", f"/#/accounts/{account['id']}/info")  # the identity provider, under the policy
    expect(page.get_by_role("heading", level=1)).to_have_text(account["name"])
    photo_file: FilePayload = {"name": "p.png", "mimeType": "image/png", "buffer": a_png()}
    page.locator("#photo-input").set_input_files(files=photo_file)
    photo = page.locator("img.avatar.large")
    expect(photo).to_be_visible()
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("img => img.naturalWidth") == 8  # loaded, not refused
    photo_origin = urlsplit(str(photo.get_attribute("src")))
    _, headers, _ = raw_get(stack, "/", {"Host": own_host(stack)})
    assert f"{photo_origin.scheme}://{photo_origin.netloc}" in directives(headers["content-security-policy"])["img-src"]

    page.goto("/#/")
    names = page.get_by_role("list", name="Clients").get_by_role("link")
    expect(names.first).to_be_visible()
    hues = page.locator(".avatar.initials").evaluate_all(
        "els => els.map(e => getComputedStyle(e).getPropertyValue('--hue'))"
    )
    assert hues and all(re.fullmatch(r"\s*\d+\s*", h) for h in hues)  # set by script, not refused
    context.close()
    assert refused == []


def test_the_identity_provider_answers_the_sign_in_pages_preflight(stack: StackInfo) -> None:
    """The sign-in page's InitiateAuth is a cross-origin POST with Cognito's headers: the browser asks first."""
    endpoint = urlsplit(stack.identity["endpoint"])
    assert endpoint.hostname and endpoint.port
    lines = [
        "OPTIONS / HTTP/1.1",
        f"Host: {endpoint.netloc}",
        f"Origin: {stack.web_base}",
        "Access-Control-Request-Method: POST",
        "Access-Control-Request-Headers: content-type,x-amz-target",
        "Connection: close",
        "",
        "",
    ]
    with socket.create_connection((endpoint.hostname, endpoint.port), timeout=30) as s:
        s.sendall("\r\n".join(lines).encode())
        raw = b"".join(iter(lambda: s.recv(65536), b""))
    head = raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in head[1:])}

    assert head[0].split(" ")[1] in ("200", "204")
    assert headers["access-control-allow-origin"] in ("*", stack.web_base)
    assert "POST" in headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "x-amz-target"} <= allowed

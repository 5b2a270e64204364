"""Helpers for the end-to-end tests."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from devtools.stack import StackInfo


def api_get(stack: StackInfo, path: str, token: str | None = None) -> Any:
    """GET on the API as ``token`` (default: the demo owner's); the JSON body."""
    bearer = token or stack.members[0]["token"]
    request = urllib.request.Request(stack.api_base + path, headers={"Authorization": f"Bearer {bearer}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())

"""Write chalicelib/handlers/http/route_table.py from the routes the handlers declare
(``python -m devtools.route_table``; tests/unit/test_route_table.py says when it is due)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from chalicelib.handlers.http.routing import load_all, table_of

TARGET = Path(__file__).resolve().parent.parent / "chalicelib" / "handlers" / "http" / "route_table.py"

HEADER = '''"""Every API route: method, path, the handler module that serves it, and the content types it takes.
Written by ``python -m devtools.route_table`` from the handlers' ``endpoint`` declarations: do not edit
(chalicelib/handlers/http/routing.py registers these on the app without importing the handlers)."""

from typing import Final

TABLE: Final[tuple[tuple[str, str, str, tuple[str, ...]], ...]] = (
'''


def _row(method: str, path: str, module: str, content_types: tuple[str, ...]) -> str:
    types = ", ".join(json.dumps(t) for t in content_types) + ("," if len(content_types) == 1 else "")
    return f"    ({json.dumps(method)}, {json.dumps(path)}, {json.dumps(module)}, ({types})),\n"


def source() -> str:
    rows = "".join(_row(*row) for row in table_of(load_all()))
    return HEADER + rows + ")\n"


def main() -> None:
    TARGET.write_text(source())
    # in the project's format, so that the test comparing it with ``source()`` formatted the same agrees
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(TARGET)], check=True)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()

"""The house rules that no linter states (the import contracts are in
``.importlinter``; docs/architecture.md explains both)."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
MAX_LINES = 500
# Key and index attribute names, as string literals: only repo/ may know them.
STORAGE_ATTRIBUTE = re.compile(r"""["'](PK|SK|GSI[0-9]+(PK|SK)|LSI[0-9]+SK)["']""")


def _python_files() -> list[Path]:
    return sorted(CHALICELIB.rglob("*.py"))


def test_no_module_is_longer_than_500_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _python_files() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_only_repo_names_key_and_index_attributes() -> None:
    outside = [
        f"{p.relative_to(ROOT)}:{number}"
        for p in _python_files()
        if CHALICELIB / "repo" not in p.parents
        for number, line in enumerate(p.read_text().splitlines(), 1)
        if STORAGE_ATTRIBUTE.search(line)
    ]
    assert outside == []


def test_the_check_finds_a_key_attribute() -> None:
    # The pattern above must match what it is meant to forbid.
    assert STORAGE_ATTRIBUTE.search('key_attrs=("PK", "SK", "GSI1SK")')
    assert STORAGE_ATTRIBUTE.search("image['LSI2SK']")
    assert not STORAGE_ATTRIBUTE.search('"PKG" "SKIP"')


def test_app_py_only_wires() -> None:
    tree = ast.parse((ROOT / "app.py").read_text())
    defined = [
        type(n).__name__ for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    ]
    assert defined == []


def test_nothing_points_outside_the_repository() -> None:
    """The repository carries its own contract (docs/api.md): no file cites
    the brief or the contract as files of another checkout."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    # Spelled in pieces so that this file does not find itself.
    pattern = re.compile("|".join((r"\.\./" + "shared", "MISS" + "ION", r"(?<![\w/])" + "API" + r"\.md")))
    found = []
    for name in tracked.splitlines():
        path = ROOT / name
        if path.suffix in {".png", ".jpg", ".webp", ".ico"} or not path.is_file() or name.endswith("package-lock.json"):
            continue
        text = path.read_text(errors="ignore")
        found += [f"{name}:{i}" for i, line in enumerate(text.splitlines(), 1) if pattern.search(line)]
    assert found == []

"""``make package``: the deployable CloudFormation (SAM) template and code zip.

Runs ``chalice package --merge-template infra/template.json`` on a staged copy
of the app whose bytecode is compiled in advance: Lambda's code directory is
read-only, so without it every cold start compiles every module again. The
bytecode is hash-checked-free ("unchecked-hash") because a zip gives every file
the same timestamp; it lives only in the staged copy, never in the working tree,
where a stale one would shadow an edit.

    python -m devtools.package [--stage prod] [--out build/package]
"""

from __future__ import annotations

import argparse
import compileall
import os
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_FILES = ("app.py", "requirements.txt")
APP_DIRS = ("chalicelib", ".chalice", "infra")


def _stage(into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    for name in APP_FILES:
        shutil.copy2(ROOT / name, into / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "deployments", "venv")
    for name in APP_DIRS:
        shutil.copytree(ROOT / name, into / name, ignore=ignore)
    ok = compileall.compile_dir(
        into / "chalicelib", quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    if not ok:
        raise SystemExit("chalicelib does not compile")
    return into


def package(stage: str = "prod", out: Path = ROOT / "build" / "package") -> Path:
    """Stage, package and return the path of the SAM template (``sam.json``)."""
    staged = _stage(out / "stage")
    target = out / "template"
    if target.exists():
        shutil.rmtree(target)
    env = dict(os.environ, AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    env["DOSSIER_GATEWAY_AUTHORIZER"] = "1"  # the packaged API names each firm's usage-plan key
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(
        [
            str(chalice),
            "--project-dir",
            str(staged),
            "package",
            "--stage",
            stage,
            "--merge-template",
            str(staged / "infra" / "template.json"),
            str(target),
        ],
        check=True,
        env=env,
    )
    return target / "sam.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "package")
    args = parser.parse_args(argv)
    template = package(args.stage, args.out)
    print(template)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``make package``: the deployable CloudFormation (SAM) template and code zip.

Runs ``chalice package --merge-template infra/template.json`` on a staged copy
of the app, then compiles the bytecode of everything in the code zip (the app
and its dependencies): Lambda's code directory is read-only, so without it every
cold start compiles every module again. The bytecode is "unchecked-hash"
because a zip gives every file the same timestamp; it lives only in the build
folder, never in the working tree, where a stale one would shadow an edit.

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
import zipfile
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
    return into


def precompile(code_zip: Path) -> None:
    """Add unchecked-hash bytecode for every module in the zip."""
    unpacked = code_zip.with_suffix(".unpacked")
    if unpacked.exists():
        shutil.rmtree(unpacked)
    with zipfile.ZipFile(code_zip) as archive:
        archive.extractall(unpacked)
    for stale in unpacked.rglob("__pycache__"):
        shutil.rmtree(stale)
    ok = compileall.compile_dir(
        unpacked, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, workers=0
    )
    if not ok:
        raise SystemExit(f"some module in {code_zip.name} does not compile")
    compileall.compile_file(
        unpacked / "app.py", quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    code_zip.unlink()
    with zipfile.ZipFile(code_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in unpacked.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(path.relative_to(unpacked)), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (path.stat().st_mode & 0o777) << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    shutil.rmtree(unpacked)


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
    precompile(target / "deployment.zip")
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

"""``make package``: the deployable CloudFormation (SAM) template and code zip.

Installs the runtime dependencies into the staged copy's ``vendor/``: exactly
the packages and versions of the lock (``requirements.txt``, written by
``make lock``), each file checked against the lock's hashes, as the wheels
Lambda's runtime takes (manylinux, this Python's version, x86_64), and checks
that ``vendor/`` holds the locked set and nothing else. Then runs ``chalice
package --merge-template infra/template.json`` on the staged copy (it zips
``vendor/`` with the app; it gets no requirements file, so it resolves and
downloads nothing itself) and compiles the bytecode of everything in the code
zip (the app and its dependencies): Lambda's code directory is read-only, so
without it every cold start compiles every module again. The bytecode is
"unchecked-hash" because a zip gives every file the same timestamp; it lives
only in the build folder, never in the working tree, where a stale one would
shadow an edit. Last, the REST API chalice package writes is replaced by
the HTTP API, its routes written from the app's route table (devtools/httpapi.py).

    python -m devtools.package [--stage prod] [--out build/package]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

from devtools.httpapi import front_door

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.txt"
APP_FILES = ("app.py",)
APP_DIRS = ("chalicelib", ".chalice", "infra")
# The newest glibc of Lambda's Python runtimes (Amazon Linux 2 up to python3.11, Amazon Linux 2023 after).
LAMBDA_GLIBC_MINOR = {(3, 11): 26}
LAMBDA_GLIBC_MINOR_LATER = 34
# Locked packages whose locked version has no wheel for Lambda's python3.11 (pillow 13.0.0 has manylinux_2_28
# wheels only; python3.11's Amazon Linux 2 has glibc 2.26): built from their locked sdist on this machine, as
# `chalice package` did for them before. Such a build links this machine's libraries; see README "Deploying".
BUILT_FROM_SDIST = frozenset({"pillow"})
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*(?:\\|$)")


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


def locked(lock: Path = LOCK) -> dict[str, tuple[str, str]]:
    """The lock's requirements that apply here: canonical name -> (version, the requirement's text with its
    hashes, as pip reads it)."""
    found: dict[str, tuple[str, str]] = {}
    for entry in re.split(r"\n(?=\S)", lock.read_text()):
        match = _REQUIREMENT.match(entry)
        if match is None:
            continue  # a comment
        name, version, marker = match.groups()
        if marker and not Marker(marker).evaluate():
            continue
        text = "\n".join(line for line in entry.splitlines() if not line.strip().startswith("#"))
        found[canonicalize_name(name)] = (version, text.rstrip(" \\\n") + "\n")
    return found


def lambda_platforms() -> list[str]:
    """pip's ``--platform`` tags for Lambda's runtime of this Python (as ``chalice package`` chooses it)."""
    top = LAMBDA_GLIBC_MINOR.get(sys.version_info[:2], LAMBDA_GLIBC_MINOR_LATER)
    return [f"manylinux_2_{minor}_x86_64" for minor in range(17, top + 1)] + ["manylinux2014_x86_64"]


def _pip(args: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"], check=True)


def install_locked(vendor: Path, lock: Path = LOCK) -> dict[str, str]:
    """The lock's runtime set into ``vendor/``, every file checked against its hash; returns name -> version."""
    requirements = locked(lock)
    version = f"{sys.version_info.major}{sys.version_info.minor}"
    with tempfile.TemporaryDirectory(prefix="dossier-lock-") as tmp:
        wheels, sdists = Path(tmp) / "wheels.txt", Path(tmp) / "sdists.txt"
        wheels.write_text("".join(text for name, (_, text) in requirements.items() if name not in BUILT_FROM_SDIST))
        sdists.write_text("".join(text for name, (_, text) in requirements.items() if name in BUILT_FROM_SDIST))
        platforms = [arg for tag in lambda_platforms() for arg in ("--platform", tag)]
        lambda_wheels = ["--only-binary=:all:", *platforms, "--implementation", "cp", "--python-version", version]
        install = ["install", "--require-hashes", "--no-deps", "--target", str(vendor)]
        _pip([*install, *lambda_wheels, "-r", str(wheels)])
        if sdists.read_text():
            _pip([*install, "--no-binary=:all:", "-r", str(sdists)])  # pip keeps the wheel it builds in its cache
    shutil.rmtree(vendor / "bin", ignore_errors=True)  # console scripts: nothing in Lambda runs them
    installed: dict[str, str] = {}
    for info in vendor.glob("*.dist-info"):
        name, _, installed_version = info.name.removesuffix(".dist-info").rpartition("-")
        installed[canonicalize_name(name)] = installed_version
    wanted = {name: version for name, (version, _) in requirements.items()}
    if installed != wanted:
        raise SystemExit(f"vendor/ holds {sorted(installed.items())}, the lock {sorted(wanted.items())}")
    return installed


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


# What Lambda's Python runtime itself provides (the zip does not carry them).
LAMBDA_RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


def imports_every_handler(code_zip: Path) -> None:
    """The zip's app imports, and so does every handler module: the app imports a route's handler on its
    first request (chalicelib/handlers/http/routing.py), so a module that fails to import (a dependency
    left out of the zip) would otherwise show only on that route. Run without site-packages, with the
    runtime's own modules only, as Lambda runs it."""
    with tempfile.TemporaryDirectory(prefix="dossier-imports-") as tmp:
        code, runtime = Path(tmp) / "code", Path(tmp) / "runtime"
        with zipfile.ZipFile(code_zip) as archive:
            archive.extractall(code)
        runtime.mkdir()
        import boto3

        site = Path(str(boto3.__file__)).resolve().parents[1]
        for name in LAMBDA_RUNTIME_MODULES:
            (runtime / name).symlink_to(site / name)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{code}{os.pathsep}{runtime}",
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "DOSSIER_TABLE": "dossier-package-check",
        }
        check = "import app\nfrom chalicelib.handlers.http.routing import load_all\nprint(len(load_all()))"
        run = subprocess.run([sys.executable, "-S", "-c", check], cwd=code, env=env, capture_output=True, text=True)
        if run.returncode:
            raise SystemExit(f"the packaged code does not import every handler:\n{run.stderr[-3000:]}")


def package(stage: str = "prod", out: Path = ROOT / "build" / "package") -> Path:
    """Stage, package and return the path of the SAM template (``sam.json``)."""
    staged = _stage(out / "stage")
    install_locked(staged / "vendor")
    target = out / "template"
    if target.exists():
        shutil.rmtree(target)
    env = dict(os.environ, AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
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
    imports_every_handler(target / "deployment.zip")
    sam = target / "sam.json"
    template = json.loads(sam.read_text())
    from app import app
    from chalicelib.handlers.http.routing import load_all

    front_door(template, app, load_all())
    sam.write_text(json.dumps(template, indent=2) + "\n")
    return sam


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

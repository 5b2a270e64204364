"""Cold start: how long a fresh interpreter takes to import the app, against
``import boto3`` alone, measured side by side (alternating) in one run.

Three ways of importing the app:

- ``repo``: this checkout, bytecode caches written (a developer's machine);
- ``packaged``: the code zip ``make package`` builds, unpacked and imported
  read-only (PYTHONDONTWRITEBYTECODE=1), as Lambda's /var/task is: it carries
  compiled bytecode for the app and every dependency;
- ``packaged, no bytecode``: the same zip without its ``__pycache__`` folders,
  as ``chalice package`` alone would ship it: every cold start compiles.

boto3 is imported from the virtualenv (compiled), as Lambda's runtime has it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROUNDS = 9
ROOT = Path(__file__).resolve().parent.parent


def _site_packages() -> str:
    import boto3

    return str(Path(boto3.__file__).resolve().parents[1])


def _once(statement: str, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def run(rounds: int = ROUNDS) -> str:
    from devtools.package import package

    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base.update(AWS_DEFAULT_REGION="us-east-1", DOSSIER_TABLE="dossier-coldstart")
    with tempfile.TemporaryDirectory(prefix="dossier-coldstart-") as tmp:
        work = Path(tmp)
        template = package("prod", work / "package")
        packaged, plain = work / "packaged", work / "plain"
        with zipfile.ZipFile(template.parent / "deployment.zip") as archive:
            archive.extractall(packaged)
        shutil.copytree(packaged, plain, ignore=shutil.ignore_patterns("__pycache__"))
        read_only = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
        cases = {
            "`import boto3`": ("import boto3", ROOT, base),
            "`import app`, repo": ("import app", ROOT, base),
            "`import app`, packaged": (
                "import app",
                packaged,
                {**read_only, "PYTHONPATH": f"{packaged}{os.pathsep}{_site_packages()}"},
            ),
            "`import app`, packaged, no bytecode": (
                "import app",
                plain,
                {**read_only, "PYTHONPATH": f"{plain}{os.pathsep}{_site_packages()}"},
            ),
        }
        for statement, cwd, env in cases.values():  # warm the file cache; writes the repo's bytecode
            _once(statement, cwd, env)
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for r in range(rounds):
            order = list(cases) if r % 2 == 0 else list(reversed(cases))
            for name in order:
                statement, cwd, env = cases[name]
                samples[name].append(_once(statement, cwd, env))
    medians = {name: statistics.median(times) * 1000 for name, times in samples.items()}
    boto = medians["`import boto3`"]
    lines = ["| fresh interpreter | median ms | ratio to `import boto3` |", "|---|---|---|"]
    lines += [f"| {name} | {ms:.0f} | {ms / boto:.2f} |" for name, ms in medians.items()]
    lines += [
        "",
        f"Wall time of `python -c '...'`, interpreter start-up included; {rounds} runs of each, alternating "
        "(the order flips every round), after one warm-up run each.",
    ]
    return "\n".join(lines)

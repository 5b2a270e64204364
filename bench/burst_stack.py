"""The local stack with DynamoDB Local's data on disk, as ``make run`` keeps
it (``python -m devtools.stack`` runs it in memory), for ``bench/burst.py``
with ``BENCH_BURST_DISK=1``::

    python -m bench.burst_stack --workdir DIR --ready-file FILE --db-port PORT

Writes ``StackInfo`` as JSON to FILE once the demo is projected; stops on
SIGTERM or when its parent exits.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from devtools.stack import PROJECTION_SECONDS, local_stack


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwind, so every process the stack started is stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--db-port", type=int, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    parent = os.getppid()
    try:
        with local_stack(args.workdir, persistent=True, db_port=args.db_port) as running:
            running.wait_projected(timeout=PROJECTION_SECONDS)
            partial = args.ready_file.with_suffix(".partial")
            partial.write_text(running.info.to_json())
            partial.replace(args.ready_file)  # whole, or not there
            while running.api.poll() is None and os.getppid() == parent:
                with suppress(subprocess.TimeoutExpired):
                    running.api.wait(timeout=0.5)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

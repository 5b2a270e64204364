"""``python -m chalicelib.cli``: the admin command line's fixed entry point
(scripts and client developers rely on this name; docs/api.md). The commands
themselves live in ``chalicelib/admin/cli.py``."""

import sys

from chalicelib.admin.cli import main

if __name__ == "__main__":
    sys.exit(main())

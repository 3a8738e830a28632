"""`python -m sportify_scheduler`: the same as `sportify run scheduler`."""

from __future__ import annotations

import sys

from sportify_common.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", "scheduler"]))

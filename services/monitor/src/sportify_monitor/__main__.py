"""`python -m sportify_monitor`: serve the monitor as `sportify run monitor` does."""

from __future__ import annotations

from sportify_common.runner import serve
from sportify_common.settings import load_settings


def main() -> None:
    serve("monitor", load_settings())


if __name__ == "__main__":
    main()

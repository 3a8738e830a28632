"""`python -m sportify_mailer`: serve the mailer like `sportify run mailer`."""

from __future__ import annotations

from sportify_common.logs import configure_logging
from sportify_common.runner import serve
from sportify_common.settings import load_settings


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    serve("mailer", settings)


if __name__ == "__main__":
    main()

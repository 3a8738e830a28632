"""Every summary email, locale by kind by variant, against its reviewed golden file.

`UPDATE_GOLDEN=1 uv run --frozen pytest tests/unit/aggregator/test_summary_golden.py` writes
them anew; review the diff (and open the .html files in a browser) before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sportify_aggregator import wording
from sportify_aggregator.render import email_parts
from tests.support.summary_samples import (
    BASE_URL,
    KINDS,
    LOCALES,
    UNSUBSCRIBE_URL,
    VARIANTS,
    sample,
)

GOLDEN = Path(__file__).parent / "golden"
CASES = [(locale, kind, variant) for locale in LOCALES for kind in KINDS for variant in VARIANTS]


def rendered(locale: str, kind: str, variant: str) -> dict[str, str]:
    summary, period = sample(locale, kind, variant)
    parts = email_parts(
        summary,
        period,
        wording.LOCALES[locale],
        base_url=BASE_URL,
        unsubscribe_url=UNSUBSCRIBE_URL,
    )
    return {"txt": f"Subject: {parts.subject}\n\n{parts.text}", "html": parts.html}


@pytest.mark.parametrize(("locale", "kind", "variant"), CASES)
def test_the_summary_reads_as_its_reviewed_golden_file(
    locale: str, kind: str, variant: str
) -> None:
    for suffix, body in rendered(locale, kind, variant).items():
        path = GOLDEN / f"{kind}.{locale}.{variant}.{suffix}"
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.write_text(body, encoding="utf-8")

        assert path.exists(), f"{path.name} missing: run with UPDATE_GOLDEN=1 and review it"
        assert body == path.read_text(encoding="utf-8"), f"{path.name} changed"

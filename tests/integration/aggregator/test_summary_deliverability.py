"""Every summary email, as the mailer writes it, parses without defects and SpamAssassin's
local rules score it 0 (`spamassassin -L -t`; Debian package `spamassassin`)."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import subprocess
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from sportify_aggregator.summaries import summary_email
from sportify_common.emails.headers import list_unsubscribe_headers
from sportify_common.messages import EmailRequested
from sportify_mailer.compose import compose
from sportify_mailer.records import DueEmail
from tests.support.summary_samples import (
    BASE_URL,
    KINDS,
    LOCALES,
    UNSUBSCRIBE_URL,
    VARIANTS,
    sample,
)

pytestmark = pytest.mark.integration

SENDER = "Sportify <summaries@sportify.example>"
CASES = [(locale, kind, variant) for locale in LOCALES for kind in KINDS for variant in VARIANTS]
_SCORE = re.compile(
    r"^X-Spam-Status: \w+, score=(-?[0-9.]+) .*?tests=(.*?)\s(?:autolearn|version)", re.M | re.S
)


def wire_message(locale: str, kind: str, variant: str) -> bytes:
    """The summary as the mailer sends it: `compose` over the queued row."""
    summary, period = sample(locale, kind, variant)
    headers = {
        **list_unsubscribe_headers(UNSUBSCRIBE_URL),
        "List-Id": f"Sportify {kind} summaries <{kind}-summary.sportify.example>",
        "Auto-Submitted": "auto-generated",
    }
    requested = summary_email(
        summary, period, base_url=BASE_URL, unsubscribe_url=UNSUBSCRIBE_URL, headers=headers
    )
    assert isinstance(requested, EmailRequested)
    row = DueEmail(
        id=uuid4(),
        idempotency_key=requested.idempotency_key,
        recipient=requested.recipient,
        user_id=requested.user_id,
        kind=requested.kind.value,
        subject=requested.subject,
        body_text=requested.body_text,
        body_html=requested.body_html,
        headers=dict(requested.headers),
    )
    return compose(row, sender=SENDER, now=datetime(2026, 11, 30, 6, tzinfo=UTC)).data


def spam_score(message: bytes) -> tuple[float, str]:
    binary = shutil.which("spamassassin")
    if binary is None:
        pytest.fail("spamassassin is missing: run scripts/ensure-packages.sh (Debian spamassassin)")
    done = subprocess.run(  # noqa: S603 - a fixed binary on our own message
        [binary, "-L", "-t"], input=message, capture_output=True, timeout=120, check=True
    )
    report = done.stdout.decode("utf-8", "replace")
    match = _SCORE.search(report)
    assert match, report[:2000]
    return float(match.group(1)), " ".join(match.group(2).split())


@pytest.mark.parametrize(("locale", "kind", "variant"), CASES)
def test_the_summary_parses_with_no_defects(locale: str, kind: str, variant: str) -> None:
    raw = wire_message(locale, kind, variant)

    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    assert parsed.defects == []
    assert all(part.defects == [] for part in parsed.walk())
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Subject"].startswith(("Deine", "Dein ", "Your "))
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert UNSUBSCRIBE_URL in plain.get_content()
    assert "<!doctype html>" in html.get_content()


@pytest.mark.parametrize(("locale", "kind"), [(loc, k) for loc in LOCALES for k in KINDS])
def test_spamassassin_scores_the_summary_zero(locale: str, kind: str) -> None:
    for variant in VARIANTS:
        score, rules = spam_score(wire_message(locale, kind, variant))

        print(f"spamassassin {kind} {locale} {variant}: {score} ({rules})")  # noqa: T201 - the report
        assert score == 0, f"{kind} {locale} {variant}: {score} ({rules})"

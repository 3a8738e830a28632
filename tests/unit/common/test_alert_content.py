"""What an alert says (SPEC 4.7): a title with the failed job's period, the body's what, error
and where to look, HTML that wraps and escapes."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from email import message_from_string, policy
from uuid import uuid4
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st

from sportify_common.emails.alert import (
    Alert,
    alert_email,
    alert_html,
    alert_text,
    period_phrase,
    run_links,
    run_phrase,
)
from sportify_common.periods import month_of, week_of

NOW = datetime(2026, 11, 30, 0, 10, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
BASE = "https://ops.sportify.example"


def test_a_week_is_named_by_its_local_monday_and_a_month_by_name() -> None:
    assert period_phrase(week_of(date(2026, 11, 25), BERLIN)) == "the week of 2026-11-23"
    assert period_phrase(month_of(date(2026, 11, 5), BERLIN)) == "November 2026"


def test_an_evaluation_run_is_named_by_the_period_that_ends_at_its_scheduled_instant() -> None:
    week = week_of(date(2026, 11, 23), BERLIN)
    month = month_of(date(2026, 11, 1), BERLIN)

    assert (
        run_phrase("weekly-events", week.end, BERLIN) == "weekly-events for the week of 2026-11-23"
    )
    assert run_phrase("monthly-events", month.end, BERLIN) == "monthly-events for November 2026"
    assert run_phrase("retention", NOW, UTC) == "retention of 2026-11-30 00:10 UTC"


def test_the_body_says_what_happened_the_error_and_links_the_run() -> None:
    run = uuid4()
    alert = Alert(
        title="weekly-events failed for the week of 2026-11-23",
        what_happened="The weekly-events run failed.",
        error="ValueError: boom",
        job_run_id=run,
        hints=("look at the aggregator's log",),
    )
    links = run_links(BASE + "/", run)

    text = alert_text(alert, links, now=NOW)

    assert links.console == f"{BASE}/ops/runs/{run}"
    assert links.api == f"{BASE}/api/admin/jobs/{run}"
    assert text.startswith("weekly-events failed for the week of 2026-11-23\n")
    for part in ("What happened: The weekly-events run failed.", "Error: ValueError: boom"):
        assert part in text
    assert links.console in text
    assert links.api in text
    assert "look at the aggregator's log" in text


def test_the_html_wraps_long_lines_and_has_no_fixed_width() -> None:
    alert = Alert(title="t", what_happened="x" * 500, error="Traceback " + "y" * 2000)

    page = alert_html(alert, run_links(BASE, uuid4()), now=NOW)

    assert "<pre" in page
    assert page.count("white-space:pre-wrap") >= 3
    assert "word-break:break-word" in page
    assert 'name="viewport"' in page
    assert " width=" not in page.replace('content="width=device-width', "")
    assert "width:" not in page.replace("max-width:", "")


@given(title=st.text(max_size=300), body=st.text(max_size=300))
def test_hostile_titles_and_bodies_stay_one_header_line_and_escaped(title: str, body: str) -> None:
    email = alert_email(
        Alert(title=title, what_happened=body, error=body),
        recipient="ops@example.test",
        now=NOW,
        links=run_links(BASE, uuid4()),
    )

    assert "\n" not in email.subject
    assert "\r" not in email.subject
    assert email.subject.startswith("[Sportify Alert]")
    assert html.escape(body) in email.body_html
    if "<script" in body:
        assert "<script" not in email.body_html
    parsed = message_from_string(f"Subject: {email.subject}\n\n", policy=policy.default)
    assert not parsed.defects

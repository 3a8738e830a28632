# ruff: noqa: RUF001 - the dashes are the copy under test

from __future__ import annotations

from datetime import UTC, date, timedelta, timezone
from uuid import uuid4

import pytest

from sportify_aggregator.records import MonthlySummary, Recipient, WeeklySummary
from sportify_aggregator.summaries import Skipped, idempotency_key, summary_email
from sportify_common.emails.headers import list_unsubscribe_headers
from sportify_common.messages import EmailKind, EmailRequested
from sportify_common.periods import month_of, week_of

WEEK = week_of(date(2026, 2, 2), timezone(timedelta(hours=1)))
MONTH = month_of(date(2026, 3, 1), UTC)
TOTALS = {"pullups": 20, "pushups": 50, "situps": 0, "running": 5.5, "cycling": 0}
EVIL = "Eve\r\nBcc: victim@example.test <script>alert(1)</script>"
UNSUBSCRIBE = "https://sportify.example/api/unsubscribe?token=u1.abc.1.sig"


def recipient(**overrides: object) -> Recipient:
    values: dict[str, object] = {
        "user_id": uuid4(),
        "email": "anna@example.test",
        "display_name": "Anna",
        "locale": "de",
        "notifications_enabled": True,
    }
    values.update(overrides)
    return Recipient(**values)  # type: ignore[arg-type]


def weekly(**overrides: object) -> WeeklySummary:
    return WeeklySummary(
        recipient=recipient(**overrides),
        total_points=90,
        workouts_count=2,
        activity_totals=TOTALS,
        exercise_counts={"pushups": 1},
        goals={
            "exercises": {"achieved": False, "targets": {"pullups": 20, "pushups": 60}},
            "points": {"achieved": True, "target": 80},
            "challenge": {"achieved": True, "target": 85},
        },
        rank=2,
        participant_count=3,
        badges=["weekly-goal-points"],
        awards=[{"awardType": "leaderboard", "scope": "friends", "category": "points", "rank": 2}],
    )


def monthly(**overrides: object) -> MonthlySummary:
    return MonthlySummary(
        recipient=recipient(**overrides),
        total_points=500,
        activity_totals=TOTALS,
        rankings={
            "global": {"points": 1, "pullups": None, "pushups": 3, "situps": None},
            "friends": {"points": 2, "pullups": None, "pushups": None, "situps": None},
        },
        challenge={"target": 350, "achieved": True, "totalPoints": 500},
        badges=["monthly-challenge-points"],
        awards=[{"awardType": "monthly-champion", "scope": "", "category": "", "rank": None}],
        workouts_count=9,
        active_days=7,
        friends_count={"points": 4, "pullups": 1, "pushups": 1, "situps": 1},
        global_count={"points": 120, "pullups": 0, "pushups": 80, "situps": 0},
    )


def email(summary: WeeklySummary | MonthlySummary, period=WEEK) -> EmailRequested:  # type: ignore[no-untyped-def]
    result = summary_email(
        summary,
        period,
        base_url="https://sportify.example",
        unsubscribe_url=UNSUBSCRIBE,
        headers=list_unsubscribe_headers(UNSUBSCRIBE),
    )
    assert isinstance(result, EmailRequested)
    return result


def test_weekly_summary_in_german_says_figures_goals_rank_badges_and_awards() -> None:
    message = email(weekly())

    assert message.kind is EmailKind.WEEKLY_SUMMARY
    assert message.locale == "de"
    assert message.subject == "Deine Woche: 90 Punkte · Platz 2 unter Freunden"
    text = message.body_text
    assert "DEINE WOCHE · 2.–8. Februar 2026" in text
    assert "Punkte: 90 (erste Woche)" in text
    assert "- Laufen: 5,5\u00a0km" in text
    assert "- Klimmzüge: 20 / 20 · Erreicht" in text
    assert "- Liegestütze: 50 / 60 · Noch 10" in text
    assert "- Punkteziel: 90 / 80 · Erreicht" in text
    assert "- Wochen-Challenge: 90 / 85 · Erreicht" in text
    assert "Unter Freunden: Platz 2 von 3" in text
    assert "* Punkteziel erreicht" in text
    assert "* 2. Platz unter deinen Freunden" in text
    assert "Sit-ups" not in text  # no sit-ups this week: not said
    assert 'href="https://sportify.example"' in message.body_html


def test_weekly_summary_in_english() -> None:
    message = email(weekly(locale="en"))

    assert message.subject == "Your week: 90 points · 2nd among friends"
    assert "YOUR WEEK · 2–8 February 2026" in message.body_text
    assert "- Running: 5.5\u00a0km" in message.body_text
    assert "Among friends: 2nd of 3" in message.body_text
    assert "* 2nd place among your friends" in message.body_text
    assert "Points goal" in message.body_html


def test_an_unknown_locale_falls_back_to_german() -> None:
    assert email(weekly(locale="fr")).locale == "de"


def test_monthly_summary_shows_rankings_and_challenge() -> None:
    message = email(monthly(locale="en"), MONTH)

    assert message.kind is EmailKind.MONTHLY_SUMMARY
    assert message.subject == "Your March: 500 points · 2nd among friends"
    assert "Overall · Points: 1st of 120" in message.body_text
    assert "Pull-ups: " not in message.body_text.split("Your rankings")[1]  # not ranked: left out
    assert "- Monthly challenge: 500 / 350 · Reached" in message.body_text
    assert "* Monthly champion: challenge complete" in message.body_text
    assert "Monthly challenge complete" not in message.body_text  # said once, by the award
    assert "Monthly champion" in message.body_html


def test_monthly_summary_of_a_user_out_of_global_rankings_shows_no_overall_rank() -> None:
    summary = monthly()
    opted_out = MonthlySummary(
        recipient=summary.recipient,
        total_points=0,
        activity_totals=TOTALS,
        rankings={"global": None, "friends": summary.rankings["friends"]},
        challenge={"target": 4000, "achieved": False, "totalPoints": 0},
        workouts_count=1,
    )

    message = email(opted_out, MONTH)

    assert "Gesamtwertung" not in message.body_text
    assert "- Monats-Challenge: 0 / 4.000 · Noch 4.000" in message.body_text


@pytest.mark.parametrize("locale", ["de", "en"])
def test_a_hostile_display_name_is_escaped_in_html_and_flattened_in_the_subject(
    locale: str,
) -> None:
    message = email(weekly(display_name=EVIL, locale=locale))

    assert "\r" not in message.subject
    assert "\n" not in message.subject
    assert "Bcc:" not in message.subject  # the name is not in the subject at all
    assert "<script>" not in message.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.body_html
    assert all("\n" not in v and "\r" not in v for v in message.headers.values())


def test_headers_carry_one_click_unsubscribe() -> None:
    message = email(weekly())

    assert message.headers == {
        "List-Unsubscribe": f"<{UNSUBSCRIBE}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert UNSUBSCRIBE in message.body_text


def test_without_an_unsubscribe_link_there_are_no_unsubscribe_headers() -> None:
    result = summary_email(
        weekly(), WEEK, base_url="https://x.example", unsubscribe_url=None, headers={}
    )

    assert isinstance(result, EmailRequested)
    assert result.headers == {}
    assert "unsubscribe" not in result.body_text


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"notifications_enabled": False}, "email-notifications-disabled"),
        ({"email": None}, "no-email-address"),
        ({"email": "   "}, "no-email-address"),
        ({"email": "not-an-address"}, "invalid-email-address"),
    ],
)
def test_users_without_a_usable_address_or_consent_are_skipped(
    overrides: dict[str, object], reason: str
) -> None:
    summary = weekly(**overrides)

    result = summary_email(
        summary, WEEK, base_url="https://x.example", unsubscribe_url=None, headers={}
    )

    assert result == Skipped(summary.recipient.user_id, reason)


def test_idempotency_keys_name_the_local_monday_or_the_month() -> None:
    user = uuid4()

    assert idempotency_key(WEEK, user) == f"weekly-summary:{user}:2026-02-02"
    assert idempotency_key(MONTH, user) == f"monthly-summary:{user}:2026-03"

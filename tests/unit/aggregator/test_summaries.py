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


def test_weekly_summary_in_german_lists_stats_goals_rank_badges_and_awards() -> None:
    message = email(weekly())

    assert message.kind is EmailKind.WEEKLY_SUMMARY
    assert message.locale == "de"
    assert message.subject == "Anna, deine Sportify-Woche vom 02.02.2026 bis 08.02.2026"
    text = message.body_text
    assert "Punkte: 90" in text
    assert "Laufen (km): 5,5" in text
    assert "Übungsziele (Klimmzüge 20, Liegestütze 60): nicht erreicht" in text
    assert "Punkteziel (80): erreicht" in text
    assert "Wochen-Challenge (85 Punkte): erreicht" in text
    assert "Platz 2 von 3" in text
    assert "Wochenziel Punkte" in text
    assert "Freunde-Rangliste · Punkte · unter Freunden · Platz 2" in text
    assert "https://sportify.example" in message.body_html


def test_weekly_summary_in_english() -> None:
    message = email(weekly(locale="en"))

    assert message.subject == "Anna, your Sportify week 2026-02-02 to 2026-02-08"
    assert "Running (km): 5.5" in message.body_text
    assert "place 2 of 3" in message.body_text
    assert "Points goal (80): reached" in message.body_html


def test_an_unknown_locale_falls_back_to_german() -> None:
    assert email(weekly(locale="fr")).locale == "de"


def test_monthly_summary_shows_rankings_and_challenge() -> None:
    message = email(monthly(locale="en"), MONTH)

    assert message.kind is EmailKind.MONTHLY_SUMMARY
    assert message.subject == "Anna, your Sportify month March 2026"
    assert "Global Points: place 1" in message.body_text
    assert "Global Pull-ups: no place" in message.body_text
    assert "Friends Points: place 2" in message.body_text
    assert "Monthly challenge (350 points): reached" in message.body_text
    assert "Monthly champion" in message.body_html


def test_monthly_summary_of_an_opted_out_user_says_so() -> None:
    summary = monthly()
    opted_out = MonthlySummary(
        recipient=summary.recipient,
        total_points=0,
        activity_totals=TOTALS,
        rankings={"global": None, "friends": summary.rankings["friends"]},
        challenge={"target": 4000, "achieved": False, "totalPoints": 0},
    )

    message = email(opted_out, MONTH)

    assert "nicht an globalen Ranglisten" in message.body_text
    assert "Monats-Challenge (4000 Punkte): nicht erreicht" in message.body_text


@pytest.mark.parametrize("locale", ["de", "en"])
def test_a_hostile_display_name_is_escaped_in_html_and_flattened_in_the_subject(
    locale: str,
) -> None:
    message = email(weekly(display_name=EVIL, locale=locale))

    assert "\r" not in message.subject
    assert "\n" not in message.subject
    assert message.subject.startswith("Eve Bcc: victim@example.test")
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

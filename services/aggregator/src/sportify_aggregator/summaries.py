"""Summary emails (SPEC 4.3): who gets one, its key, its content and headers. Pure.

`summary_email` returns the `EmailRequested` to publish, or the reason the user is skipped.
Display names and all user data are escaped in HTML (jinja autoescape) and pass
`safe_header_value` before reaching a header.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any, NamedTuple
from uuid import UUID

from sportify_aggregator import wording
from sportify_aggregator.records import MonthlySummary, Recipient, Summary, WeeklySummary
from sportify_aggregator.templates import render
from sportify_common.emails.headers import safe_header_value
from sportify_common.messages import EmailRequested
from sportify_common.periods import Period, PeriodKind
from sportify_common.vocabulary import ACTIVITY_TYPES, EVALUATED_PERIODS, RANKING_CATEGORIES

SKIP_DISABLED = "email-notifications-disabled"
SKIP_NO_ADDRESS = "no-email-address"
SKIP_INVALID_ADDRESS = "invalid-email-address"
SKIP_ALREADY_QUEUED = "already-queued"

_ADDRESS = re.compile(r"^[^\s@]+@[^\s@]+$")
_MAX_ADDRESS = 320


@dataclass(frozen=True, slots=True)
class Skipped:
    user_id: UUID
    reason: str

    def entry(self) -> dict[str, str]:
        return {"userId": str(self.user_id), "status": "skipped", "reason": self.reason}


def queued_entry(user_id: UUID) -> dict[str, str]:
    return {"userId": str(user_id), "status": "queued"}


def idempotency_key(period: Period, user_id: UUID) -> str:
    """`weekly-summary:<userId>:<YYYY-MM-DD>` / `monthly-summary:<userId>:<YYYY-MM>`."""
    return f"{EVALUATED_PERIODS[period.kind].email_kind.value}:{user_id}:{period.label}"


def address_of(recipient: Recipient) -> str:
    """The address a summary goes to (its user's, trimmed)."""
    return (recipient.email or "").strip()


def skip_reason(recipient: Recipient) -> str | None:
    if not recipient.notifications_enabled:
        return SKIP_DISABLED
    address = address_of(recipient)
    if not address:
        return SKIP_NO_ADDRESS
    if len(address) > _MAX_ADDRESS or not _ADDRESS.match(address):
        return SKIP_INVALID_ADDRESS
    return None


def locale_of(recipient: Recipient) -> str:
    return recipient.locale if recipient.locale in wording.LOCALES else wording.DEFAULT_LOCALE


def format_number(value: Any, locale: str) -> str:
    """12 → "12", 12.5 → "12.5" (de: "12,5"); at most two decimals."""
    if value is None:
        return "-"
    number = float(value)
    text = str(int(number)) if number.is_integer() else f"{number:.2f}".rstrip("0").rstrip(".")
    mark = wording.LOCALES[locale].decimal_mark
    return text if mark == "." else text.replace(".", mark)


@functools.lru_cache(maxsize=64)
def _period_words(period: Period, locale: str) -> Mapping[str, str]:
    """The same for every summary of a run: computed once per period and locale."""
    words = wording.LOCALES[locale]
    fmt = words.date_format
    if period.kind is PeriodKind.WEEKLY:
        last = period.first_day + timedelta(days=6)
        dates = {"first": period.first_day.strftime(fmt), "last": last.strftime(fmt), "month": ""}
    else:
        month = f"{words.months[period.first_day.month - 1]} {period.first_day.year}"
        dates = {"first": "", "last": "", "month": month}
    return MappingProxyType(dates)


# Template rows are named tuples, not dicts: jinja's `a.label` tries getattr first, and on a
# dict every lookup raised and caught an AttributeError.
class Line(NamedTuple):
    label: str
    value: str


class Goal(NamedTuple):
    label: str
    achieved: bool | None


class Placing(NamedTuple):
    label: str
    rank: int | None


def _activities(totals: Mapping[str, Any], locale: str) -> list[Line]:
    names = wording.LOCALES[locale].activities
    return [
        Line(names[kind], format_number(totals.get(kind, 0), locale)) for kind in ACTIVITY_TYPES
    ]


def _badges(slugs: Sequence[str], locale: str) -> list[str]:
    names = wording.LOCALES[locale].badges
    return [names.get(slug, slug) for slug in slugs]


def _awards(awards: Sequence[Mapping[str, Any]], locale: str) -> list[str]:
    words = wording.LOCALES[locale]
    types, scopes, cats, place = words.award_types, words.scopes, words.activities, words.place
    lines = []
    for award in awards:
        parts = [types.get(str(award.get("awardType")), str(award.get("awardType")))]
        category = str(award.get("category") or "")
        if category:
            parts.append(cats.get(category, category))
        scope = scopes.get(str(award.get("scope") or ""), "")
        if scope:
            parts.append(scope)
        if award.get("rank") is not None:
            parts.append(f"{place} {award['rank']}")
        lines.append(" · ".join(parts))
    return lines


def _weekly_goals(goals: Mapping[str, Any], locale: str) -> list[Goal]:
    words = wording.LOCALES[locale]
    exercises = goals.get("exercises") or {}
    points = goals.get("points") or {}
    challenge = goals.get("challenge") or {}
    result = []
    targets = exercises.get("targets") or {}
    if targets:
        listed = ", ".join(
            f"{words.activities.get(k, k)} {format_number(v, locale)}"
            for k, v in sorted(targets.items())
        )
        label = f"{words.exercise_goals} ({listed})"
        result.append(Goal(label, bool(exercises.get("achieved", False))))
    else:
        result.append(Goal(words.no_exercise_goals, None))
    if points.get("target") is not None:
        label = f"{words.points_goal} ({format_number(points['target'], locale)})"
        result.append(Goal(label, bool(points.get("achieved", False))))
    else:
        result.append(Goal(words.no_points_goal, None))
    target = format_number(challenge.get("target"), locale)
    label = f"{words.weekly_challenge} ({target} {words.points})"
    result.append(Goal(label, bool(challenge.get("achieved", False))))
    return result


def _rankings(rankings: Mapping[str, Any], locale: str) -> dict[str, Any]:
    names = wording.LOCALES[locale].activities
    glob, friends = rankings.get("global"), rankings.get("friends") or {}
    return {
        "global": None
        if glob is None
        else [Placing(names[c], glob.get(c)) for c in RANKING_CATEGORIES],
        "friends": [Placing(names[c], friends.get(c)) for c in RANKING_CATEGORIES],
    }


def summary_context(
    summary: Summary, period: Period, *, base_url: str, unsubscribe_url: str | None
) -> dict[str, Any]:
    locale = locale_of(summary.recipient)
    context: dict[str, Any] = {
        "name": summary.recipient.display_name,
        **_period_words(period, locale),
        "points": format_number(summary.total_points, locale),
        "activities": _activities(summary.activity_totals, locale),
        "badges": _badges(summary.badges, locale),
        "awards": _awards(summary.awards, locale),
        "base_url": base_url,
        "unsubscribe_url": unsubscribe_url,
    }
    if isinstance(summary, WeeklySummary):
        context.update(
            workouts=summary.workouts_count,
            goals=_weekly_goals(summary.goals, locale),
            rank=summary.rank,
            participants=summary.participant_count,
        )
    else:
        challenge = summary.challenge
        context.update(
            rankings=_rankings(summary.rankings, locale),
            challenge_target=format_number(challenge.get("target"), locale),
            challenge_achieved=bool(challenge.get("achieved", False)),
        )
    return context


def subject(summary: Summary, period: Period) -> str:
    locale = locale_of(summary.recipient)
    template = wording.LOCALES[locale].subjects[period.kind.value]
    name = safe_header_value(summary.recipient.display_name, max_length=100)
    return safe_header_value(template.format(name=name, **_period_words(period, locale)))


def summary_email(
    summary: Summary,
    period: Period,
    *,
    base_url: str,
    unsubscribe_url: str | None,
    headers: Mapping[str, str],
) -> EmailRequested | Skipped:
    recipient = summary.recipient
    reason = skip_reason(recipient)
    if reason is not None:
        return Skipped(recipient.user_id, reason)
    return EmailRequested(
        idempotency_key=idempotency_key(period, recipient.user_id),
        kind=EVALUATED_PERIODS[period.kind].email_kind,
        recipient=address_of(recipient),
        user_id=recipient.user_id,
        **rendered_fields(summary, period, base_url, unsubscribe_url, headers),
    )


def rendered_fields(
    summary: Summary,
    period: Period,
    base_url: str,
    unsubscribe_url: str | None,
    headers: Mapping[str, str],
) -> dict[str, Any]:
    """The email's locale, subject, bodies and headers, whoever it goes to (a preview shows
    them for a user who would be skipped, too)."""
    locale = locale_of(summary.recipient)
    context = summary_context(summary, period, base_url=base_url, unsubscribe_url=unsubscribe_url)
    name = period.kind.value  # the templates: weekly.de.txt, monthly.en.html, ...
    assert isinstance(summary, WeeklySummary | MonthlySummary)  # noqa: S101 - narrowing
    return {
        "locale": locale,
        "subject": subject(summary, period),
        "body_text": render(f"{name}.{locale}.txt", context),
        "body_html": render(f"{name}.{locale}.html", context),
        "headers": {k: safe_header_value(v) for k, v in headers.items()},
    }

"""A summary's content in its reader's words, and the email parts rendered from it. Pure.

`email_parts(summary, period, ...)` returns the subject, text and HTML; the rows the
templates lay out come from `view`.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any, NamedTuple

from sportify_aggregator import view
from sportify_aggregator.content import Content, content_of
from sportify_aggregator.numbers import format_number
from sportify_aggregator.records import Summary
from sportify_aggregator.templates import render
from sportify_aggregator.wording import LOCALES, Wording
from sportify_common.periods import Period, PeriodKind


class EmailParts(NamedTuple):
    subject: str
    text: str
    html: str


def period_label(period: Period, words: Wording) -> str:
    """The same for every summary of a run: computed once per period and locale."""
    return _period_label(period, words.locale)


@functools.lru_cache(maxsize=64)
def _period_label(period: Period, locale: str) -> str:
    words = LOCALES[locale]
    if period.kind is PeriodKind.WEEKLY:
        return words.period(period.first_day, period.first_day + timedelta(days=6))
    return words.month(period.first_day)


def subject(content: Content, period: Period, words: Wording) -> str:
    kind = words.weekly if content.weekly else words.monthly
    lead = kind.subject.format(month=words.month_name(period.first_day))
    if content.empty:
        return f"{lead}: {words.subject_empty}"
    points = words.subject_points(format_number(content.points.value, words.locale))
    rank = content.friends_rank
    if rank.rank is not None and rank.of > 1:
        return f"{lead}: {points} · {words.subject_rank(rank.rank)}"
    return f"{lead}: {points} · {words.subject_workouts(int(content.workouts.value))}"


def context_of(
    summary: Summary, period: Period, words: Wording, *, base_url: str, unsubscribe_url: str | None
) -> dict[str, Any]:
    content = content_of(summary)
    kind = words.weekly if content.weekly else words.monthly
    name = summary.recipient.display_name
    rank = content.friends_rank
    tiles = view.tiles(content, kind, words)
    rank_phrase = view.rank_text(rank, words) if rank.rank is not None and rank.of > 1 else ""
    return {
        "lang": words.locale,
        "subject": subject(content, period, words),
        "preheader": words.preheader_empty
        if content.empty
        else words.preheader(int(content.workouts.value), rank_phrase),
        "kicker": kind.kicker,
        "period": period_label(period, words),
        "greeting": words.greeting(name) if content.weekly else words.greeting_month(name),
        "empty": content.empty,
        "empty_title": kind.empty_title,
        "empty_text": kind.empty_text,
        "tiles": tiles,
        "tile_rows": [tiles[i : i + 2] for i in range(0, len(tiles), 2)],
        "activities_title": words.activities_title,
        "activities": view.activities(content, kind, words),
        "goals_title": words.goals_title,
        "goals": [view.goal(g, kind, words) for g in content.goals],
        "ranks_title": words.ranks_title,
        "ranks": view.ranks(content, words),
        "board_title": words.board_title,
        "board": view.board(content, words),
        "earned_title": words.earned_title,
        "badges": [words.badges.get(slug, slug) for slug in content.badges],
        "awards": [
            words.award(a.award_type, a.scope, words.activities.get(a.category, a.category), a.rank)
            for a in content.awards
        ],
        "button": kind.empty_button if content.empty else kind.button,
        "base_url": base_url,
        "why": kind.why,
        "unsubscribe": kind.unsubscribe,
        "unsubscribe_url": unsubscribe_url,
        "footer": words.footer,
    }


def email_parts(
    summary: Summary, period: Period, words: Wording, *, base_url: str, unsubscribe_url: str | None
) -> EmailParts:
    context = context_of(summary, period, words, base_url=base_url, unsubscribe_url=unsubscribe_url)
    return EmailParts(
        context["subject"], render("summary.txt", context), render("summary.html", context)
    )

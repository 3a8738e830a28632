"""The rule tables list what a period's users earn in the order the results' lists need."""

from __future__ import annotations

from sportify_aggregator import monthly, weekly
from sportify_aggregator.sql.earned import MONTHLY_RULES, WEEKLY_RULES
from sportify_common.vocabulary import RANKING_CATEGORIES


def test_weekly_badges_are_listed_by_slug() -> None:
    slugs = [rule.columns.strip("'") for rule in WEEKLY_RULES.badges]

    assert slugs == sorted([weekly.BADGE_EXERCISES, weekly.BADGE_POINTS, weekly.BADGE_CHALLENGE])


def test_monthly_awards_are_listed_by_type_scope_and_category() -> None:
    keys = [
        tuple(part.strip().strip("'") for part in rule.columns.split(",")[:3])
        for rule in MONTHLY_RULES.awards
    ]

    assert keys == sorted(keys)
    assert len(keys) == 2 * len(RANKING_CATEGORIES) + 1
    assert (monthly.AWARD_CHAMPION, "", "") in keys

"""The rows a summary template lays out: ready strings in the reader's words. Pure.

Named tuples, not dicts: jinja's `a.label` on a dict tried getattr first and raised and
caught an AttributeError per lookup.
"""

from __future__ import annotations

from typing import NamedTuple

from sportify_aggregator.content import Content, Figure, Progress, Rank
from sportify_aggregator.numbers import format_change, format_number
from sportify_aggregator.wording import Wording
from sportify_aggregator.wording.shape import KindWords
from sportify_common.vocabulary import POINTS

NBSP = "\u00a0"
EN_DASH = "\u2013"


# The colour of a change, by its tone: on the dark tiles, and on the white card.
TILE_COLOURS = {"up": "#47cd89", "down": "#f97066", "same": "#d0d5dd", "note": "#98a2b3"}
ROW_COLOURS = {"up": "#079455", "down": "#d92d20", "same": "#667085", "note": "#667085"}


class Tile(NamedTuple):
    label: str
    value: str
    detail: str  # after the value: "von 5", "Wochen in Folge"
    change: str
    colour: str


class Row(NamedTuple):
    label: str
    value: str
    change: str
    colour: str


class GoalRow(NamedTuple):
    label: str
    progress: str
    status: str
    percent: int
    reached: bool


class BoardRow(NamedTuple):
    place: str
    name: str
    points: str
    is_reader: bool
    row_class: str  # the reader's row stands out: its class (dark mode) and inline style
    row_style: str
    place_colour: str


_READER_ROW = ("sp-me", "font-weight:700;background:#fff4ed;")
_FRIEND_ROW = ("", "")


def _tile(label: str, value: str, detail: str, change: str, tone: str) -> Tile:
    return Tile(label, value, detail, change, TILE_COLOURS[tone])


def _row(label: str, value: str, change: str, tone: str) -> Row:
    return Row(label, value, change, ROW_COLOURS[tone])


def _tone(change: float) -> str:
    return "up" if change > 0 else "down" if change < 0 else "same"


def _with_unit(value: float, unit: str, locale: str) -> str:
    number = format_number(value, locale)
    return f"{number}{NBSP}{unit}" if unit else number


def _change(
    figure: Figure,
    content: Content,
    kind: KindWords,
    words: Wording,
    unit: str = "",
    *,
    first: bool = True,
) -> tuple[str, str]:
    """The change as read ("▲ 120 zur Vorwoche") and its tone; "erste Woche" (when `first`
    says so) if there was no previous period."""
    if figure.change is None:
        return (kind.first, "note") if content.first and first else ("", "note")
    text = format_change(figure.change, words.locale)
    if unit and figure.change:
        text = f"{text}{NBSP}{unit}"
    return f"{text} {kind.versus}", _tone(figure.change)


def rank_text(rank: Rank, words: Wording) -> str:
    if rank.rank is None:
        return words.not_ranked
    return f"{words.place(rank.rank)} {words.of(rank.of)}"


def tiles(content: Content, kind: KindWords, words: Wording) -> list[Tile]:
    locale = words.locale
    figures = [(words.points, content.points), (words.workouts, content.workouts)]
    if content.active_days is not None:
        figures.append((words.active_days, content.active_days))
    tiles = [
        _tile(label, format_number(f.value, locale), "", *_change(f, content, kind, words))
        for label, f in figures
    ]
    tiles.append(_rank_tile(content, kind, words))
    if content.weekly:
        weeks = content.streak_weeks
        tiles.append(
            _tile(words.streak_label, format_number(weeks, locale), words.streak(weeks), "", "note")
        )
    return tiles


def _rank_tile(content: Content, kind: KindWords, words: Wording) -> Tile:
    rank = content.friends_rank
    if rank.rank is None:
        return _tile(words.friends_rank, EN_DASH, words.not_ranked, "", "note")
    if content.rank_change is not None:
        change, tone = words.places_change(content.rank_change), _tone(content.rank_change)
    else:
        change, tone = (kind.first, "note") if content.first else ("", "note")
    return _tile(words.friends_rank, words.place(rank.rank), words.of(rank.of), change, tone)


def activities(content: Content, kind: KindWords, words: Wording) -> list[Row]:
    rows = []
    for figure in content.activities:
        unit = words.units.get(figure.key, "")
        rows.append(
            _row(
                words.activities[figure.key],
                _with_unit(figure.value, unit, words.locale),
                *_change(figure, content, kind, words, unit, first=False),
            )
        )
    return rows


def goal(goal: Progress, kind: KindWords, words: Wording) -> GoalRow:
    unit = words.units.get(goal.key, "")
    locale = words.locale
    if goal.key == "challenge":
        label = kind.challenge
    elif goal.key == POINTS:
        label = words.points_goal
    else:
        label = words.activities[goal.key]
    progress = words.progress(
        format_number(goal.value, locale), _with_unit(goal.target, unit, locale)
    )
    status = (
        words.reached if goal.reached else words.missing(_with_unit(goal.missing, unit, locale))
    )
    return GoalRow(label, progress, status, goal.percent, goal.reached)


def ranks(content: Content, words: Wording) -> list[Row]:
    names = words.activities
    rows = [
        _row(words.overall(names[r.key]), rank_text(r, words), "", "note")
        for r in content.global_ranks
    ]
    rows += [
        _row(words.among_friends(names[r.key]), rank_text(r, words), "", "note")
        for r in content.friend_ranks
    ]
    return rows


def board(content: Content, words: Wording) -> list[BoardRow]:
    if len(content.board) < 2:
        return []  # a board of one says nothing
    return [
        BoardRow(
            str(place.rank),
            f"{place.display_name} ({words.you})" if place.is_reader else place.display_name,
            f"{format_number(place.total_points, words.locale)}{NBSP}{words.board_points}",
            place.is_reader,
            *(_READER_ROW if place.is_reader else _FRIEND_ROW),
            "#fc4c02" if place.rank == 1 else "#475467",
        )
        for place in content.board
    ]

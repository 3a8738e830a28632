"""The statistics' columns, named from `sportify_common.vocabulary`, and SQL fragments over them.

`agg_stats` has one column per activity type (its total) and `total_points`; a ranking
category reads the column `CATEGORY_COLUMNS[category]`. Every name passes `identifier`, so a
new activity type is added to the vocabulary and nowhere here.
"""

from __future__ import annotations

from typing import Final

from sportify_aggregator.sql.literals import identifier, literal
from sportify_common.vocabulary import ACTIVITY_TYPES, POINTS, RANKING_CATEGORIES

TYPES: Final = tuple(identifier(t) for t in ACTIVITY_TYPES)

CATEGORY_COLUMNS: Final = {
    identifier(c): "total_points" if c == POINTS else identifier(c) for c in RANKING_CATEGORIES
}
"""Ranking category -> its column in agg_stats."""

POINTS_GOAL: Final = literal(POINTS)
"""The goal_type of a points goal, as a literal (every other goal is an activity type)."""

KNOWN_TYPES: Final = ", ".join(f"'{t}'" for t in TYPES)
"""The activity types with a column, as a list of literals (`activity_type not in (...)`)."""

QUANTITY_SUMS: Final = ",\n".join(
    f"sum(a.quantity) filter (where a.activity_type = '{t}') as q_{t}" for t in TYPES
)
TYPE_COUNTS: Final = ",\n".join(
    f"count(*) filter (where a.activity_type = '{t}') as c_{t}" for t in TYPES
)
TOTALS: Final = ", ".join(f"coalesce(p.q_{t}, 0) as {t}" for t in TYPES)
"""agg_stats' activity columns from the per-user sums `p.q_<type>` (0 when none)."""

COUNTS_JSON: Final = ", ".join(f"'{t}', nullif(p.c_{t}, 0)" for t in TYPES)
"""jsonb_build_object arguments: each type's count from `p.c_<type>`, null when none."""

TOTALS_JSON: Final = (
    "jsonb_build_object(" + ", ".join(f"'{t}', trim_scale(s.{t})" for t in TYPES) + ")"
)
"""activity_totals of a statistics row `s`: all types, 0 when none."""

GOAL_ACTUAL: Final = (
    "case g.goal_type " + " ".join(f"when '{t}' then s.{t}" for t in TYPES) + " end"
)
"""What a statistics row `s` reached for the activity goal `g` (null for a points goal)."""

"""Competition ranking (SPEC 4): rank = 1 + the number of participants with a strictly greater
value, so 90, 80, 80, 70 rank 1, 2, 2, 4. Pure; production ranks come from SQL, this is the rule
and the oracle the SQL is tested against."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

Value = Decimal | int | float


def competition_ranks(values: Sequence[Value]) -> list[int]:
    """The rank of each value among all of them, in input order."""
    return [rank_among(value, values) for value in values]


def rank_among(value: Value, others: Iterable[Value]) -> int:
    """1 + how many of `others` are strictly greater (the value itself never counts)."""
    return 1 + sum(1 for other in others if other > value)

"""The monthly rules put code constants into SQL as literals: only plain slugs get through."""

from __future__ import annotations

import pytest

from sportify_aggregator.monthly_queries import _literal


def test_a_slug_becomes_a_quoted_literal() -> None:
    assert _literal("category-rank-award") == "'category-rank-award'"
    assert _literal("") == "''"


@pytest.mark.parametrize("value", ["x'; drop table awards; --", "Points", "a b", "a\\b", "ä"])
def test_anything_but_a_plain_slug_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a plain constant"):
        _literal(value)

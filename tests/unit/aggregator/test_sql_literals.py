"""Code constants enter the aggregator's SQL as literals or identifiers: only plain ones get through."""

from __future__ import annotations

import pytest

from sportify_aggregator.sql.literals import identifier, literal


def test_a_slug_becomes_a_quoted_literal() -> None:
    assert literal("category-rank-award") == "'category-rank-award'"
    assert literal("") == "''"


@pytest.mark.parametrize("value", ["x'; drop table awards; --", "Points", "a b", "a\\b", "ä"])
def test_anything_but_a_plain_slug_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a plain constant"):
        literal(value)


def test_a_column_name_passes_as_itself() -> None:
    assert identifier("total_points") == "total_points"


@pytest.mark.parametrize("name", ["", "1st", "pull-ups", "a b", "x; drop table awards", "Ä"])
def test_anything_but_a_plain_identifier_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a plain identifier"):
        identifier(name)

from __future__ import annotations

from hypothesis import given, strategies as st

from sportify_aggregator.ranking import competition_ranks, rank_among

values = st.lists(st.integers(min_value=0, max_value=20), max_size=30)


def test_ties_share_a_rank_and_the_next_rank_is_skipped() -> None:
    assert competition_ranks([90, 80, 80, 70]) == [1, 2, 2, 4]


def test_ranks_follow_input_order() -> None:
    assert competition_ranks([70, 90, 80, 80]) == [4, 1, 2, 2]


def test_everyone_tied_is_first() -> None:
    assert competition_ranks([0, 0, 0]) == [1, 1, 1]


def test_a_value_ranks_among_others_without_counting_itself() -> None:
    assert rank_among(50, [60, 50, 40]) == 2


@given(values)
def test_equal_values_always_share_a_rank(vals: list[int]) -> None:
    ranks = competition_ranks(vals)

    for i, v in enumerate(vals):
        for j, w in enumerate(vals):
            if v == w:
                assert ranks[i] == ranks[j]


@given(values)
def test_a_greater_value_always_ranks_strictly_better(vals: list[int]) -> None:
    ranks = competition_ranks(vals)

    for i, v in enumerate(vals):
        for j, w in enumerate(vals):
            if v > w:
                assert ranks[i] < ranks[j]


@given(values)
def test_rank_is_one_plus_the_number_of_strictly_greater_values(vals: list[int]) -> None:
    ranks = competition_ranks(vals)

    for rank, v in zip(ranks, vals, strict=True):
        assert rank == 1 + len([w for w in vals if w > v])
        assert 1 <= rank <= len(vals)


@given(values.filter(bool))
def test_the_best_value_is_always_ranked_first(vals: list[int]) -> None:
    assert competition_ranks(vals)[vals.index(max(vals))] == 1

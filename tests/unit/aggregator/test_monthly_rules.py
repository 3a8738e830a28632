from __future__ import annotations

from decimal import Decimal

from sportify_aggregator.monthly import FriendsRank, UserMonth, evaluate_month, friends_rank

D = Decimal


def month(points: int, pullups: int = 0, *, ranked: bool = True) -> UserMonth:
    return UserMonth(
        {"points": D(points), "pullups": D(pullups), "pushups": D(0), "situps": D(0)}, ranked
    )


def test_global_ranks_skip_zero_values_and_opted_out_users() -> None:
    users = {
        "a": month(500),
        "b": month(300),
        "c": month(300),
        "d": month(0),
        "e": month(900, ranked=False),
    }

    outcome = evaluate_month(users, {}, challenge_target=D(4000))

    assert {k: (o.global_ranks or {}).get("points") for k, o in outcome.items()} == {
        "a": 1,
        "b": 2,
        "c": 2,
        "d": None,
        "e": None,
    }
    assert outcome["e"].global_ranks is None


def test_everyone_tied_inside_the_top_three_gets_the_global_award() -> None:
    users = {"a": month(5), "b": month(4), "c": month(3), "d": month(3), "e": month(2)}

    outcome = evaluate_month(users, {}, challenge_target=D(4000))

    winners = {
        k
        for k, o in outcome.items()
        if ("category-rank-award", "global", "points", 3) in o.awards()
    }
    assert winners == {"c", "d"}
    assert not any(a[1] == "global" for a in outcome["e"].awards())


def test_friends_with_zero_do_not_take_part() -> None:
    assert friends_rank(D(10), [D(0), D(0)]) == FriendsRank(1, 1)
    assert not friends_rank(D(10), [D(0)]).award


def test_a_user_with_zero_has_no_friends_rank() -> None:
    assert friends_rank(D(0), [D(5)]).rank is None


def test_friends_rank_counts_strictly_greater_friends() -> None:
    result = friends_rank(D(10), [D(20), D(10), D(5)])

    assert result == FriendsRank(2, 4)
    assert result.award


def test_opting_out_of_global_rankings_keeps_friends_rankings() -> None:
    users = {"a": month(600, ranked=False), "b": month(300)}

    outcome = evaluate_month(users, {"a": ["b"], "b": ["a"]}, challenge_target=D(4000))

    assert outcome["a"].friends_ranks["points"] == FriendsRank(1, 2)
    assert ("category-rank-award", "friends", "points", 1) in outcome["a"].awards()


def test_reaching_the_challenge_earns_the_monthly_champion_award() -> None:
    outcome = evaluate_month({"a": month(350)}, {}, challenge_target=D(350))

    assert outcome["a"].challenge_achieved
    assert ("monthly-champion", "", "", None) in outcome["a"].awards()

from __future__ import annotations

from decimal import Decimal

from sportify_aggregator.weekly import UserWeek, evaluate_week

D = Decimal
NONE = {"pullups": D(0), "pushups": D(0), "situps": D(0), "running": D(0), "cycling": D(0)}


def week(points: int = 0, goals: dict[str, int] | None = None, **totals: float) -> UserWeek:
    return UserWeek(
        total_points=D(points),
        activity_totals={**NONE, **{k: D(str(v)) for k, v in totals.items()}},
        goals={k: D(v) for k, v in (goals or {}).items()},
    )


def test_exercise_goals_are_reached_when_every_activity_goal_is_reached() -> None:
    outcome = evaluate_week(
        week(goals={"pullups": 20, "running": 5}, pullups=20, running=5.5),
        challenge_target=D(1000),
    )

    assert outcome.exercises_achieved
    assert "weekly-goal-exercises" in outcome.badges


def test_exercise_goals_are_missed_when_one_activity_goal_is_missed() -> None:
    outcome = evaluate_week(
        week(goals={"pullups": 20, "pushups": 60}, pullups=20, pushups=50),
        challenge_target=D(1000),
    )

    assert not outcome.exercises_achieved


def test_without_activity_goals_the_exercise_goal_is_not_reached() -> None:
    outcome = evaluate_week(week(100, goals={"points": 10}), challenge_target=D(1000))

    assert not outcome.exercises_achieved
    assert outcome.points_achieved


def test_points_goal_is_reached_at_exactly_the_target() -> None:
    assert evaluate_week(week(80, goals={"points": 80}), challenge_target=D(1000)).points_achieved


def test_points_goal_needs_a_points_goal() -> None:
    assert not evaluate_week(week(10_000), challenge_target=D(1000)).points_achieved


def test_challenge_is_reached_at_exactly_the_target() -> None:
    outcome = evaluate_week(week(85), challenge_target=D(85))

    assert outcome.challenge_achieved
    assert outcome.badges == ("weekly-challenge-points",)


def test_badges_come_in_a_fixed_order() -> None:
    outcome = evaluate_week(
        week(100, goals={"points": 50, "situps": 1}, situps=1), challenge_target=D(100)
    )

    assert outcome.badges == (
        "weekly-goal-exercises",
        "weekly-goal-points",
        "weekly-challenge-points",
    )


def test_leaderboard_award_needs_a_top_three_rank_a_friend_and_points() -> None:
    def award(points: int, rank: int, participants: int) -> bool:
        w = UserWeek(D(points), NONE, {}, rank, participants)
        return evaluate_week(w, challenge_target=D(1000)).leaderboard_award

    assert award(10, 3, 2)
    assert not award(10, 4, 5)
    assert not award(10, 1, 1)
    assert not award(0, 1, 3)

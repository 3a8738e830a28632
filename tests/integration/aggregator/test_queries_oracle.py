"""The set-wise SQL agrees with the pure rules (the oracle) on small random worlds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sportify_aggregator.evaluation import EVALUATORS
from sportify_aggregator.monthly import BADGE_CHALLENGE, UserMonth, evaluate_month
from sportify_aggregator.ranking import rank_among
from sportify_aggregator.records import PeriodRun
from sportify_aggregator.sql import monthly as monthly_sql, shadow
from sportify_aggregator.weekly import UserWeek, evaluate_week
from sportify_common.jobs.names import JobName
from sportify_common.periods import Period, month_of, week_of
from sportify_common.settings import Settings
from sportify_common.vocabulary import ACTIVITY_TYPES, RANKING_CATEGORIES
from tests.support.factories import LONG_AGO

pytestmark = pytest.mark.integration

D = Decimal
KINDS = ["pullups", "pushups", "situps", "running", "yoga"]
CHALLENGE = D(6)


@dataclass(frozen=True)
class World:
    ranked: list[bool]
    activities: list[dict[str, tuple[int, int]]]  # type -> (quantity, points)
    edges: dict[tuple[int, int], str]
    goals: list[dict[str, int]]

    @property
    def size(self) -> int:
        return len(self.ranked)

    def friends(self, i: int) -> set[int]:
        return {
            (b if a == i else a)
            for (a, b), status in self.edges.items()
            if status == "accepted" and i in (a, b) and a != b
        }

    def points(self, i: int) -> Decimal:
        return D(sum(p for _, p in self.activities[i].values()))

    def total(self, i: int, kind: str) -> Decimal:
        return D(self.activities[i].get(kind, (0, 0))[0])


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n = draw(st.integers(min_value=1, max_value=6))
    index = st.integers(min_value=0, max_value=n - 1)
    amount = st.tuples(st.integers(0, 4), st.integers(0, 4))
    return World(
        ranked=draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        activities=draw(
            st.lists(
                st.dictionaries(st.sampled_from(KINDS), amount, max_size=3), min_size=n, max_size=n
            )
        ),
        edges=draw(
            st.dictionaries(
                st.tuples(index, index),
                st.sampled_from(["accepted", "accepted", "pending", "declined"]),
                max_size=10,
            )
        ),
        goals=draw(
            st.lists(
                st.dictionaries(
                    st.sampled_from(["points", *ACTIVITY_TYPES]), st.integers(1, 4), max_size=3
                ),
                min_size=n,
                max_size=n,
            )
        ),
    )


async def insert_world(conn: AsyncConnection, world: World, period: Period) -> list[UUID]:
    ids = [uuid4() for _ in range(world.size)]
    day = period.start + timedelta(days=1)
    for i, user in enumerate(ids):
        await conn.execute(
            text(
                "insert into users (id, email, display_name, show_in_global_rankings, created_at) "
                "values (:id, null, 'x', :ranked, :created)"
            ),
            {"id": user, "ranked": world.ranked[i], "created": LONG_AGO},
        )
        workout = uuid4()
        await conn.execute(
            text("insert into workouts (id, user_id, start_time) values (:id, :u, :t)"),
            {"id": workout, "u": user, "t": day},
        )
        for kind, (quantity, points) in world.activities[i].items():
            await conn.execute(
                text(
                    "insert into workout_activities (id, workout_id, activity_type, quantity, points) "
                    "values (:id, :w, :k, :q, :p)"
                ),
                {"id": uuid4(), "w": workout, "k": kind, "q": D(quantity), "p": D(points)},
            )
        for goal, target in world.goals[i].items():
            await conn.execute(
                text("insert into user_weekly_goals values (:u, :g, :t)"),
                {"u": user, "g": goal, "t": D(target)},
            )
    for (a, b), status in world.edges.items():
        await conn.execute(
            text("insert into friendships (user_id, friend_id, status) values (:a, :b, :s)"),
            {"a": ids[a], "b": ids[b], "s": status},
        )
    return ids


async def evaluate(conn: AsyncConnection, period: Period, job: JobName) -> None:
    run = PeriodRun(period, CHALLENGE, uuid4(), period.end)
    for step in EVALUATORS[job].steps:
        await step(conn, run)


async def fetch(conn: AsyncConnection, sql: str) -> dict[UUID, dict[str, Any]]:
    return {r["user_id"]: dict(r) for r in (await conn.execute(text(sql))).mappings()}


CHECKS = hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@CHECKS
@given(world=worlds())
async def test_weekly_sql_matches_the_pure_rules(
    world: World, settings: Settings, engine: AsyncEngine
) -> None:
    period = week_of(date(2026, 2, 2), settings.zone)
    async with engine.connect() as conn, conn.begin() as tx:
        ids = await insert_world(conn, world, period)
        await evaluate(conn, period, JobName.WEEKLY_EVENTS)
        weekly = await fetch(conn, "select * from weekly_results")
        board = await fetch(conn, "select * from leaderboard_results")
        awards = await fetch(conn, "select * from awards")
        await tx.rollback()

    for i, user in enumerate(ids):
        friends = world.friends(i)
        rank = rank_among(world.points(i), [world.points(f) for f in friends])
        week = UserWeek(
            total_points=world.points(i),
            activity_totals={k: world.total(i, k) for k in ACTIVITY_TYPES},
            goals={k: D(v) for k, v in world.goals[i].items()},
            rank=rank,
            participant_count=1 + len(friends),
        )
        outcome = evaluate_week(week, challenge_target=CHALLENGE)
        assert weekly[user]["leaderboard_rank"] == rank
        assert board[user]["participant_count"] == 1 + len(friends)
        assert weekly[user]["total_points"] == world.points(i)
        assert weekly[user]["badges_awarded"] == sorted(outcome.badges)
        assert weekly[user]["goals"]["exercises"]["achieved"] == outcome.exercises_achieved
        assert weekly[user]["goals"]["points"]["achieved"] == outcome.points_achieved
        assert (user in awards) == outcome.leaderboard_award
        if outcome.leaderboard_award:
            assert awards[user]["rank"] == rank


@CHECKS
@given(world=worlds())
async def test_monthly_sql_matches_the_pure_rules(
    world: World, settings: Settings, engine: AsyncEngine
) -> None:
    period = month_of(date(2026, 3, 1), settings.zone)
    async with engine.connect() as conn, conn.begin() as tx:
        ids = await insert_world(conn, world, period)
        await evaluate(conn, period, JobName.MONTHLY_EVENTS)
        monthly = await fetch(conn, "select * from monthly_results")
        result = await conn.execute(
            text("select user_id, award_type, scope, category, rank from awards")
        )
        awards = {(r[0], r[1], r[2], r[3], r[4]) for r in result}
        await tx.rollback()

    users = {
        user: UserMonth(
            {
                "points": world.points(i),
                **{c: world.total(i, c) for c in RANKING_CATEGORIES if c != "points"},
            },
            world.ranked[i],
        )
        for i, user in enumerate(ids)
    }
    friends = {user: [ids[f] for f in world.friends(i)] for i, user in enumerate(ids)}
    outcomes = evaluate_month(users, friends, challenge_target=CHALLENGE)
    expected_awards = set()
    for user, outcome in outcomes.items():
        rankings = monthly[user]["rankings"]
        assert rankings["global"] == (
            None if outcome.global_ranks is None else dict(outcome.global_ranks)
        )
        assert rankings["friends"] == {c: r.rank for c, r in outcome.friends_ranks.items()}
        assert monthly[user]["challenge"]["achieved"] == outcome.challenge_achieved
        assert monthly[user]["badges_awarded"] == (
            [BADGE_CHALLENGE] if outcome.challenge_achieved else []
        )
        # The results' list holds the same awards as the table, by type, scope and category.
        assert monthly[user]["awards_awarded"] == [
            {"awardType": kind, "scope": scope, "category": category, "rank": rank}
            for kind, scope, category, rank in sorted(outcome.awards(), key=lambda a: a[:3])
        ]
        expected_awards |= {(user, *award) for award in outcome.awards()}
    assert awards == expected_awards


@CHECKS
@given(world=worlds())
async def test_a_previews_circle_global_ranks_are_the_runs(
    world: World, settings: Settings, engine: AsyncEngine
) -> None:
    """The preview's narrow global pass (`create_circle_global_ranks`) ranks every circle
    member as the run's `create_global_ranks` does, and counts the same N."""
    period = month_of(date(2026, 3, 1), settings.zone)
    run = PeriodRun(period, CHALLENGE, uuid4(), period.end)
    circles: dict[UUID, dict[UUID, dict[str, Any]]] = {}
    async with engine.connect() as conn, conn.begin() as tx:
        ids = await insert_world(conn, world, period)
        await insert_outsiders(conn, period)
        for user in ids:
            await shadow.create_circle(conn, user)
            await monthly_sql.create_circle_global_ranks(conn, run)
            circles[user] = await fetch(conn, "select * from agg_global")
            counts = (await conn.execute(text("select * from agg_global_counts"))).mappings().one()
            for table in ("preview_circle", "agg_global", "agg_global_counts"):
                await conn.execute(text(f"drop table pg_temp.{table}"))
            expected_counts = {
                f"n_{c}": sum(
                    1 for i in range(world.size) if world.ranked[i] and value_of(world, i, c) > 0
                )
                for c in RANKING_CATEGORIES
            }
            assert dict(counts) == expected_counts
        await tx.rollback()

    users = {
        user: UserMonth({c: value_of(world, i, c) for c in RANKING_CATEGORIES}, world.ranked[i])
        for i, user in enumerate(ids)
    }
    outcomes = evaluate_month(users, {user: [] for user in ids}, challenge_target=CHALLENGE)
    for i, user in enumerate(ids):
        circle = {user} | {ids[f] for f in world.friends(i)}
        assert set(circles[user]) == circle
        for member, row in circles[user].items():
            expected = outcomes[member].global_ranks or dict.fromkeys(RANKING_CATEGORIES)
            assert {c: row[f"g_{c}"] for c in RANKING_CATEGORIES} == expected, (member, row)


def value_of(world: World, i: int, category: str) -> Decimal:
    return world.points(i) if category == "points" else world.total(i, category)


async def insert_outsiders(conn: AsyncConnection, period: Period) -> None:
    """A deleted user and one created after the month, both opted in and with the month's
    highest values: neither is ranked nor counted."""
    for deleted_at, created_at in ((period.start, LONG_AGO), (None, period.end)):
        user, workout = uuid4(), uuid4()
        await conn.execute(
            text(
                "insert into users (id, email, display_name, show_in_global_rankings, created_at,"
                " deleted_at) values (:id, null, 'x', true, :created, :deleted)"
            ),
            {"id": user, "created": created_at, "deleted": deleted_at},
        )
        await conn.execute(
            text("insert into workouts (id, user_id, start_time) values (:id, :u, :t)"),
            {"id": workout, "u": user, "t": period.start + timedelta(days=2)},
        )
        for kind in ("pullups", "pushups", "situps"):
            await conn.execute(
                text(
                    "insert into workout_activities (id, workout_id, activity_type, quantity,"
                    " points) values (:id, :w, :k, 99, 99)"
                ),
                {"id": uuid4(), "w": workout, "k": kind},
            )

"""The demo's cast: a dozen athletes with friendships, goals and workouts in the last closed
week and month. Fixed ids (uuid5), so running the demo again adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common.periods import Period


@dataclass(frozen=True, slots=True)
class Athlete:
    name: str
    locale: str
    email: bool = True
    notifications: bool = True
    global_rankings: bool = True
    # activities per workout day: (type, quantity, points)
    routine: tuple[tuple[str, float, float], ...] = ()
    days: tuple[int, ...] = (0, 2, 4)

    @property
    def id(self) -> UUID:
        return uuid5(NAMESPACE_URL, f"sportify-demo/{self.name}")


ATHLETES = (
    Athlete(
        "Anna Becker", "de", routine=(("pullups", 20, 40), ("running", 8, 80)), days=(0, 1, 3, 5)
    ),
    Athlete("Ben Carter", "en", routine=(("pushups", 60, 60), ("cycling", 25, 75)), days=(1, 3, 5)),
    Athlete(
        "Clara Diaz", "en", routine=(("situps", 50, 50), ("running", 5, 50)), days=(0, 2, 4, 6)
    ),
    Athlete("David Engel", "de", routine=(("pullups", 15, 30), ("pushups", 40, 40)), days=(2, 5)),
    Athlete("Emma Fischer", "de", routine=(("running", 12, 120),), days=(0, 3, 6)),
    Athlete(
        "Finn Garcia", "en", global_rankings=False, routine=(("pushups", 80, 80),), days=(1, 4)
    ),
    Athlete(
        "Greta Hoffmann", "de", notifications=False, routine=(("yoga", 1, 30), ("situps", 30, 30))
    ),
    Athlete("Hugo Ito", "en", email=False, routine=(("cycling", 40, 120),), days=(2, 6)),
    Athlete('Ida <Jansen> "Ida"', "de", routine=(("pullups", 10, 20),), days=(4,)),
    Athlete("Jonas Klein", "de", routine=()),
)

FRIENDS = (
    ("Anna Becker", "Ben Carter", "accepted"),
    ("Clara Diaz", "Anna Becker", "accepted"),
    ("Anna Becker", "David Engel", "accepted"),
    ("Emma Fischer", "Anna Becker", "pending"),
    ("Ben Carter", "Clara Diaz", "accepted"),
    ("Finn Garcia", "Ben Carter", "accepted"),
    ("Greta Hoffmann", "Hugo Ito", "accepted"),
    ('Ida <Jansen> "Ida"', "Jonas Klein", "declined"),
    ("Emma Fischer", "David Engel", "accepted"),
)

MONTHLY_CHALLENGE = 1500  # the demo month's challenge, below the default 4000

GOALS = (
    ("Anna Becker", "pullups", 60),
    ("Anna Becker", "points", 400),
    ("Ben Carter", "points", 2000),
    ("Clara Diaz", "situps", 150),
    ("Emma Fischer", "running", 30),
)


def _by_name(name: str) -> Athlete:
    return next(a for a in ATHLETES if a.name == name)


async def insert_demo_data(
    conn: AsyncConnection, *, week: Period, month: Period, now: datetime
) -> None:
    await conn.execute(
        text(
            """
            insert into users (id, email, display_name, locale, email_notifications_enabled,
                               show_in_global_rankings, created_at)
            values (:id, :email, :name, :locale, :notifications, :global_rankings, :created_at)
            on conflict (id) do nothing
            """
        ),
        [
            {
                "id": a.id,
                "email": f"{a.name.split()[0].lower()}@demo.sportify.test" if a.email else None,
                "name": a.name,
                "locale": a.locale,
                "notifications": a.notifications,
                "global_rankings": a.global_rankings,
                "created_at": month.start - timedelta(days=90),
            }
            for a in ATHLETES
        ],
    )
    await conn.execute(
        text(
            "insert into friendships (user_id, friend_id, status, created_at) "
            "values (:a, :b, :status, :now) on conflict do nothing"
        ),
        [
            {"a": _by_name(a).id, "b": _by_name(b).id, "status": s, "now": now}
            for a, b, s in FRIENDS
        ],
    )
    await conn.execute(
        text(
            "insert into point_challenges (id, period_kind, period_start, target_points) "
            "values (:id, 'monthly', :day, :target) on conflict do nothing"
        ),
        {
            "id": uuid5(NAMESPACE_URL, f"sportify-demo/challenge/{month.label}"),
            "day": month.first_day,
            "target": MONTHLY_CHALLENGE,
        },
    )
    await conn.execute(
        text(
            "insert into user_weekly_goals (user_id, goal_type, target) values (:u, :g, :t) "
            "on conflict do nothing"
        ),
        [{"u": _by_name(n).id, "g": g, "t": t} for n, g, t in GOALS],
    )
    workouts, activities = [], []
    span_start, span_end = min(week.start, month.start), max(week.end, month.end)
    day_count = (span_end - span_start).days
    for athlete in ATHLETES:
        for day in range(day_count):
            if day % 7 not in athlete.days or not athlete.routine:
                continue
            workout_id = uuid5(athlete.id, (span_start + timedelta(days=day)).date().isoformat())
            workouts.append(
                {
                    "id": workout_id,
                    "user_id": athlete.id,
                    "start_time": span_start + timedelta(days=day, hours=7),
                }
            )
            for index, (kind, quantity, points) in enumerate(athlete.routine):
                activities.append(
                    {
                        "id": uuid5(workout_id, str(index)),
                        "workout_id": workout_id,
                        "type": kind,
                        "quantity": quantity,
                        "points": points,
                    }
                )
    await conn.execute(
        text(
            "insert into workouts (id, user_id, start_time, title, created_at) "
            "values (:id, :user_id, :start_time, 'Demo workout', :start_time) on conflict do nothing"
        ),
        workouts,
    )
    await conn.execute(
        text(
            "insert into workout_activities (id, workout_id, activity_type, quantity, points) "
            "values (:id, :workout_id, :type, :quantity, :points) on conflict do nothing"
        ),
        activities,
    )

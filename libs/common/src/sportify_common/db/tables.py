"""The schema contract (SPEC 3) in one file: input tables the app writes, tables this system owns.

Constraint and index names are explicit so migrations and the database agree.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import Uuid
from sqlmodel import Field, SQLModel

from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.periods import PeriodKind
from sportify_common.vocabulary import (
    DUE_EMAIL_STATUSES,
    GOAL_TYPES,
    SUMMARY_KINDS,
    BackfillStatus,
    EmailKind,
    EmailStatus,
    Reprocess,
    SuppressionSource,
    sql_literals,
)

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

NOW = text("now()")
EMPTY_OBJECT = text("'{}'::jsonb")
EMPTY_ARRAY = text("'[]'::jsonb")


def _ts(*, nullable: bool = False, default_now: bool = False) -> Any:
    return Field(
        sa_column=Column(
            DateTime(timezone=True), nullable=nullable, server_default=NOW if default_now else None
        )
    )


def _jsonb(default: Any = EMPTY_OBJECT, *, nullable: bool = False) -> Any:
    return Field(sa_column=Column(JSONB, nullable=nullable, server_default=default))


def _num(default: str | None = None) -> Any:
    return Field(
        sa_column=Column(
            Numeric, nullable=False, server_default=text(default) if default is not None else None
        )
    )


def _text(*, nullable: bool = False, default: str | None = None) -> Any:
    return Field(
        sa_column=Column(
            Text,
            nullable=nullable,
            server_default=text(f"'{default}'") if default is not None else None,
        )
    )


# --- input tables (written by the Sportify app; read here) -------------------------------


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: UUID = Field(default_factory=uuid4, sa_column=Column(Uuid, primary_key=True))
    email: str | None = _text(nullable=True)
    display_name: str = _text()
    locale: str = _text(default="de")
    email_notifications_enabled: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=text("true"))
    )
    show_in_global_rankings: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=text("true"))
    )
    created_at: datetime = _ts(default_now=True)
    deleted_at: datetime | None = _ts(nullable=True)


class Friendship(SQLModel, table=True):
    __tablename__ = "friendships"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "friend_id"),
        CheckConstraint("status in ('pending', 'accepted', 'declined')", name="status"),
        Index("ix_friendships_friend_id", "friend_id"),
    )

    user_id: UUID = Field(sa_column=Column(Uuid, ForeignKey("users.id"), nullable=False))
    friend_id: UUID = Field(sa_column=Column(Uuid, ForeignKey("users.id"), nullable=False))
    status: str = _text()
    created_at: datetime | None = _ts(nullable=True, default_now=True)


class Workout(SQLModel, table=True):
    __tablename__ = "workouts"
    __table_args__ = (
        Index("ix_workouts_start_time_user_id", "start_time", "user_id"),
        # One user's workouts (a preview's circle, SPEC 12.3).
        Index("ix_workouts_user_id_start_time", "user_id", "start_time"),
    )

    id: UUID = Field(default_factory=uuid4, sa_column=Column(Uuid, primary_key=True))
    user_id: UUID = Field(sa_column=Column(Uuid, ForeignKey("users.id"), nullable=False))
    start_time: datetime = _ts()
    title: str | None = _text(nullable=True)
    created_at: datetime | None = _ts(nullable=True, default_now=True)


class WorkoutActivity(SQLModel, table=True):
    __tablename__ = "workout_activities"
    __table_args__ = (Index("ix_workout_activities_workout_id", "workout_id"),)

    id: UUID = Field(default_factory=uuid4, sa_column=Column(Uuid, primary_key=True))
    workout_id: UUID = Field(
        sa_column=Column(Uuid, ForeignKey("workouts.id", ondelete="CASCADE"), nullable=False)
    )
    activity_type: str = _text()
    quantity: Decimal = _num()
    points: Decimal = _num("0")


class UserWeeklyGoal(SQLModel, table=True):
    __tablename__ = "user_weekly_goals"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "goal_type"),
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint(
            f"goal_type in ({sql_literals(GOAL_TYPES)})",
            name="goal_type",
        ),
    )

    user_id: UUID = Field(sa_column=Column(Uuid, ForeignKey("users.id"), nullable=False))
    goal_type: str = _text()
    target: Decimal = _num()


class PointChallenge(SQLModel, table=True):
    __tablename__ = "point_challenges"
    __table_args__ = (
        UniqueConstraint("period_kind", "period_start"),
        CheckConstraint("target_points > 0", name="target_positive"),
        CheckConstraint(f"period_kind in ({sql_literals(PeriodKind)})", name="period_kind"),
    )

    id: UUID = Field(default_factory=uuid4, sa_column=Column(Uuid, primary_key=True))
    period_kind: str = _text()
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    target_points: Decimal = _num()


# --- tables owned by this system ---------------------------------------------------------

# Partial index predicates and keys, from the vocabulary (the text the migrations hold).
_RUNNING = f"status = {sql_literals([JobStatus.RUNNING])}"
_FAILED = f"status = {sql_literals([JobStatus.FAILED])}"
_BACKFILL_RUNNING = f"status = {sql_literals([BackfillStatus.RUNNING])}"
_DUE = f"status in ({sql_literals(DUE_EMAIL_STATUSES)})"
_DUE_ALERT = f"{_DUE} and kind = {sql_literals([EmailKind.ALERT])}"
_BODY_KEPT = (
    f"status in ({sql_literals([EmailStatus.SENT, EmailStatus.SKIPPED, EmailStatus.FAILED])}) "
    "and body_text is not null"
)


class JobRun(SQLModel, table=True):
    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_name", "scheduled_for"),
        CheckConstraint(f"status in ({sql_literals(JobStatus)})", name="status"),
        Index("ix_job_runs_created_at", "created_at"),
        Index("ix_job_runs_job_name_started_at", "job_name", "started_at"),
        Index(
            "ix_job_runs_running_started_at",
            "started_at",
            postgresql_where=text(_RUNNING),
        ),
        Index(
            "ix_job_runs_failed_job_name_started_at",
            "job_name",
            "started_at",
            postgresql_where=text(_FAILED),
        ),
    )

    id: UUID = Field(default_factory=uuid4, sa_column=Column(Uuid, primary_key=True))
    job_name: str = _text()
    scheduled_for: datetime = _ts()
    status: str = _text(default="pending")
    started_at: datetime | None = _ts(nullable=True)
    completed_at: datetime | None = _ts(nullable=True)
    metadata_: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column("metadata", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    )
    created_at: datetime = _ts(default_now=True)


class EmailQueueEntry(SQLModel, table=True):
    __tablename__ = "email_queue"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        CheckConstraint(f"status in ({sql_literals(EmailStatus)})", name="status"),
        CheckConstraint(f"kind in ({sql_literals(EmailKind)})", name="kind"),
        # the mailer's claims (SPEC 4.4): the due rows in the order a drain walks them, and the
        # due alerts, which every claim takes first, in a small index of their own
        Index(
            "ix_email_queue_due",
            "next_attempt_at",
            "created_at",
            "id",
            postgresql_where=text(_DUE),
        ),
        Index(
            "ix_email_queue_due_alerts",
            "next_attempt_at",
            "created_at",
            "id",
            postgresql_where=text(_DUE_ALERT),
        ),
        Index("ix_email_queue_created_at_status", "created_at", "status"),
        Index("ix_email_queue_status", "status"),
        # retention's body clearing (SPEC 4.8): only the finished rows whose body is still kept
        Index("ix_email_queue_bodies_kept", "created_at", postgresql_where=text(_BODY_KEPT)),
        # the operators' list filtered by recipient (SPEC 12.4), newest first
        Index("ix_email_queue_recipient", text("lower(recipient)"), "created_at", "id"),
    )

    id: UUID = Field(default_factory=uuid4, sa_column=Column(Uuid, primary_key=True))
    idempotency_key: str = _text()
    recipient: str = _text()
    user_id: UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    kind: str = _text()
    locale: str = _text(default="de")
    subject: str = _text()
    body_text: str | None = _text(nullable=True)  # null once retention cleared it
    body_html: str | None = _text(nullable=True)
    headers: dict[str, Any] | None = _jsonb(nullable=True)
    status: str = _text(default="pending")
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    error: str | None = _text(nullable=True)
    failed_after_retries: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    next_attempt_at: datetime = _ts(default_now=True)
    created_at: datetime = _ts(default_now=True)
    updated_at: datetime = _ts(default_now=True)
    sent_at: datetime | None = _ts(nullable=True)


class WeeklyResult(SQLModel, table=True):
    __tablename__ = "weekly_results"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "week_start"),
        # The evaluation reads and replaces one week's rows; the key leads with user_id.
        Index("ix_weekly_results_week_start", "week_start"),
    )

    user_id: UUID = Field(sa_column=Column(Uuid, nullable=False))
    week_start: datetime = _ts()
    week_end: datetime = _ts()
    total_points: Decimal = _num("0")
    workouts_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    exercise_counts: dict[str, Any] = _jsonb()
    activity_totals: dict[str, Any] = _jsonb()
    goals: dict[str, Any] = _jsonb()
    leaderboard_rank: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    streak_weeks: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    badges_awarded: list[Any] = _jsonb(EMPTY_ARRAY)
    awards_awarded: list[Any] = _jsonb(EMPTY_ARRAY)
    job_run_id: UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    created_at: datetime = _ts(default_now=True)
    updated_at: datetime = _ts(default_now=True)


class MonthlyResult(SQLModel, table=True):
    __tablename__ = "monthly_results"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "month_start"),
        Index("ix_monthly_results_month_start", "month_start"),
    )

    user_id: UUID = Field(sa_column=Column(Uuid, nullable=False))
    month_start: datetime = _ts()
    month_end: datetime = _ts()
    total_points: Decimal = _num("0")
    workouts_count: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    active_days: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    activity_totals: dict[str, Any] = _jsonb()
    rankings: dict[str, Any] = _jsonb()
    challenge: dict[str, Any] = _jsonb()
    badges_awarded: list[Any] = _jsonb(EMPTY_ARRAY)
    awards_awarded: list[Any] = _jsonb(EMPTY_ARRAY)
    job_run_id: UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    created_at: datetime = _ts(default_now=True)
    updated_at: datetime = _ts(default_now=True)


class LeaderboardResult(SQLModel, table=True):
    __tablename__ = "leaderboard_results"
    __table_args__ = (PrimaryKeyConstraint("week_start", "user_id"),)

    week_start: datetime = _ts()
    user_id: UUID = Field(sa_column=Column(Uuid, nullable=False))
    rank: int = Field(sa_column=Column(Integer, nullable=False))
    total_points: Decimal = _num("0")
    participant_count: int = Field(sa_column=Column(Integer, nullable=False))


class UserBadge(SQLModel, table=True):
    __tablename__ = "user_badges"
    __table_args__ = (
        UniqueConstraint("user_id", "badge_slug", "period_start"),
        Index("ix_user_badges_period_start_period_kind", "period_start", "period_kind"),
    )

    id: UUID = Field(
        default_factory=uuid4,
        sa_column=Column(Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    )
    user_id: UUID = Field(sa_column=Column(Uuid, nullable=False))
    badge_slug: str = _text()
    period_kind: str = _text()
    period_start: datetime = _ts()
    awarded_at: datetime = _ts(default_now=True)
    job_run_id: UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))


class Award(SQLModel, table=True):
    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "award_type", "period_kind", "period_start", "scope", "category"
        ),
        Index("ix_awards_period_start_period_kind", "period_start", "period_kind"),
    )

    id: UUID = Field(
        default_factory=uuid4,
        sa_column=Column(Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    )
    user_id: UUID = Field(sa_column=Column(Uuid, nullable=False))
    award_type: str = _text()
    period_kind: str = _text()
    period_start: datetime = _ts()
    scope: str = _text(default="")
    category: str = _text(default="")
    rank: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    metadata_: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column("metadata", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    )
    awarded_at: datetime = _ts(default_now=True)
    job_run_id: UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))


class AlertSent(SQLModel, table=True):
    """When each alert title was last sent, so a title is not resent within the dedup window."""

    __tablename__ = "alerts_sent"

    title: str = Field(sa_column=Column(Text, primary_key=True))
    last_sent_at: datetime = _ts()
    count: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class EmailPreference(SQLModel, table=True):
    """A user's choice for one summary kind (SPEC 12.6); no row means enabled."""

    __tablename__ = "email_preferences"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "kind"),
        CheckConstraint(f"kind in ({sql_literals(SUMMARY_KINDS)})", name="kind"),
    )

    user_id: UUID = Field(sa_column=Column(Uuid, nullable=False))
    kind: str = _text()
    enabled: bool = Field(sa_column=Column(Boolean, nullable=False))
    updated_at: datetime = _ts(default_now=True)


class EmailSuppression(SQLModel, table=True):
    """An address that gets no email while its entry lasts (SPEC 4.4); alerts are exempt."""

    __tablename__ = "email_suppressions"
    __table_args__ = (
        CheckConstraint(f"source in ({sql_literals(SuppressionSource)})", name="source"),
        CheckConstraint("address = lower(address)", name="address_lower_case"),
        Index(
            "ix_email_suppressions_expires_at",
            "expires_at",
            postgresql_where=text("expires_at is not null"),
        ),
        Index("ix_email_suppressions_created_at", "created_at"),
    )

    address: str = Field(sa_column=Column(Text, primary_key=True))
    reason: str = _text()
    source: str = _text()
    email_id: UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    created_at: datetime = _ts(default_now=True)
    expires_at: datetime | None = _ts(nullable=True)  # null: until an operator removes it


class AuditEntry(SQLModel, table=True):
    """One operator action that changed something (SPEC 12): who, what, on what, why."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at_id", "at", "id"),
        Index("ix_audit_log_action_at_id", "action", "at", "id"),
    )

    id: UUID = Field(default_factory=uuid4, sa_column=Column(Uuid, primary_key=True))
    at: datetime = _ts(default_now=True)
    actor: str = _text()
    action: str = _text()
    target: str = _text()
    reason: str | None = _text(nullable=True)
    details: dict[str, Any] = _jsonb()


class ScheduleState(SQLModel, table=True):
    """A job's schedule paused or resumed by an operator (SPEC 12.1); no row: running."""

    __tablename__ = "schedule_states"

    job_name: str = Field(sa_column=Column(Text, primary_key=True))
    paused: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    note: str = _text(default="")
    changed_by: str = _text()
    changed_at: datetime = _ts(default_now=True)
    resumed_at: datetime | None = _ts(nullable=True)


class Backfill(SQLModel, table=True):
    """A range of closed periods re-evaluated one after another (SPEC 12.2)."""

    __tablename__ = "backfills"
    __table_args__ = (
        CheckConstraint(
            f"job_name in ({sql_literals([JobName.WEEKLY_EVENTS, JobName.MONTHLY_EVENTS])})",
            name="job_name",
        ),
        CheckConstraint(f"reprocess in ({sql_literals(Reprocess)})", name="reprocess"),
        CheckConstraint(f"status in ({sql_literals(BackfillStatus)})", name="status"),
        CheckConstraint("period_from <= period_to", name="period_order"),
        Index("ix_backfills_created_at_id", "created_at", "id"),
        Index(
            "ix_backfills_running",
            "created_at",
            postgresql_where=text(_BACKFILL_RUNNING),
        ),
    )

    id: UUID = Field(default_factory=uuid4, sa_column=Column(Uuid, primary_key=True))
    job_name: str = _text()
    period_from: date = Field(sa_column=Column(Date, nullable=False))
    period_to: date = Field(sa_column=Column(Date, nullable=False))
    reprocess: str = _text()
    send_emails: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    status: str = _text(default="running")
    periods: list[dict[str, Any]] = _jsonb(EMPTY_ARRAY)
    created_by: str = _text()
    reason: str | None = _text(nullable=True)
    created_at: datetime = _ts(default_now=True)
    completed_at: datetime | None = _ts(nullable=True)

"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-30 01:13:09.037775
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alerts_sent',
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('title', name=op.f('pk_alerts_sent'))
    )
    op.create_table('awards',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('award_type', sa.Text(), nullable=False),
    sa.Column('period_kind', sa.Text(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scope', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('category', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('awarded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('job_run_id', sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards')),
    sa.UniqueConstraint('user_id', 'award_type', 'period_kind', 'period_start', 'scope', 'category', name=op.f('uq_awards_user_id_award_type_period_kind_period_start_scope_category'))
    )
    op.create_index('ix_awards_period_start_period_kind', 'awards', ['period_start', 'period_kind'], unique=False)
    op.create_table('email_queue',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('idempotency_key', sa.Text(), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('locale', sa.Text(), server_default=sa.text("'de'"), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('failed_after_retries', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind in ('weekly-summary', 'monthly-summary', 'alert')", name=op.f('ck_email_queue_kind')),
    sa.CheckConstraint("status in ('pending', 'retrying', 'sent', 'failed', 'skipped')", name=op.f('ck_email_queue_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_queue')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_email_queue_idempotency_key'))
    )
    op.create_index('ix_email_queue_created_at_status', 'email_queue', ['created_at', 'status'], unique=False)
    op.create_index('ix_email_queue_due', 'email_queue', [sa.literal_column("(kind = 'alert') DESC"), 'next_attempt_at', 'created_at'], unique=False, postgresql_where=sa.text("status in ('pending', 'retrying')"))
    op.create_index('ix_email_queue_status', 'email_queue', ['status'], unique=False)
    op.create_table('job_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('job_name', sa.Text(), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('metadata', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status in ('pending', 'running', 'completed', 'failed')", name=op.f('ck_job_runs_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('job_name', 'scheduled_for', name=op.f('uq_job_runs_job_name_scheduled_for'))
    )
    op.create_index('ix_job_runs_created_at', 'job_runs', ['created_at'], unique=False)
    op.create_index('ix_job_runs_failed_job_name_started_at', 'job_runs', ['job_name', 'started_at'], unique=False, postgresql_where=sa.text("status = 'failed'"))
    op.create_index('ix_job_runs_job_name_started_at', 'job_runs', ['job_name', 'started_at'], unique=False)
    op.create_index('ix_job_runs_running_started_at', 'job_runs', ['started_at'], unique=False, postgresql_where=sa.text("status = 'running'"))
    op.create_table('leaderboard_results',
    sa.Column('week_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('total_points', sa.Numeric(), server_default=sa.text('0'), nullable=False),
    sa.Column('participant_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('week_start', 'user_id', name=op.f('pk_leaderboard_results'))
    )
    op.create_table('monthly_results',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('month_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('month_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('total_points', sa.Numeric(), server_default=sa.text('0'), nullable=False),
    sa.Column('activity_totals', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('rankings', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('challenge', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('badges_awarded', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('awards_awarded', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('job_run_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'month_start', name=op.f('pk_monthly_results'))
    )
    op.create_table('point_challenges',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('period_kind', sa.Text(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('target_points', sa.Numeric(), nullable=False),
    sa.CheckConstraint("period_kind in ('weekly', 'monthly')", name=op.f('ck_point_challenges_period_kind')),
    sa.CheckConstraint('target_points > 0', name=op.f('ck_point_challenges_target_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_challenges')),
    sa.UniqueConstraint('period_kind', 'period_start', name=op.f('uq_point_challenges_period_kind_period_start'))
    )
    op.create_table('user_badges',
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('badge_slug', sa.Text(), nullable=False),
    sa.Column('period_kind', sa.Text(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('awarded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('job_run_id', sa.Uuid(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_badges')),
    sa.UniqueConstraint('user_id', 'badge_slug', 'period_start', name=op.f('uq_user_badges_user_id_badge_slug_period_start'))
    )
    op.create_index('ix_user_badges_period_start_period_kind', 'user_badges', ['period_start', 'period_kind'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('locale', sa.Text(), server_default=sa.text("'de'"), nullable=False),
    sa.Column('email_notifications_enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('show_in_global_rankings', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    op.create_table('weekly_results',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('week_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('week_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('total_points', sa.Numeric(), server_default=sa.text('0'), nullable=False),
    sa.Column('workouts_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('exercise_counts', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('activity_totals', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('goals', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('leaderboard_rank', sa.Integer(), nullable=True),
    sa.Column('badges_awarded', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('awards_awarded', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('job_run_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'week_start', name=op.f('pk_weekly_results'))
    )
    op.create_table('friendships',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('friend_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=True),
    sa.CheckConstraint("status in ('pending', 'accepted', 'declined')", name=op.f('ck_friendships_status')),
    sa.ForeignKeyConstraint(['friend_id'], ['users.id'], name=op.f('fk_friendships_friend_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_friendships_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'friend_id', name=op.f('pk_friendships'))
    )
    op.create_index('ix_friendships_friend_id', 'friendships', ['friend_id'], unique=False)
    op.create_table('user_weekly_goals',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('goal_type', sa.Text(), nullable=False),
    sa.Column('target', sa.Numeric(), nullable=False),
    sa.CheckConstraint("goal_type in ('points', 'pullups', 'pushups', 'situps', 'running', 'cycling')", name=op.f('ck_user_weekly_goals_goal_type')),
    sa.CheckConstraint('target > 0', name=op.f('ck_user_weekly_goals_target_positive')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_weekly_goals_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'goal_type', name=op.f('pk_user_weekly_goals'))
    )
    op.create_table('workouts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workouts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workouts'))
    )
    op.create_index('ix_workouts_start_time_user_id', 'workouts', ['start_time', 'user_id'], unique=False)
    op.create_table('workout_activities',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('workout_id', sa.Uuid(), nullable=False),
    sa.Column('activity_type', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Numeric(), nullable=False),
    sa.Column('points', sa.Numeric(), server_default=sa.text('0'), nullable=False),
    sa.ForeignKeyConstraint(['workout_id'], ['workouts.id'], name=op.f('fk_workout_activities_workout_id_workouts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workout_activities'))
    )
    op.create_index('ix_workout_activities_workout_id', 'workout_activities', ['workout_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_workout_activities_workout_id', table_name='workout_activities')
    op.drop_table('workout_activities')
    op.drop_index('ix_workouts_start_time_user_id', table_name='workouts')
    op.drop_table('workouts')
    op.drop_table('user_weekly_goals')
    op.drop_index('ix_friendships_friend_id', table_name='friendships')
    op.drop_table('friendships')
    op.drop_table('weekly_results')
    op.drop_table('users')
    op.drop_index('ix_user_badges_period_start_period_kind', table_name='user_badges')
    op.drop_table('user_badges')
    op.drop_table('point_challenges')
    op.drop_table('monthly_results')
    op.drop_table('leaderboard_results')
    op.drop_index('ix_job_runs_running_started_at', table_name='job_runs', postgresql_where=sa.text("status = 'running'"))
    op.drop_index('ix_job_runs_job_name_started_at', table_name='job_runs')
    op.drop_index('ix_job_runs_failed_job_name_started_at', table_name='job_runs', postgresql_where=sa.text("status = 'failed'"))
    op.drop_index('ix_job_runs_created_at', table_name='job_runs')
    op.drop_table('job_runs')
    op.drop_index('ix_email_queue_status', table_name='email_queue')
    op.drop_index('ix_email_queue_due', table_name='email_queue', postgresql_where=sa.text("status in ('pending', 'retrying')"))
    op.drop_index('ix_email_queue_created_at_status', table_name='email_queue')
    op.drop_table('email_queue')
    op.drop_index('ix_awards_period_start_period_kind', table_name='awards')
    op.drop_table('awards')
    op.drop_table('alerts_sent')

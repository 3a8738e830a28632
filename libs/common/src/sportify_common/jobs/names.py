"""The vocabulary of job runs (SPEC 3.2)."""

from __future__ import annotations

from enum import StrEnum


class JobName(StrEnum):
    WEEKLY_EVENTS = "weekly-events"
    MONTHLY_EVENTS = "monthly-events"
    EMAILS_DISPATCH = "emails-dispatch"
    CLEANUP = "cleanup"
    RETENTION = "retention"


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Trigger(StrEnum):
    CRON = "cron"
    CATCH_UP = "catch-up"
    HTTP = "http"
    ADMIN = "admin"
    BACKFILL = "backfill"

"""The domain's words, each said once (SPEC 3, 4, 5): import them, never spell them again.

Pure: no I/O. SQL that needs one of these lists builds its fragment from it (for example a
`CASE` over `ACTIVITY_TYPES`), so a new activity type is added here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sportify_common.jobs.names import JobName
from sportify_common.periods import PeriodKind

ACTIVITY_TYPES: Final = ("pullups", "pushups", "situps", "running", "cycling")
"""The activity types with a total (repetitions or kilometres) and a goal; any other type
(e.g. `yoga`) still earns points and counts as an exercise."""

REPETITION_TYPES: Final = ("pullups", "pushups", "situps")
DISTANCE_TYPES: Final = ("running", "cycling")

POINTS: Final = "points"
GOAL_TYPES: Final = (POINTS, *ACTIVITY_TYPES)
RANKING_CATEGORIES: Final = (POINTS, *REPETITION_TYPES)
"""The monthly ranking and award categories: points, then the repetition types."""


class EmailKind(StrEnum):
    WEEKLY_SUMMARY = "weekly-summary"
    MONTHLY_SUMMARY = "monthly-summary"
    ALERT = "alert"
    TEST = "test"
    """A test send of a summary to an operator's address (SPEC 12.3): never deduplicated
    against the real summary."""


SUMMARY_KINDS: Final = (EmailKind.WEEKLY_SUMMARY, EmailKind.MONTHLY_SUMMARY)
"""The kinds a user can opt out of (`email_preferences`, SPEC 12.6) and an unsubscribe token names."""

KIND_OPTED_OUT: Final = "kind-opted-out"
"""The skip reason of a summary whose kind its user opted out of (SPEC 4.3, 12.6)."""


class EmailStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


DUE_EMAIL_STATUSES: Final = (EmailStatus.PENDING, EmailStatus.RETRYING)
"""The statuses of a row still to be sent (the predicate of the partial index ix_email_queue_due)."""


class SuppressionSource(StrEnum):
    """Why an address is on `email_suppressions`: a mailbox-unknown reply, or an operator."""

    BOUNCE = "bounce"
    OPERATOR = "operator"


class Reprocess(StrEnum):
    """Which periods of a backfill run (SPEC 12.2): those without a run, failed ones, all."""

    MISSING = "missing"
    FAILED = "failed"
    ALL = "all"


class BackfillStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


EMAILS_DISABLED: Final = "emails-disabled"
"""The `emailResults` reason of every user of a run started with `sendEmails: false` (a
backfill's default, SPEC 12.2): the results are written, no summary is requested."""

ADDRESS_SUPPRESSED: Final = "address-suppressed"
"""The `error` of a row skipped for a suppressed address, and its `emailResults` reason."""


@dataclass(frozen=True, slots=True)
class EvaluatedPeriod:
    """Which job evaluates a kind of period, which summary it mails, and its keys on the wire."""

    kind: PeriodKind
    job: JobName
    email_kind: EmailKind
    start_key: str
    """The period's first instant in a result or summary document (`weekStart`, `monthStart`)."""
    end_key: str
    """Its last millisecond (`weekEnd`, `monthEnd`)."""
    query_param: str
    """The trigger's parameter naming one period (`weekStart=YYYY-MM-DD`, `month=YYYY-MM`)."""


WEEKLY: Final = EvaluatedPeriod(
    PeriodKind.WEEKLY,
    JobName.WEEKLY_EVENTS,
    EmailKind.WEEKLY_SUMMARY,
    start_key="weekStart",
    end_key="weekEnd",
    query_param="weekStart",
)
MONTHLY: Final = EvaluatedPeriod(
    PeriodKind.MONTHLY,
    JobName.MONTHLY_EVENTS,
    EmailKind.MONTHLY_SUMMARY,
    start_key="monthStart",
    end_key="monthEnd",
    query_param="month",
)

EVALUATED_PERIODS: Final[dict[PeriodKind, EvaluatedPeriod]] = {
    WEEKLY.kind: WEEKLY,
    MONTHLY.kind: MONTHLY,
}
EVALUATED_BY_JOB: Final[dict[JobName, EvaluatedPeriod]] = {
    WEEKLY.job: WEEKLY,
    MONTHLY.job: MONTHLY,
}


def sql_literals(values: Iterable[str]) -> str:
    """Code constants as SQL string literals (`'pending', 'retrying'`), for a fragment the plan
    depends on (a partial index's predicate, a check constraint); refuses all but a plain slug."""
    literals = []
    for value in values:
        if not re.fullmatch(r"[a-z][a-z-]*", value):
            raise ValueError(f"not a plain constant: {value!r}")
        literals.append(f"'{value}'")
    return ", ".join(literals)

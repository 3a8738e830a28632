from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sportify_common.jobs.names import JobStatus
from sportify_common.jobs.rules import ClaimOutcome, ExistingRun, decide_claim

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
STALE = timedelta(minutes=5)


def _run(status: JobStatus, age: timedelta = timedelta(0)) -> ExistingRun:
    return ExistingRun(status=status, created_at=NOW - age, started_at=None)


@pytest.mark.parametrize(
    ("existing", "force", "expected"),
    [
        (None, False, ClaimOutcome.NEW),
        (None, True, ClaimOutcome.NEW),
        (_run(JobStatus.COMPLETED), False, ClaimOutcome.SKIP_COMPLETED),
        (_run(JobStatus.COMPLETED), True, ClaimOutcome.RERUN),
        (_run(JobStatus.RUNNING), False, ClaimOutcome.SKIP_RUNNING),
        (_run(JobStatus.RUNNING), True, ClaimOutcome.CONFLICT),
        (_run(JobStatus.FAILED), False, ClaimOutcome.RERUN),
        (_run(JobStatus.FAILED), True, ClaimOutcome.RERUN),
        (_run(JobStatus.PENDING, timedelta(minutes=1)), False, ClaimOutcome.SKIP_RUNNING),
        (_run(JobStatus.PENDING, timedelta(minutes=1)), True, ClaimOutcome.CONFLICT),
        (_run(JobStatus.PENDING, timedelta(minutes=5)), False, ClaimOutcome.RERUN),
    ],
)
def test_a_claim_decision_follows_the_run_state(
    existing: ExistingRun | None, force: bool, expected: ClaimOutcome
) -> None:
    assert decide_claim(existing, force=force, now=NOW, stale_pending_after=STALE) is expected

from __future__ import annotations

import asyncio
from uuid import uuid4

from sportify_common.jobs.names import JobName, JobStatus
from sportify_common.messages import JobFinished
from sportify_monitor.waiters import Waiters


def _finished(run_id: object) -> JobFinished:
    return JobFinished.model_validate(
        {
            "jobRunId": str(run_id),
            "jobName": JobName.CLEANUP,
            "status": JobStatus.COMPLETED,
            "result": {"status": "ok", "cleaned": 0, "jobs": []},
        }
    )


async def test_a_registered_waiter_receives_its_runs_job_finished() -> None:
    waiters = Waiters()
    run_id = uuid4()
    future = waiters.register(run_id)

    woken = waiters.resolve(_finished(run_id))

    assert woken == 1
    assert await waiters.wait(run_id, future, 1.0) == _finished(run_id)
    assert len(waiters) == 0


async def test_other_runs_do_not_wake_a_waiter_and_the_wait_times_out() -> None:
    waiters = Waiters()
    run_id = uuid4()
    future = waiters.register(run_id)

    assert waiters.resolve(_finished(uuid4())) == 0
    assert await waiters.wait(run_id, future, 0.01) is None
    assert len(waiters) == 0


async def test_a_finish_arriving_during_the_wait_is_delivered() -> None:
    waiters = Waiters()
    run_id = uuid4()
    future = waiters.register(run_id)

    asyncio.get_running_loop().call_later(0.01, waiters.resolve, _finished(run_id))

    assert await waiters.wait(run_id, future, 2.0) is not None

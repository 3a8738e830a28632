"""Every statement on `schedule_states` (SPEC 3.2, 12.1): read the states, pause, resume, and
the pause history the scheduler decides by.

No row means the job runs. A pause sets `paused`, its note, who and when (`changed_at`), and
clears `resumed_at`; a resume clears `paused` and sets the note, who, `changed_at` and
`resumed_at`. Pausing a paused job or resuming a running one changes nothing (`changed` False),
so the caller writes no audit row. The caller owns the transaction and records the action
(`schedule.pause` / `schedule.resume`, target the job name) in it, so the audit log holds every
transition: `pause_histories` reads them back (plus the state row, which survives retention).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from sportify_common import audit
from sportify_common.jobs.names import JobName
from sportify_common.pauses import PauseHistory, Transition

PAUSE: Final = "schedule.pause"
RESUME: Final = "schedule.resume"


@dataclass(frozen=True, slots=True)
class ScheduleStateRow:
    job_name: str
    paused: bool
    note: str
    changed_by: str
    changed_at: datetime
    resumed_at: datetime | None


def _row(mapping: Any) -> ScheduleStateRow:
    return ScheduleStateRow(
        job_name=mapping["job_name"],
        paused=bool(mapping["paused"]),
        note=mapping["note"],
        changed_by=mapping["changed_by"],
        changed_at=mapping["changed_at"],
        resumed_at=mapping["resumed_at"],
    )


async def states(conn: AsyncConnection) -> dict[str, ScheduleStateRow]:
    """Every job's row (a job without one runs)."""
    result = await conn.execute(
        text(
            "select job_name, paused, note, changed_by, changed_at, resumed_at from schedule_states"
        )
    )
    return {row.job_name: row for row in map(_row, result.mappings())}


async def state(conn: AsyncConnection, job: JobName) -> ScheduleStateRow | None:
    result = await conn.execute(
        text(
            "select job_name, paused, note, changed_by, changed_at, resumed_at "
            "from schedule_states where job_name = :job"
        ),
        {"job": job.value},
    )
    mapping = result.mappings().first()
    return _row(mapping) if mapping is not None else None


async def pause(
    conn: AsyncConnection, *, job: JobName, note: str, actor: str, now: datetime
) -> tuple[ScheduleStateRow, bool]:
    """Pause `job`; (its state, whether this call changed it)."""
    result = await conn.execute(
        text(
            """
            insert into schedule_states as s
                   (job_name, paused, note, changed_by, changed_at, resumed_at)
            values (:job, true, :note, :actor, :now, null)
            on conflict (job_name) do update
               set paused = true, note = excluded.note, changed_by = excluded.changed_by,
                   changed_at = excluded.changed_at, resumed_at = null
             where not s.paused
            returning job_name, paused, note, changed_by, changed_at, resumed_at
            """
        ),
        {"job": job.value, "note": note, "actor": actor, "now": now},
    )
    mapping = result.mappings().first()
    if mapping is not None:
        return _row(mapping), True
    current = await state(conn, job)
    assert current is not None  # noqa: S101 - the conflict means the row exists
    return current, False


async def resume(
    conn: AsyncConnection, *, job: JobName, note: str, actor: str, now: datetime
) -> tuple[ScheduleStateRow | None, bool]:
    """Resume `job`; (its state, None when it never had one, and whether this call changed it)."""
    result = await conn.execute(
        text(
            """
            update schedule_states
               set paused = false, note = :note, changed_by = :actor, changed_at = :now,
                   resumed_at = :now
             where job_name = :job and paused
            returning job_name, paused, note, changed_by, changed_at, resumed_at
            """
        ),
        {"job": job.value, "note": note, "actor": actor, "now": now},
    )
    mapping = result.mappings().first()
    if mapping is not None:
        return _row(mapping), True
    return await state(conn, job), False


async def pause_histories(
    conn: AsyncConnection, *, job_names: Sequence[JobName], since: datetime
) -> dict[JobName, PauseHistory]:
    """When each job was paused, from `since` on (and whether it was at `since`).

    The transitions are the `schedule.pause` / `schedule.resume` audit entries (each written in
    the transaction of its change) and the state row's latest one, which still says when a
    pause in force began once retention has deleted its audit entry.
    """
    rows = await audit.history(
        conn, actions=[PAUSE, RESUME], targets=[j.value for j in job_names], since=since
    )
    transitions: dict[str, list[Transition]] = {j.value: [] for j in job_names}
    for row in rows:
        transitions[row.target].append(Transition(row.at, row.action == PAUSE))
    for name, row_state in (await states(conn)).items():
        if name not in transitions:
            continue
        if row_state.paused:
            transitions[name].append(Transition(row_state.changed_at, True))
        elif row_state.resumed_at is not None:
            transitions[name].append(Transition(row_state.resumed_at, False))
    return {job: PauseHistory.of(transitions[job.value]) for job in job_names}

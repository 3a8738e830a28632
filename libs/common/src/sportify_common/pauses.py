"""When a job's schedule was paused (SPEC 12.1, 4.6): intervals built from its pause and resume
transitions. Pure.

A slot is paused when it falls in `[pause, resume)`; a pause still in force is open-ended. The
scheduler asks the same question at each slot and in catch-up (of a period's closing slot), so a
slot skipped while paused is never run later either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

BEFORE_HISTORY = datetime.min.replace(tzinfo=UTC)
"""The start of a pause whose own record is gone (a resume is the first transition known)."""


@dataclass(frozen=True, slots=True)
class Transition:
    """The job was paused (`paused`) or resumed at `at`."""

    at: datetime
    paused: bool


@dataclass(frozen=True, slots=True)
class PauseInterval:
    start: datetime
    end: datetime | None
    """None while the job is still paused."""

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant and (self.end is None or instant < self.end)


@dataclass(frozen=True, slots=True)
class PauseHistory:
    intervals: tuple[PauseInterval, ...] = ()

    def paused_at(self, instant: datetime) -> bool:
        return any(interval.contains(instant) for interval in self.intervals)

    @classmethod
    def of(cls, transitions: Iterable[Transition]) -> PauseHistory:
        """From transitions in any order; one that does not change the state is ignored (a
        pause of a paused job). A resume with no pause before it closes a pause begun before
        the history known (`BEFORE_HISTORY`)."""
        intervals: list[PauseInterval] = []
        started: datetime | None = None
        paused: bool | None = None
        for transition in sorted(transitions, key=lambda t: (t.at, not t.paused)):
            if transition.paused == paused:
                continue
            if transition.paused:
                started = transition.at
            else:
                intervals.append(PauseInterval(started or BEFORE_HISTORY, transition.at))
                started = None
            paused = transition.paused
        if paused and started is not None:
            intervals.append(PauseInterval(started, None))
        return cls(tuple(intervals))

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, strategies as st

from sportify_common.pauses import BEFORE_HISTORY, PauseHistory, PauseInterval, Transition

T0 = datetime(2026, 2, 8, 22, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_slot_between_a_pause_and_its_resume_is_paused_and_the_resume_instant_is_not() -> None:
    history = PauseHistory.of([Transition(at(10), True), Transition(at(30), False)])

    assert [history.paused_at(at(m)) for m in (9, 10, 29, 30)] == [False, True, True, False]


def test_a_pause_still_in_force_covers_every_later_slot() -> None:
    history = PauseHistory.of([Transition(at(10), True)])

    assert history.intervals == (PauseInterval(at(10), None),)
    assert history.paused_at(at(10_000))


def test_a_pause_of_a_paused_job_does_not_move_the_start_of_its_pause() -> None:
    history = PauseHistory.of(
        [Transition(at(30), True), Transition(at(10), True), Transition(at(40), False)]
    )

    assert history.intervals == (PauseInterval(at(10), at(40)),)


def test_a_resume_without_a_known_pause_closes_a_pause_begun_before_the_history() -> None:
    history = PauseHistory.of([Transition(at(20), False), Transition(at(50), True)])

    assert history.intervals == (PauseInterval(BEFORE_HISTORY, at(20)), PauseInterval(at(50), None))


def replayed(transitions: list[Transition], instant: datetime) -> bool:
    """The oracle: replay every transition up to `instant`; before the first one the job is
    in the state the first one leaves (a resume first means it was paused)."""
    ordered = sorted(transitions, key=lambda t: (t.at, not t.paused))
    state = not ordered[0].paused if ordered else False
    for transition in ordered:
        if transition.at <= instant:
            state = transition.paused
    return state


@given(st.lists(st.tuples(st.integers(0, 200), st.booleans()), max_size=12), st.integers(0, 220))
def test_paused_at_replays_the_transitions_up_to_the_instant(
    raw: list[tuple[int, bool]], minute: int
) -> None:
    transitions = [Transition(at(m), paused) for m, paused in raw]

    history = PauseHistory.of(transitions)

    assert history.paused_at(at(minute)) == replayed(transitions, at(minute))

"""The SMTP circuit's rules: whose fault a failure is, and the probe back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, strategies as st

from sportify_mailer.circuit import (
    CLOSED,
    FIRST_PROBE_SECONDS,
    Circuit,
    ProbePolicy,
    SmtpStage,
    is_server_failure,
)

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
POLICY = ProbePolicy(max_seconds=60)
BEFORE_RCPT = [SmtpStage.CONNECT, SmtpStage.EHLO, SmtpStage.AUTH, SmtpStage.MAIL]


@pytest.mark.parametrize(
    ("stage", "code"),
    [
        (SmtpStage.CONNECT, None),  # refused, or a timeout
        (SmtpStage.CONNECT, 554),  # the greeting
        (SmtpStage.EHLO, 501),
        (SmtpStage.AUTH, 530),
        (SmtpStage.AUTH, 535),
        (SmtpStage.AUTH, 454),
        (SmtpStage.MAIL, 554),
        (SmtpStage.MAIL, 530),
        (SmtpStage.RCPT, 421),
        (SmtpStage.DATA, 421),
        (SmtpStage.DATA, None),  # dropped before the server accepted the message
    ],
)
def test_failures_of_the_server_open_the_circuit(stage: SmtpStage, code: int | None) -> None:
    assert is_server_failure(stage, code)


@pytest.mark.parametrize(
    ("stage", "code"),
    [
        (SmtpStage.RCPT, 450),
        (SmtpStage.RCPT, 451),
        (SmtpStage.RCPT, 550),
        (SmtpStage.DATA, 451),
        (SmtpStage.DATA, 552),
        (SmtpStage.DATA, 554),
    ],
)
def test_replies_to_rcpt_and_data_are_about_the_message(stage: SmtpStage, code: int) -> None:
    assert not is_server_failure(stage, code)


@given(
    stage=st.sampled_from(SmtpStage),
    code=st.none() | st.integers(min_value=400, max_value=599),
)
def test_only_a_reply_to_rcpt_or_data_other_than_421_is_the_messages_fault(
    stage: SmtpStage, code: int | None
) -> None:
    messages_fault = stage in (SmtpStage.RCPT, SmtpStage.DATA) and code not in (None, 421)

    assert is_server_failure(stage, code) is not messages_fault


@given(
    first=st.floats(min_value=0.01, max_value=30),
    cap=st.floats(min_value=0.01, max_value=3600),
    failed=st.integers(min_value=0, max_value=500),
)
def test_probe_delay_starts_at_the_first_doubles_and_never_passes_the_cap(
    first: float, cap: float, failed: int
) -> None:
    policy = ProbePolicy(first_seconds=first, max_seconds=cap)

    delay = policy.delay(failed)

    assert policy.delay(0) == max(first, min(cap, first))
    assert delay >= policy.delay(max(failed - 1, 0))
    assert delay <= max(first, cap)
    assert delay == max(first, min(cap, first * 2.0 ** min(failed, 62)))


def test_default_probes_come_after_5_10_20_40_then_every_60_seconds() -> None:
    delays = [POLICY.delay(n) for n in range(7)]

    assert FIRST_PROBE_SECONDS == 5
    assert delays == [5, 10, 20, 40, 60, 60, 60]


def test_a_server_failure_opens_a_closed_circuit_with_the_first_probe_in_5_seconds() -> None:
    opened = CLOSED.trip("connect: refused", now=NOW, policy=POLICY)

    assert opened.is_open
    assert (opened.opened_at, opened.reason) == (NOW, "connect: refused")
    assert opened.next_probe_seconds(POLICY) == 5


def test_a_further_failure_leaves_an_open_circuit_as_it_was() -> None:
    opened = CLOSED.trip("first", now=NOW, policy=POLICY).probe_failed()

    again = opened.trip("second", now=NOW + timedelta(seconds=3), policy=POLICY)

    assert again == opened


def test_failed_probes_back_off_and_a_good_probe_closes() -> None:
    circuit = CLOSED.trip("x", now=NOW, policy=POLICY)
    for _ in range(3):
        circuit = circuit.probe_failed()

    assert circuit.next_probe_seconds(POLICY) == 40
    closed = circuit.probe_succeeded(now=NOW + timedelta(seconds=80))
    assert not closed.is_open
    assert closed.open_seconds(NOW + timedelta(seconds=90)) == 0


def test_reopening_soon_after_closing_continues_the_back_off() -> None:
    circuit = CLOSED.trip("x", now=NOW, policy=POLICY).probe_failed().probe_failed()
    closed = circuit.probe_succeeded(now=NOW + timedelta(seconds=40))

    soon = closed.trip("y", now=NOW + timedelta(seconds=41), policy=POLICY)
    later = closed.trip("y", now=NOW + timedelta(seconds=40 + 61), policy=POLICY)

    assert soon.next_probe_seconds(POLICY) == 40
    assert later.next_probe_seconds(POLICY) == 5


Event = str


@given(
    st.lists(st.sampled_from(["trip", "probe_failed", "probe_succeeded"]), max_size=40),
    st.integers(min_value=0, max_value=120),
)
def test_the_circuit_is_open_exactly_when_a_failure_came_after_the_last_good_probe(
    events: list[Event], step_seconds: int
) -> None:
    circuit: Circuit = CLOSED
    now = NOW
    expect_open = False
    opened_at = None
    for event in events:
        now += timedelta(seconds=step_seconds)
        if event == "trip":
            circuit = circuit.trip("x", now=now, policy=POLICY)
            if not expect_open:
                opened_at = now
            expect_open = True
        elif event == "probe_failed":
            circuit = circuit.probe_failed()
        else:
            circuit = circuit.probe_succeeded(now=now)
            expect_open = False

        assert circuit.is_open is expect_open
        assert circuit.opened_at == (opened_at if expect_open else None)
        assert FIRST_PROBE_SECONDS <= circuit.next_probe_seconds(POLICY) <= POLICY.max_seconds

"""One weekly run is one trace (SPEC 14): the services as processes exporting over OTLP/HTTP to
an in-process receiver; from the HTTP trigger's span through RabbitMQ to every SMTP send, with
every span's parent in the trace. And with no endpoint the same run exports nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_aggregator.evaluation import EVALUATORS, step_name
from sportify_common.clock import utc_now
from sportify_common.jobs.names import JobName
from sportify_common.periods import PeriodKind, latest_closed
from sportify_common.settings import Settings, load_settings
from tests.support.factories import befriend, insert_user, insert_workout
from tests.support.otlp import OtlpReceiver, ReceivedSpan, span_tree
from tests.support.smtp import SmtpSink
from tests.support.stack import ServiceStack, settings_env

pytestmark = pytest.mark.e2e

SERVICES = ("aggregator", "mailer", "monitor")


async def _three_users(engine: AsyncEngine, settings: Settings) -> None:
    week = latest_closed(PeriodKind.WEEKLY, utc_now(), settings.zone)
    ann = await insert_user(engine, display_name="Ann", email="ann@example.test", locale="en")
    ben = await insert_user(engine, display_name="Ben", email="ben@example.test", locale="de")
    cid = await insert_user(engine, display_name="Cid", email="cid@example.test", locale="en")
    await befriend(engine, ann, ben, "accepted")
    await insert_workout(engine, ann, week.start, [("pushups", 50, 500)])
    await insert_workout(engine, ben, week.start + timedelta(hours=30), [("running", 10, 300)])
    await insert_workout(engine, cid, week.start + timedelta(hours=50), [("situps", 20, 200)])


def _sink_settings(settings: Settings, sink: SmtpSink) -> Settings:
    return load_settings(
        **{**settings.model_dump(), "smtp_host": "127.0.0.1", "smtp_port": sink.port}
    )


def _run_trace(spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
    roots = [s for s in spans if s.name == "trigger weekly-events"]
    if len(roots) != 1:
        return []
    return [s for s in spans if s.trace_id == roots[0].trace_id]


def _complete(spans: list[ReceivedSpan]) -> bool:
    run = _run_trace(spans)
    return (
        sum(s.name == "smtp send" for s in run) == 3
        and any(s.name.endswith("job.finished process") for s in run)
        and any(s.name == "trigger weekly-events" for s in run)
    )


async def test_a_weekly_run_is_one_trace_from_the_trigger_to_each_smtp_send(
    settings: Settings,
    engine: AsyncEngine,
    sink: SmtpSink,
    service_stack: Callable[[dict[str, str]], ServiceStack],
) -> None:
    settings = _sink_settings(settings, sink)
    await _three_users(engine, settings)
    receiver = OtlpReceiver().start()
    try:
        stack = service_stack(
            settings_env(
                settings,
                OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                OTEL_BSP_SCHEDULE_DELAY="100",
            )
        )
        for service in SERVICES:
            stack.start(service)
        await stack.wait_ready(timeout=180)

        answer = await stack.post("/api/events/weekly")
        assert answer.status_code == 200, answer.text
        assert answer.json()["emailSummary"]["queued"] == 3
        await sink.wait_for(3)
        spans = await asyncio.to_thread(receiver.wait_for, _complete, 30)
    finally:
        receiver.stop()

    run = _run_trace(spans)
    print(f"\ntrace {run[0].trace_id}:\n{span_tree(run)}")  # noqa: T201 - the tree, with -s
    ids = {s.span_id for s in run}
    roots = [s for s in run if s.parent_span_id == ""]
    assert [s.name for s in roots] == ["POST /api/events/weekly"]  # FastAPI's own server span
    root = roots[0]
    orphans = [s.name for s in run if s is not root and s.parent_span_id not in ids]
    assert orphans == [], f"spans whose parent is not in the trace: {orphans}"
    trigger = next(s for s in run if s.name == "trigger weekly-events")
    assert trigger.attributes["sportify.job_run_id"] == answer.json()["jobRunId"]

    by_name: dict[str, list[ReceivedSpan]] = {}
    for span in run:
        by_name.setdefault(span.name, []).append(span)
    by_id = {s.span_id: s for s in run}

    def ancestors(span: ReceivedSpan) -> list[str]:
        names = []
        while span.parent_span_id:
            span = by_id[span.parent_span_id]
            names.append(span.name)
        return names

    assert {s.service for s in run} == {
        "sportify-monitor",
        "sportify-aggregator",
        "sportify-mailer",
    }
    assert "claim weekly-events" in by_name
    assert any(name.endswith("period.closed process") for name in by_name)
    steps = [s.name for s in run if s.name.startswith("step ")]
    assert "step prepare.create_weekly_stats" in steps
    assert "step weekly.write_week" in steps
    # One span per step of the week's evaluator.
    expected = [f"step {step_name(step)}" for step in EVALUATORS[JobName.WEEKLY_EVENTS].steps]
    assert sorted(steps) == sorted(expected)
    assert by_name["summaries weekly-events"]
    assert by_name["publish email.requested"]
    for send in by_name["smtp send"]:
        chain = ancestors(send)
        assert chain[0] == "store email.requested"
        assert "publish email.requested" in chain
        assert "summaries weekly-events" in chain
        assert "trigger weekly-events" in chain
        assert chain[-1] == "POST /api/events/weekly"
        assert send.attributes["sportify.email_status"] == "sent"
    finished = [s for s in run if s.name.endswith("job.finished process")]
    assert all(s.service == "sportify-monitor" for s in finished)
    assert any("results weekly-events" not in ancestors(s) for s in finished)

    # The services' log lines in a span carry the trace id.
    assert f"trace_id={root.trace_id}" in stack.log("aggregator")


async def test_without_an_endpoint_a_weekly_run_exports_nothing(
    settings: Settings,
    engine: AsyncEngine,
    sink: SmtpSink,
    service_stack: Callable[[dict[str, str]], ServiceStack],
) -> None:
    settings = _sink_settings(settings, sink)
    await _three_users(engine, settings)
    receiver = OtlpReceiver().start()
    try:
        # The receiver listens where the default endpoint would be if the SDK exported anyway.
        stack = service_stack(
            settings_env(
                settings,
                OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{receiver.endpoint}/v1/traces",
                OTEL_BSP_SCHEDULE_DELAY="100",
            )
        )
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in stack.env
        for service in SERVICES:
            stack.start(service)
        await stack.wait_ready(timeout=180)
        answer = await stack.post("/api/events/weekly")
        assert answer.status_code == 200, answer.text
        await sink.wait_for(3)
        stack.stop_all()  # a provider would flush its spans on exit
        assert receiver.spans() == []
    finally:
        receiver.stop()
    assert "trace_id=" not in stack.log("aggregator")


async def test_a_scheduled_weekly_run_is_one_trace_from_its_slot_to_each_smtp_send(
    settings: Settings,
    engine: AsyncEngine,
    sink: SmtpSink,
    service_stack: Callable[[dict[str, str]], ServiceStack],
) -> None:
    settings = _sink_settings(settings, sink)
    await _three_users(engine, settings)
    receiver = OtlpReceiver().start()

    def weekly_trace(spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
        roots = [s for s in spans if s.name == "scheduled weekly-events"]
        return [s for s in spans if roots and s.trace_id == roots[0].trace_id]

    def complete(spans: list[ReceivedSpan]) -> bool:
        return sum(s.name == "smtp send" for s in weekly_trace(spans)) == 3

    try:
        # On start the scheduler catches up the week that closed last (a CATCH_UP slot).
        stack = service_stack(
            settings_env(
                settings,
                OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                OTEL_BSP_SCHEDULE_DELAY="100",
                SCHEDULER_CATCH_UP_PERIODS="1",
            )
        )
        for service in SERVICES:
            stack.start(service)
        await stack.wait_ready(timeout=180)
        stack.start("scheduler")
        spans = await asyncio.to_thread(receiver.wait_for, complete, 180)
    finally:
        receiver.stop()

    run = weekly_trace(spans)
    print(f"\ntrace {run[0].trace_id}:\n{span_tree(run)}")  # noqa: T201 - the tree, with -s
    ids = {s.span_id for s in run}
    roots = [s for s in run if s.parent_span_id == ""]
    assert [(s.name, s.service) for s in roots] == [
        ("scheduled weekly-events", "sportify-scheduler")
    ]
    assert roots[0].attributes["sportify.trigger"] == "catch-up"
    assert [s.name for s in run if s is not roots[0] and s.parent_span_id not in ids] == []
    names = {s.name for s in run}
    assert {"claim weekly-events", "results weekly-events", "store email.requested"} <= names

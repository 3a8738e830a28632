"""Wiring only (TestRabbitBroker): the subscriber validates the body and delegates the run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faststream.rabbit import RabbitBroker, TestRabbitBroker
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from sportify_aggregator import runs
from sportify_aggregator.app import create_app
from sportify_aggregator.evaluation import Runtime
from sportify_common.messages import PeriodClosed, RoutingKey
from sportify_common.settings import load_settings
from sportify_common.topology import Topology

SETTINGS = load_settings(amqp_namespace="unit-aggregator")
TOPOLOGY = Topology("unit-aggregator")
BODY = {
    "jobRunId": "6d5af379-10c2-4395-b2e4-adbdeb5bbb5a",
    "jobName": "weekly-events",
    "periodStart": "2026-02-02T00:00:00.000Z",
    "periodEnd": "2026-02-09T00:00:00.000Z",
    "force": False,
}


def aggregator_broker() -> RabbitBroker:
    broker = create_app(SETTINGS, registry=CollectorRegistry()).broker
    assert isinstance(broker, RabbitBroker)
    return broker


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[PeriodClosed]:
    seen: list[PeriodClosed] = []

    async def fake_run_period(runtime: Runtime, msg: PeriodClosed) -> None:
        seen.append(msg)

    monkeypatch.setattr(runs, "run_period", fake_run_period)
    return seen


async def test_period_closed_is_validated_and_handed_to_the_evaluation(
    calls: list[PeriodClosed],
) -> None:
    async with TestRabbitBroker(aggregator_broker()) as broker:
        await broker.publish(
            BODY, exchange=TOPOLOGY.exchange, routing_key=RoutingKey.PERIOD_CLOSED.value
        )

    assert len(calls) == 1
    assert str(calls[0].job_run_id) == BODY["jobRunId"]
    assert calls[0].period_start == datetime(2026, 2, 2, tzinfo=UTC)


async def test_a_body_with_unknown_keys_never_reaches_the_evaluation(
    calls: list[PeriodClosed],
) -> None:
    async with TestRabbitBroker(aggregator_broker()) as broker:
        with pytest.raises(ValidationError):
            await broker.publish(
                {**BODY, "extra": 1},
                exchange=TOPOLOGY.exchange,
                routing_key=RoutingKey.PERIOD_CLOSED.value,
            )

    assert calls == []

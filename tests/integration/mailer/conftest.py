from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.settings import Settings, load_settings
from sportify_mailer.app import delivery_config
from sportify_mailer.circuit import ProbePolicy
from sportify_mailer.delivery import Delivery, DeliveryConfig
from sportify_mailer.smtp import SmtpPool
from tests.support.mail_factories import ManualClock
from tests.support.smtp import SmtpSink


@pytest.fixture
def mail_settings(settings: Settings, sink: SmtpSink) -> Settings:
    return load_settings(
        **{
            **settings.model_dump(),
            "smtp_host": "127.0.0.1",
            "smtp_port": sink.port,
            "smtp_tls": "none",
            "smtp_timeout_seconds": 5.0,
            "email_retry_base_seconds": 30.0,
            "email_retry_max_seconds": 600.0,
        }
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def pool(mail_settings: Settings) -> AsyncIterator[SmtpPool]:
    pool = SmtpPool(mail_settings)
    yield pool
    await pool.close()


FAST_PROBES = ProbePolicy(first_seconds=0.05, max_seconds=0.2)
"""Probes within a fraction of a second, so a test sees its circuit close without waiting 5 s."""


def fast_config(settings: Settings) -> DeliveryConfig:
    return replace(delivery_config(settings), probe=FAST_PROBES)


@pytest.fixture
async def delivery(
    engine: AsyncEngine, pool: SmtpPool, mail_settings: Settings, clock: ManualClock
) -> AsyncIterator[Delivery]:
    delivery = Delivery(engine, pool, fast_config(mail_settings), clock=clock, rng=lambda: 0.5)
    yield delivery
    await delivery.breaker.stop()

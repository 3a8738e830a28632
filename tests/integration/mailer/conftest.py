from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.settings import Settings, load_settings
from sportify_mailer.app import delivery_config
from sportify_mailer.delivery import Delivery
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


@pytest.fixture
def delivery(
    engine: AsyncEngine, pool: SmtpPool, mail_settings: Settings, clock: ManualClock
) -> Delivery:
    return Delivery(engine, pool, delivery_config(mail_settings), clock=clock, rng=lambda: 0.5)

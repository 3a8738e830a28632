"""The ops console in a real browser: one stack (aggregator, mailer, monitor as processes
against this module's own database and AMQP namespace), one headless Chromium for the session,
axe-core from npm for the accessibility checks, screenshots under build/screenshots/."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import SecretStr
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sportify_common.broker import delete_namespace
from sportify_common.settings import Settings, load_settings
from tests.support.databases import create_database, drop_database, unique_name, with_database
from tests.support.smtp import SmtpSink
from tests.support.stack import ServiceStack, settings_env

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ADMIN_TOKEN = "console-admin-token-for-tests"
CRON_SECRET = "console-cron-secret-for-tests"
ZONE = "Europe/Berlin"
BROWSER_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js from the committed package-lock (npm ci once per checkout)."""
    script = HERE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not installed: the console's accessibility checks need axe-core")
        subprocess.run(  # noqa: S603 - npm from PATH, fixed arguments
            [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300
        )
    return script.read_text()


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            pytest.fail(f"{path} is missing: make test installs chromium and chromium-driver")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
async def console_database_url(
    server_database_url: str, template_database: str
) -> AsyncIterator[str]:
    name = unique_name("sportify_console")
    await create_database(server_database_url, name, template=template_database)
    yield with_database(server_database_url, name)
    await drop_database(server_database_url, name)


@pytest.fixture(scope="module")
async def console_settings(
    console_database_url: str, amqp_url: str, smtp_sink: SmtpSink
) -> AsyncIterator[Settings]:
    settings = load_settings(
        database_url=console_database_url,
        amqp_url=amqp_url,
        amqp_namespace=f"test-{uuid4().hex[:10]}",
        cron_secret=SecretStr(CRON_SECRET),
        admin_api_token=SecretStr(ADMIN_TOKEN),
        events_trigger_wait_seconds=20.0,
        events_timezone=ZONE,
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
    )
    yield settings
    await delete_namespace(amqp_url, settings.amqp_namespace)


@pytest.fixture(scope="module")
async def console_engine(console_settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(console_settings.async_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def console_stack(
    console_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServiceStack]:
    env = settings_env(
        console_settings,
        SCHEDULER_CATCH_UP_PERIODS="0",
        EMAIL_RETRY_POLL_SECONDS="0.5",
    )
    stack = ServiceStack(env=env, log_dir=tmp_path_factory.mktemp("console-services"))
    try:
        for service in ("aggregator", "mailer", "monitor"):
            stack.start(service)
        await stack.wait_ready(timeout=180)  # three cold starts on a busy machine
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

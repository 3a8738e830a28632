"""The ops console driven in headless Chromium against the running services (SPEC 13).

The tests share one stack and one browser and run in file order, as an operator would: sign
in, look at the overview after a weekly run, pause a schedule, run a backfill, requeue a failed
email, replay a dead letter; then every page is photographed at 1280 and 375 px and checked
with axe-core; last come the refusals (CSRF, sign-out, rate limit).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import aio_pika
import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from sportify_common.clock import utc_now
from sportify_common.messages import RoutingKey
from sportify_common.periods import PeriodKind, latest_closed, previous
from sportify_common.settings import Settings
from sportify_common.topology import Topology
from tests.console.conftest import ADMIN_TOKEN
from tests.support.factories import befriend, insert_user, insert_workout
from tests.support.mail_admin_factories import insert_failed
from tests.support.mail_factories import email_requested
from tests.support.smtp import SmtpSink
from tests.support.stack import ServiceStack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

T = TypeVar("T")
WAIT = 30.0
WIDTHS = (1280, 375)
OPERATOR = "Ana Operator"


# --- helpers ------------------------------------------------------------------------------------


async def eventually(check: Callable[[], T | None], *, what: str, timeout: float = WAIT) -> T:
    """Poll `check` (browser calls block; the services run in other processes) until truthy."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # a page mid-reload: try again until the deadline
            last = exc
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}" + (f": {last!r}" if last else ""))


async def eventually_async(check: Callable[[], Awaitable[T | None]], *, what: str) -> T:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def css(browser: webdriver.Chrome, selector: str) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, selector)


def main_text(browser: webdriver.Chrome) -> str:
    return css(browser, "main").text


def flash(browser: webdriver.Chrome) -> str:
    found = browser.find_elements(By.CSS_SELECTOR, ".flash")
    return found[0].text if found else ""


def viewport(browser: webdriver.Chrome, width: int, height: int = 900) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500},
    )


def navigate(browser: webdriver.Chrome, element: WebElement) -> None:
    """Click a link or a submit button and wait until the next page has loaded: the marker
    set on the old document is gone and the new document is complete."""
    browser.execute_script("window.sportifyOldPage = true;")
    element.click()
    WebDriverWait(browser, WAIT, ignored_exceptions=(WebDriverException,)).until(
        lambda driver: driver.execute_script(
            "return !window.sportifyOldPage && document.readyState === 'complete';"
        )
    )


def sign_in(browser: webdriver.Chrome, base: str, token: str = ADMIN_TOKEN) -> None:
    browser.get(base + "/ops/sign-in")
    css(browser, "#token").send_keys(token)
    css(browser, "#name").send_keys(OPERATOR)
    navigate(browser, css(browser, "form.form-stack button[type=submit]"))


def session_cookie(browser: webdriver.Chrome) -> dict[str, Any]:
    cookie = browser.get_cookie("sportify_ops")
    assert cookie is not None, "no session cookie"
    return cookie


# --- the operator's walk ------------------------------------------------------------------------


async def test_sign_in_with_the_admin_token_sets_a_strict_http_only_session_cookie(
    browser: webdriver.Chrome, console_stack: ServiceStack
) -> None:
    base = console_stack.monitor_url
    browser.delete_all_cookies()
    browser.get(base + "/ops/")
    assert browser.current_url.endswith("/ops/sign-in")  # no session: to the sign-in page

    sign_in(browser, base, token="not-the-token")
    assert "not the admin token" in main_text(browser)
    assert browser.get_cookie("sportify_ops") is None

    sign_in(browser, base)
    await eventually(lambda: browser.current_url.endswith("/ops/"), what="the overview")
    cookie = session_cookie(browser)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/ops"
    assert 11.9 * 3600 < cookie["expiry"] - time.time() <= 12 * 3600
    assert ADMIN_TOKEN not in browser.current_url
    assert f"console:{OPERATOR}" in css(browser, ".who").text


async def test_the_overview_after_a_weekly_run_shows_it_completed(
    browser: webdriver.Chrome,
    console_stack: ServiceStack,
    console_engine: AsyncEngine,
    console_settings: Settings,
) -> None:
    week = latest_closed(PeriodKind.WEEKLY, utc_now(), console_settings.zone)
    eve = await insert_user(console_engine, display_name="Eve", email="eve@example.test")
    bob = await insert_user(console_engine, display_name="Bob", email="bob@example.test")
    await befriend(console_engine, eve, bob, "accepted")
    await insert_workout(
        console_engine, eve, week.start + timedelta(hours=8), [("pushups", 50, 500)]
    )
    await insert_workout(
        console_engine, bob, week.start + timedelta(hours=30), [("running", 10, 300)]
    )
    answer = await console_stack.post("/api/events/weekly")
    assert answer.status_code == 200, answer.text
    run_id = answer.json()["jobRunId"]

    browser.get(console_stack.monitor_url + "/ops/")
    row = css(browser, f"a[href='/ops/runs/{run_id}']").find_element(By.XPATH, "./ancestor::tr")
    assert row.find_element(By.CSS_SELECTOR, "th").text == "weekly-events"
    assert row.find_element(By.CSS_SELECTOR, "td[data-label=Status]").text == "completed"
    shown = row.find_element(By.CSS_SELECTOR, "td[data-label='Last run'] time")
    assert str(shown.get_attribute("title")).endswith("Z (UTC)")  # the UTC instant on hover

    navigate(browser, css(browser, f"a[href='/ops/runs/{run_id}']"))
    page = main_text(browser)
    assert "completed" in page
    assert "Users processed" in page
    assert "Email summary" in page


async def test_a_schedule_paused_with_a_note_shows_in_the_audit_log(
    browser: webdriver.Chrome, console_stack: ServiceStack, console_engine: AsyncEngine
) -> None:
    base = console_stack.monitor_url
    browser.get(base + "/ops/schedules")
    css(browser, "#note-monthly-events").send_keys("quarter close, until Friday")
    navigate(browser, css(browser, "#pause-monthly-events"))
    assert flash(browser) == "monthly-events paused."
    row = css(browser, "#resume-monthly-events").find_element(By.XPATH, "./ancestor::tr")
    assert "paused" in row.find_element(By.CSS_SELECTOR, "td[data-label=State]").text
    assert "quarter close, until Friday" in row.text

    browser.get(base + "/ops/audit?action=schedule.pause")
    entry = css(browser, "tbody tr")
    assert entry.find_element(By.CSS_SELECTOR, "td[data-label=Actor]").text == f"console:{OPERATOR}"
    assert entry.find_element(By.CSS_SELECTOR, "td[data-label=Target]").text == "monthly-events"
    assert "quarter close, until Friday" in entry.text
    async with console_engine.connect() as conn:
        rows = (
            await conn.execute(
                text("select actor, details from audit_log where action = 'schedule.pause'")
            )
        ).all()
    assert [(r.actor, r.details["note"]) for r in rows] == [
        (f"console:{OPERATOR}", "quarter close, until Friday")
    ]

    browser.get(base + "/ops/schedules")
    navigate(browser, css(browser, "#resume-monthly-events"))
    assert flash(browser) == "monthly-events resumed."


async def test_a_backfill_shows_its_dry_run_then_runs_to_completion(
    browser: webdriver.Chrome,
    console_stack: ServiceStack,
    console_engine: AsyncEngine,
    console_settings: Settings,
) -> None:
    zone = console_settings.zone
    latest = latest_closed(PeriodKind.WEEKLY, utc_now(), zone)
    last = previous(latest, zone)
    first = previous(last, zone)
    browser.get(console_stack.monitor_url + "/ops/schedules")
    css(browser, "#bf-from").send_keys(first.label)
    css(browser, "#bf-to").send_keys(last.label)
    css(browser, "#bf-reason").send_keys("two weeks the scheduler missed")
    navigate(browser, css(browser, "#bf-submit"))

    assert browser.current_url.endswith("/ops/backfills/plan")
    plan = css(browser, "table tbody")
    assert [td.text for td in plan.find_elements(By.CSS_SELECTOR, "td[data-label=Action]")] == [
        "run",
        "run",
    ]
    assert "2 of 2 periods will run" in css(browser, "#confirm-backfill").text
    async with console_engine.connect() as conn:
        assert (await conn.execute(text("select count(*) from backfills"))).scalar_one() == 0

    navigate(browser, css(browser, "#confirm-backfill button[type=submit]"))
    assert flash(browser) == "Backfill started."

    def completed() -> bool:
        browser.refresh()
        return "completed" in css(browser, "h1").text

    await eventually(completed, what="the backfill to complete", timeout=60)
    outcomes = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "td[data-label=Outcome]")]
    assert outcomes == ["completed", "completed"]
    async with console_engine.connect() as conn:
        runs = (
            await conn.execute(
                text(
                    "select status, metadata->>'trigger' as trigger from job_runs "
                    "where metadata ? 'backfillId'"
                )
            )
        ).all()
    assert sorted((r.status, r.trigger) for r in runs) == [
        ("completed", "backfill"),
        ("completed", "backfill"),
    ]


async def test_a_failed_email_is_requeued_after_the_dry_run_count_and_sent(
    browser: webdriver.Chrome,
    console_stack: ServiceStack,
    console_engine: AsyncEngine,
    smtp_sink: SmtpSink,
) -> None:
    [failed] = await insert_failed(console_engine, 1, created_at=utc_now())
    async with console_engine.connect() as conn:
        recipient = (
            await conn.execute(
                text("select recipient from email_queue where id = :id"), {"id": failed}
            )
        ).scalar_one()
    browser.get(console_stack.monitor_url + "/ops/emails?status=failed")
    css(browser, f"#sel-{failed}").click()
    navigate(browser, css(browser, "#requeue-form button[value=selected]"))

    count = css(browser, "#requeue-count").text
    assert "1 failed email would go back to pending" in count
    assert (await _status_of(console_engine, failed)) == "failed"  # the dry run changed nothing

    navigate(
        browser, css(browser, "form[action='/ops/emails/requeue/confirm'] button[type=submit]")
    )
    assert flash(browser) == "Requeued 1 of 1 matching emails."
    await eventually(lambda: smtp_sink.to(recipient), what="the requeued email at the sink")
    await eventually_async(
        lambda: _is(console_engine, failed, "sent"), what="the email row to be sent"
    )
    browser.get(console_stack.monitor_url + f"/ops/emails/{failed}")
    assert "sent" in css(browser, "dl.facts").text
    assert css(browser, "iframe.email").get_attribute("sandbox") == ""


async def _status_of(engine: AsyncEngine, email_id: UUID) -> str:
    async with engine.connect() as conn:
        return str(
            (
                await conn.execute(
                    text("select status from email_queue where id = :id"), {"id": email_id}
                )
            ).scalar_one()
        )


async def _is(engine: AsyncEngine, email_id: UUID, status: str) -> bool:
    return (await _status_of(engine, email_id)) == status


async def test_a_dead_letter_is_replayed_and_delivered(
    browser: webdriver.Chrome,
    console_stack: ServiceStack,
    console_settings: Settings,
    smtp_sink: SmtpSink,
) -> None:
    topology = Topology(console_settings.amqp_namespace, console_settings.message_max_deliveries)
    dlq = topology.dead_letter_queue("mailer", RoutingKey.EMAIL_REQUESTED).name
    message = email_requested(recipient="replayed@example.test", subject="Back from the DLQ")
    connection = await aio_pika.connect(console_settings.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        await channel.default_exchange.publish(
            aio_pika.Message(message.model_dump_json(by_alias=True).encode()), routing_key=dlq
        )
    finally:
        await connection.close()

    base = console_stack.monitor_url
    browser.get(base + "/ops/dead-letters")
    link = css(browser, f"a[href='/ops/dead-letters/{dlq}']")
    assert "1 waiting" in link.find_element(By.XPATH, "./ancestor::tr").text
    navigate(browser, link)

    def peeked() -> bool:  # a quorum queue may report a message before basic.get returns it
        letters = browser.find_elements(By.CSS_SELECTOR, "section.letter pre")
        if not letters:
            browser.refresh()
            return False
        return "Back from the DLQ" in letters[0].text

    await eventually(peeked, what="the peeked dead letter")  # peeked, not taken
    assert "1 waiting" in main_text(browser)
    navigate(browser, css(browser, "#replay-form button[type=submit]"))
    assert flash(browser) == "Replayed 1 messages."
    assert "0 waiting" in main_text(browser)
    await eventually(
        lambda: smtp_sink.to("replayed@example.test"), what="the replayed email at the sink"
    )
    browser.get(base + "/ops/audit?action=dead-letters.replay")
    assert dlq in css(browser, "tbody tr").text


async def test_a_preview_shows_the_users_summary_and_sends_a_test(
    browser: webdriver.Chrome,
    console_stack: ServiceStack,
    console_engine: AsyncEngine,
    console_settings: Settings,
    smtp_sink: SmtpSink,
) -> None:
    week = latest_closed(PeriodKind.WEEKLY, utc_now(), console_settings.zone)
    async with console_engine.connect() as conn:
        eve = (
            await conn.execute(text("select id from users where email = 'eve@example.test'"))
        ).scalar_one()
    browser.get(console_stack.monitor_url + "/ops/preview")
    css(browser, "#p-user").send_keys(str(eve))
    css(browser, "#p-period").send_keys(week.label)
    navigate(browser, css(browser, "#p-submit"))
    subject = css(browser, "dl.facts dd").text
    assert subject.startswith("Deine Woche: "), subject  # Eve reads German (the default)
    assert css(browser, "iframe.email").get_attribute("sandbox") == ""
    assert "Eve" in css(browser, "main pre").text

    css(browser, "#p-to").send_keys("tester@example.test")
    navigate(browser, css(browser, "#send-test button[type=submit]"))
    assert flash(browser).startswith("Test sent to tester@example.test: [TEST] ")
    [sent] = await eventually(
        lambda: smtp_sink.to("tester@example.test"), what="the test email at the sink"
    )
    assert str(sent["Subject"]) == f"[TEST] {subject}"
    browser.get(console_stack.monitor_url + "/ops/audit?action=preview.send-test")
    entry = css(browser, "tbody tr").text
    assert f"console:{OPERATOR}" in entry
    assert str(eve) in entry


# --- every page, both widths, axe-core ----------------------------------------------------------

AXE_RUN = (
    "return axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21aa']}}).then(r => r.violations.map(v => "
    "({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})));"
)


def photograph_and_check(
    browser: webdriver.Chrome, name: str, width: int, axe_source: str, screenshots: Path
) -> list[dict[str, Any]]:
    """Screenshot of the whole page at `width`; the serious or critical axe violations."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    viewport(browser, width, min(int(height), 3000))
    browser.save_screenshot(str(screenshots / f"{name}-{width}.png"))
    browser.execute_script(axe_source)
    found: list[dict[str, Any]] = browser.execute_script(AXE_RUN)
    return [v for v in found if v["impact"] in ("serious", "critical")]


async def test_every_page_has_screenshots_and_no_serious_accessibility_violation(
    browser: webdriver.Chrome,
    console_stack: ServiceStack,
    console_engine: AsyncEngine,
    axe_source: str,
    screenshots: Path,
) -> None:
    async with console_engine.connect() as conn:
        run_id = (
            await conn.execute(text("select id from job_runs order by created_at desc limit 1"))
        ).scalar_one()
        email_id = (
            await conn.execute(text("select id from email_queue order by created_at limit 1"))
        ).scalar_one()
        backfill_id = (await conn.execute(text("select id from backfills limit 1"))).scalar_one()
        user_id = (
            await conn.execute(text("select id from users where email = 'eve@example.test'"))
        ).scalar_one()
    dlq = (
        Topology(console_stack.env["AMQP_NAMESPACE"], 5)
        .dead_letter_queue("mailer", RoutingKey.EMAIL_REQUESTED)
        .name
    )
    pages = {
        "overview": "/ops/",
        "runs": "/ops/runs",
        "run": f"/ops/runs/{run_id}",
        "schedules": "/ops/schedules",
        "backfill": f"/ops/backfills/{backfill_id}",
        "emails": "/ops/emails",
        "email": f"/ops/emails/{email_id}",
        "suppressions": "/ops/suppressions",
        "dead-letters": "/ops/dead-letters",
        "dead-letter-queue": f"/ops/dead-letters/{dlq}",
        "audit": "/ops/audit",
        "preview": f"/ops/preview?kind=weekly&userId={user_id}",
    }
    problems: dict[str, list[dict[str, Any]]] = {}
    try:
        for width in WIDTHS:
            for name, path in pages.items():
                viewport(browser, width)
                browser.get(console_stack.monitor_url + path)
                assert css(browser, "h1").text, f"{name} has no heading"
                if width == WIDTHS[-1]:
                    overflow = browser.execute_script(
                        "return document.documentElement.scrollWidth - window.innerWidth"
                    )
                    assert overflow <= 0, f"{name} scrolls sideways at {width} px by {overflow}"
                blocking = photograph_and_check(browser, name, width, axe_source, screenshots)
                if blocking:
                    problems[f"{name}@{width}"] = blocking
        browser.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
        )
        for name, path in pages.items():  # the dark scheme's contrast too
            viewport(browser, WIDTHS[0])
            browser.get(console_stack.monitor_url + path)
            blocking = photograph_and_check(
                browser, f"{name}-dark", WIDTHS[0], axe_source, screenshots
            )
            if blocking:
                problems[f"{name}@dark"] = blocking
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        viewport(browser, 1280)
    assert problems == {}


# --- refusals -----------------------------------------------------------------------------------


async def test_a_post_without_the_csrf_token_is_refused(
    browser: webdriver.Chrome, console_stack: ServiceStack, console_engine: AsyncEngine
) -> None:
    cookie = session_cookie(browser)
    async with httpx.AsyncClient(
        base_url=console_stack.monitor_url, cookies={cookie["name"]: cookie["value"]}
    ) as client:
        page = await client.get("/ops/schedules")
        assert page.status_code == 200  # the cookie is a valid session
        refused = await client.post("/ops/schedules/weekly-events/pause", data={"note": "no token"})
        forged = await client.post(
            "/ops/schedules/weekly-events/pause",
            data={"note": "forged token", "csrf_token": "0" * 64},
        )
    for answer in (refused, forged):
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("text/html")
        assert "CSRF" in answer.text
    async with console_engine.connect() as conn:
        paused = (
            await conn.execute(
                text("select paused from schedule_states where job_name = 'weekly-events'")
            )
        ).scalar_one_or_none()
    assert not paused


async def test_the_console_sends_a_strict_content_security_policy(
    console_stack: ServiceStack,
) -> None:
    async with httpx.AsyncClient(base_url=console_stack.monitor_url) as client:
        answer = await client.get("/ops/sign-in")
    policy = answer.headers["content-security-policy"]
    for directive in (
        "default-src 'none'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ):
        assert directive in policy
    assert "script-src" not in policy  # no script at all


async def test_behind_https_the_session_cookie_is_secure(console_stack: ServiceStack) -> None:
    async with httpx.AsyncClient(base_url=console_stack.monitor_url) as client:
        form = await client.get("/ops/sign-in", headers={"X-Forwarded-Proto": "https"})
        assert "secure" in form.headers["set-cookie"].lower()
        pre = form.cookies["sportify_ops_signin"]
        answer = await client.post(
            "/ops/sign-in",
            data={"csrf_token": pre, "token": ADMIN_TOKEN, "name": ""},
            headers={"X-Forwarded-Proto": "https", "Cookie": f"sportify_ops_signin={pre}"},
        )
    assert answer.status_code == 303
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie")
    assert cookie.startswith("sportify_ops=")
    for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/ops", "Max-Age=43200"):
        assert attribute.lower() in cookie.lower()


async def test_sign_out_ends_the_session(
    browser: webdriver.Chrome, console_stack: ServiceStack, axe_source: str, screenshots: Path
) -> None:
    browser.get(console_stack.monitor_url + "/ops/")
    navigate(browser, css(browser, ".who form button[type=submit]"))
    assert browser.current_url.split("?")[0].endswith("/ops/sign-in")
    assert flash(browser) == "Signed out."
    assert browser.get_cookie("sportify_ops") is None
    browser.get(console_stack.monitor_url + "/ops/audit")
    assert browser.current_url.endswith("/ops/sign-in")
    problems = {}
    try:
        for width in WIDTHS:
            viewport(browser, width)
            browser.get(console_stack.monitor_url + "/ops/sign-in")
            problems[width] = photograph_and_check(
                browser, "sign-in", width, axe_source, screenshots
            )
    finally:
        viewport(browser, 1280)
    assert problems == {1280: [], 375: []}


async def test_failed_sign_ins_are_rate_limited_per_address(
    console_stack: ServiceStack,
) -> None:
    async with httpx.AsyncClient(base_url=console_stack.monitor_url) as client:
        form = await client.get("/ops/sign-in")
        pre = form.cookies["sportify_ops_signin"]
        answers = []
        for _ in range(6):
            answer = await client.post(
                "/ops/sign-in",
                data={"csrf_token": pre, "token": "guess", "name": ""},
            )
            answers.append(answer.status_code)
        right = await client.post(
            "/ops/sign-in",
            data={"csrf_token": pre, "token": ADMIN_TOKEN, "name": ""},
        )
    assert answers == [401, 401, 401, 401, 401, 429]
    assert right.status_code == 429  # blocked for the window, even with the right token
    assert "Too many failed sign-ins" in right.text

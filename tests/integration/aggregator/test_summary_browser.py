"""The summary emails in headless Chromium at a phone's 375 px and the email's 600 px: no
horizontal overflow, the headline figures on the first screen. Writes two screenshots (German
weekly at 600 px, English monthly at 375 px) to $SCREENSHOT_DIR (default build/screenshots)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from sportify_aggregator import wording
from sportify_aggregator.render import email_parts
from tests.support.browser import chromium, screenshot_dir, set_viewport
from tests.support.summary_samples import (
    BASE_URL,
    KINDS,
    LOCALES,
    UNSUBSCRIBE_URL,
    VARIANTS,
    sample,
)

pytestmark = pytest.mark.integration

WIDTHS = (375, 600)
FIRST_SCREEN = 740  # a phone's or a mail client's first screen, in CSS pixels
SCREENSHOTS = {
    ("de", "weekly", 600): "weekly-de-600.png",
    ("en", "monthly", 375): "monthly-en-375.png",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


def open_email(
    browser: webdriver.Chrome, directory: Path, locale: str, kind: str, variant: str, width: int
) -> None:
    summary, period = sample(locale, kind, variant)
    parts = email_parts(
        summary, period, wording.LOCALES[locale], base_url=BASE_URL, unsubscribe_url=UNSUBSCRIBE_URL
    )
    page = directory / f"{kind}.{locale}.{variant}.html"
    page.write_text(parts.html, encoding="utf-8")
    set_viewport(browser, width, FIRST_SCREEN)
    browser.get(page.as_uri())


@pytest.mark.parametrize("width", WIDTHS)
def test_no_summary_overflows_and_its_headline_is_on_the_first_screen(
    browser: webdriver.Chrome, width: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for locale in LOCALES:
            for kind in KINDS:
                for variant in VARIANTS:
                    case = f"{kind} {locale} {variant} at {width}px"
                    open_email(browser, Path(tmp), locale, kind, variant, width)

                    scroll = browser.execute_script("return document.documentElement.scrollWidth")
                    inner = browser.execute_script("return window.innerWidth")
                    assert inner == width, case
                    assert scroll <= inner, case
                    headline = _headline_bottom(browser)
                    assert 0 < headline <= FIRST_SCREEN, f"{case}: headline ends at {headline}px"

                    name = SCREENSHOTS.get((locale, kind, width))
                    if name and variant == "normal":
                        _screenshot(browser, width, screenshot_dir() / name)


def _headline_bottom(browser: webdriver.Chrome) -> float:
    """The lowest edge of the headline tiles (or of the empty variant's message)."""
    cells = browser.find_elements(By.CSS_SELECTOR, ".sp-value") or browser.find_elements(
        By.CSS_SELECTOR, ".sp-empty"
    )
    assert cells, "no headline in the page"
    return max(
        float(browser.execute_script("return arguments[0].getBoundingClientRect().bottom", c))
        for c in cells
    )


def _screenshot(browser: webdriver.Chrome, width: int, path: Path) -> None:
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    set_viewport(browser, width, height)
    assert browser.save_screenshot(str(path)), path
    set_viewport(browser, width, FIRST_SCREEN)

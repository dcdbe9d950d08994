"""Shared helpers for browser tests (Debian's Chromium driven by Playwright, design.md §5).

Fixtures `browser`, `new_page` and `live_cast` live in tests/conftest.py; mark a module with
`pytestmark = BROWSER_MARKS` to skip it where /usr/bin/chromium is missing.
"""

import inspect
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 15_000
MOBILE_WIDTH = 375
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def cast_password() -> str:
    from demo.cast import build_cast

    return inspect.signature(build_cast).parameters["password"].default


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    page.screenshot(path=str(target), full_page=True)
    return target


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form[action='/accounts/login/']")
    form.locator("#id_username").fill(username)
    form.locator("#id_password").fill(cast_password())
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_selector("#posts-heading")
    # The home page loads the working post's panel after it (htmx): let that finish, so the
    # test's next navigation does not abort it.
    page.wait_for_load_state("networkidle")


BROWSER_MARKS = [
    pytest.mark.browser,
    # WhiteNoise warns that STATIC_ROOT is empty; the live server serves static via finders.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]

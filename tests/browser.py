"""Shared helpers for browser tests (Debian's Chromium driven by Playwright, design.md §5).

Fixtures `browser`, `new_page` and `live_cast` live in tests/conftest.py; mark a module with
`pytestmark = BROWSER_MARKS` to skip it where /usr/bin/chromium is missing.
"""

import hashlib
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
    visits = getattr(page, "lz_visits", None)
    if visits is not None:
        visits.user = username  # pages from here on were seen as this user
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


# --- Accessibility: axe-core over every page the browser tests visit (issue 17.9) -----------

AXE = Path(__file__).resolve().parent / "tools" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, the level government sites are assessed against.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class Visits:
    """The pages a browser test saw, with who was logged in: the audit revisits each."""

    def __init__(self) -> None:
        self.user = ""
        self.seen: dict[tuple[str, str], None] = {}

    def record(self, url: str) -> None:
        if url.startswith("http"):
            self.seen[(self.user, url.split("#")[0])] = None

    def by_user(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for user, url in self.seen:
            grouped.setdefault(user, []).append(url)
        return grouped


def watch(page) -> None:
    """Record every page `page` shows (main frame only)."""
    visits = Visits()
    page.lz_visits = visits
    page.on("framenavigated", lambda frame: frame == page.main_frame and visits.record(frame.url))


def axe_violations(page) -> list[str]:
    """Run axe-core on the page as it stands: one line per violation and node."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
             .violations.map(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ') + ' — '
             + (n.failureSummary || '').split('\\n').slice(0, 2).join(' ')))""",
        AXE_TAGS,
    )
    return [line for nodes in found for line in nodes]


# Pages already audited in this worker, by what they render: many tests pass through the
# same pages (login, home) in the same state, and axe needs about a second per page.
_AUDITED: set[tuple[str | None, int, str]] = set()
# The rendered DOM without what differs between two renderings of the same page state.
_PAGE_SHAPE_JS = """() => document.documentElement.outerHTML
    .replace(/(name="csrfmiddlewaretoken"[^>]*value=")[^"]*"/g, '$1"')
    .replace(/nonce="[^"]*"/g, '')
    .replace(/\\d+/g, '0')"""


# The audit's page waits for the page to settle, not for `networkidle` (500 ms of quiet after
# every navigation: most of a browser test's teardown). Settled: loaded, no htmx request in
# flight, and no htmx event for 50 ms (a swapped fragment may start the next request at once).
_SETTLE_INIT_JS = """(() => {
    let busy = 0, last = performance.now();
    const seen = (change) => () => { busy = Math.max(0, busy + change); last = performance.now(); };
    document.addEventListener('htmx:beforeSend', seen(1), true);
    document.addEventListener('htmx:afterRequest', seen(-1), true);
    for (const name of ['htmx:afterSwap', 'htmx:afterSettle', 'htmx:load']) {
        document.addEventListener(name, seen(0), true);
    }
    window.__lzSettled = () => document.readyState === 'complete' && busy === 0
        && !document.querySelector('.htmx-request') && performance.now() - last > 50;
})()"""


def _settle(page) -> None:
    """Wait until the page has settled; a page that never says so gets `networkidle`."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("() => window.__lzSettled && window.__lzSettled()", timeout=5_000)
    except PlaywrightTimeout:
        page.wait_for_load_state("networkidle")


def audit_visits(context, visits: Visits) -> list[str]:
    """Revisit each recorded page as the user who saw it, in the test's viewport; axe each
    page whose rendering this worker has not audited yet."""
    problems = []
    page = context.new_page()
    page.add_init_script(_SETTLE_INIT_JS)
    for user, urls in visits.by_user().items():
        context.clear_cookies()
        if user:
            origin = "/".join(urls[0].split("/")[:3])
            page.goto(f"{origin}/accounts/login/")
            form = page.locator("main form[action='/accounts/login/']")
            form.locator("#id_username").fill(user)
            form.locator("#id_password").fill(cast_password())
            with page.expect_navigation():
                form.locator("button[type=submit]").click()
            _settle(page)
        for url in urls:
            page.goto(url)
            _settle(page)
            shape = hashlib.sha256(page.evaluate(_PAGE_SHAPE_JS).encode()).hexdigest()
            key = (user, page.viewport_size["width"] if page.viewport_size else 0, shape)
            if key in _AUDITED:
                continue
            _AUDITED.add(key)
            problems += [f"{user or 'anonymous'} {url}: {v}" for v in axe_violations(page)]
    page.close()
    return problems

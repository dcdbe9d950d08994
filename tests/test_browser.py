"""The real pages in Debian's Chromium, driven by Playwright (design.md §5).

Marked ``browser``; skipped when /usr/bin/chromium is missing. Screenshots go to
``test-artifacts/`` (git-ignored) so a person can look at what the tests saw.
"""

from urllib.parse import urlsplit

import pytest

from tests.browser import (  # noqa: F401  (re-exported for older imports)
    ARTIFACTS,
    BROWSER_MARKS,
    CHROMIUM,
    MOBILE_WIDTH,
    TIMEOUT_MS,
    cast_password,
    log_in,
    screenshot,
)

pytestmark = BROWSER_MARKS


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_it_logs_in_and_shows_the_home_page_in_chinese(live_server, live_cast, new_page):
    from playwright.sync_api import expect

    page = new_page(viewport={"width": 1280, "height": 800})
    log_in(page, live_server, "county1_secretary")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.get_by_role("heading", name="我的职务")).to_be_visible()
    expect(page.get_by_role("heading", name="刘海涛,您好")).to_be_visible()
    crumbs = page.locator("nav[aria-label='组织路径'] .breadcrumb-item")
    assert [text.strip() for text in crumbs.all_inner_texts()] == ["测试省", "一号市", "一号县"]
    expect(crumbs.last).to_have_attribute("aria-current", "page")
    # Province and city are above a county secretary's scope: named, but not links to a 404.
    expect(crumbs.locator("a")).to_have_count(0)
    # The vendored stylesheet applied (Bootstrap's navbar is a flex container).
    navbar = page.locator("nav.navbar")
    assert navbar.evaluate("el => getComputedStyle(el).display") == "flex"
    assert screenshot(page, "home-county1_secretary.png").stat().st_size > 0


def test_it_fits_a_375px_phone_and_the_menu_opens(live_server, live_cast, new_page):
    from playwright.sync_api import expect

    page = new_page(
        viewport={"width": MOBILE_WIDTH, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    log_in(page, live_server, "county1_secretary")
    page.wait_for_selector("[data-testid=home-panel]")  # the secretary's panel, loaded in place
    assert horizontal_overflow(page) <= MOBILE_WIDTH + 1

    menu = page.locator("#lz-nav")
    toggler = page.locator("button.navbar-toggler")
    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()
    toggler.click()
    page.wait_for_selector("#lz-nav.show", state="visible")
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="人员")).to_be_visible()
    assert horizontal_overflow(page) <= MOBILE_WIDTH + 1
    screenshot(page, "home-mobile-county1_secretary.png")

    # The pages behind the menu fit too.
    county1 = live_cast.county1
    member = live_cast.people["county1_member"]
    tenure = live_cast.tenures["county1_member"]
    for path in (
        f"/orgs/{county1.pk}/",
        "/people/",
        f"/people/{member.pk}/",
        f"/tenures/{tenure.pk}/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("main h1")
        assert horizontal_overflow(page) <= MOBILE_WIDTH + 1, path
    page.goto(f"{live_server.url}/orgs/{county1.pk}/")
    page.wait_for_selector("main h1")
    screenshot(page, "org-mobile-county1_secretary.png")


def test_it_requests_nothing_outside_the_server(live_server, live_cast, new_page):
    own_host = urlsplit(live_server.url).netloc
    external, local, failures = [], [], []

    def guard(route):
        url = route.request.url
        if urlsplit(url).netloc != own_host:
            external.append(url)
            route.abort()
        else:
            local.append(url)
            route.continue_()

    page = new_page(viewport={"width": 1280, "height": 800})
    page.route("**/*", guard)
    page.on("response", lambda r: failures.append((r.status, r.url)) if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failures.append((r.failure, r.url)))

    log_in(page, live_server, "county1_secretary")
    for path in ("/", f"/orgs/{live_cast.county1.pk}/", "/people/"):
        page.goto(f"{live_server.url}{path}", wait_until="load")
        page.wait_for_selector("main h1")
        # Requests the page starts after load (the home page's panel) finish before we leave.
        page.wait_for_load_state("networkidle")

    assert external == []
    assert failures == []
    assets = {urlsplit(url).path for url in local}
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in assets
    assert "/static/vendor/bootstrap/js/bootstrap.bundle.min.js" in assets
    assert any(path.startswith("/static/django_htmx/htmx") for path in assets)


def test_it_the_accessibility_audit_sees_violations_and_records_visits(
    live_server, live_cast, new_page
):
    """The axe audit is not vacuous: it reports a known failure (issue 17.9) and records
    each page a test visits with the user who saw it."""
    from tests.browser import AXE, axe_violations

    if not AXE.exists():
        pytest.skip(f"axe-core missing at {AXE} (make test-tools)")
    page = new_page()
    page.set_content(
        '<html lang="zh-CN"><title>t</title><body><main><p id="x">1</p>'
        '<a href="#" style="color:#0d6efd;background:#f8d7da">查看</a>'
        '<input id="x"></main></body></html>'
    )
    found = " ".join(axe_violations(page))
    assert "color-contrast" in found and "label" in found
    log_in(page, live_server, "county1_member")
    assert ("county1_member", f"{live_server.url}/") in page.lz_visits.seen
